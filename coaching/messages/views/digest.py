"""The coach digest: consenting athletes, flagged ones first by risk score, then the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

from coaching.domain.model import Finding, Severity
from coaching.domain.risk import risk_score
from coaching.messages import format as fmt
from coaching.messages.format import Units
from coaching.messages.views.common import (
    FindingView,
    check_tz,
    finding_view,
    most_severe_first,
    sent_at,
)


@dataclass(frozen=True)
class Acknowledgement:
    """A coach's note on one of the athlete's findings, made since the last digest."""

    finding_title: str
    coach_name: str
    day: str  # already formatted in the reader's time zone
    note: str


@dataclass(frozen=True)
class DigestAthlete:
    name: str
    risk_score: float
    findings: tuple[Finding, ...]
    weekly_km: float
    page_url: str | None = None
    acknowledged: tuple[Acknowledgement, ...] = ()

    @classmethod
    def from_findings(
        cls, name: str, findings: Sequence[Finding], weekly_km: float, page_url: str | None = None,
        acknowledged: Sequence[Acknowledgement] = (),
    ) -> DigestAthlete:
        return cls(name, risk_score(findings), tuple(findings), weekly_km, page_url, tuple(acknowledged))

    @property
    def flagged(self) -> bool:
        return any(f.severity >= Severity.CAUTION for f in self.findings)


@dataclass(frozen=True)
class DigestRow:
    name: str
    page_url: str | None
    risk: str
    weekly_distance: str
    finding_count: int
    top: FindingView | None
    acknowledged: tuple[Acknowledgement, ...] = ()


@dataclass(frozen=True)
class CoachDigestView:
    coach_name: str
    flagged: tuple[DigestRow, ...]
    others: tuple[DigestRow, ...]
    preferences_url: str
    sent_at: str | None
    athlete_count: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "athlete_count", len(self.flagged) + len(self.others))


def coach_digest_view(
    coach_name: str,
    athletes: Sequence[DigestAthlete],
    *,
    preferences_url: str,
    units: Units = "metric",
    tz: str = "UTC",
    now_utc: datetime | None = None,
) -> CoachDigestView:
    """Flagged athletes (a finding at caution or above) first, by risk score; then the rest."""
    units = fmt.normalize_units(units)
    check_tz(tz)
    ranked = sorted(athletes, key=lambda a: (-a.risk_score, a.name.casefold()))
    return CoachDigestView(
        coach_name=coach_name,
        flagged=tuple(_digest_row(a, units) for a in ranked if a.flagged),
        others=tuple(_digest_row(a, units) for a in ranked if not a.flagged),
        preferences_url=preferences_url,
        sent_at=sent_at(now_utc, tz),
    )


def _digest_row(athlete: DigestAthlete, units: Units) -> DigestRow:
    findings = most_severe_first(athlete.findings)
    return DigestRow(
        name=athlete.name,
        page_url=athlete.page_url,
        risk=fmt.format_number(round(athlete.risk_score, 1)),
        weekly_distance=fmt.format_distance(athlete.weekly_km, units),
        finding_count=len(findings),
        top=finding_view(findings[0], units) if findings else None,
        acknowledged=athlete.acknowledged,
    )
