"""The coach digest: consenting athletes in one ranking (risk now, then its trend), each with the
plan's running mode, last weeks' plan adherence and the latest knee-pain score."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Sequence

from coaching.domain.model import Finding, Severity
from coaching.domain.plan_model import Plan
from coaching.domain.plan_check import PlanCheck, broken_weeks_running
from coaching.domain.risk import risk_score, risk_trend
from coaching.messages import format as fmt
from coaching.messages.format import Units
from coaching.messages.plan_text import check_summary, plan_headline
from coaching.messages.views.common import (
    FindingView,
    check_tz,
    finding_view,
    most_severe_first,
    sent_at,
)

# A plan broken this many weeks running is flagged.
BROKEN_WEEKS_FLAGGED = 2
# Rising risk reads before steady, steady before falling, at the same risk.
_TREND_ORDER = {"rising": 0, "steady": 1, None: 1, "falling": 2}
TREND_ARROWS = {"rising": "↑", "steady": "→", "falling": "↓"}


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
    risk_week_ago: float | None = None
    plan: Plan | None = None
    checks: tuple[PlanCheck | None, ...] = ()  # newest first: last week's, the week before...
    pain_score: int | None = None  # the latest check-in
    pain_day: date | None = None

    @classmethod
    def from_findings(
        cls, name: str, findings: Sequence[Finding], weekly_km: float, page_url: str | None = None,
        acknowledged: Sequence[Acknowledgement] = (), **plan: object,
    ) -> DigestAthlete:
        return cls(name, risk_score(findings), tuple(findings), weekly_km, page_url, tuple(acknowledged), **plan)  # type: ignore[arg-type]

    @property
    def flagged(self) -> bool:
        return any(f.severity >= Severity.CAUTION for f in self.findings)

    @property
    def trend(self) -> str | None:
        return risk_trend(self.risk_score, self.risk_week_ago)

    @property
    def broken_weeks_running(self) -> int:
        return broken_weeks_running(self.checks)


@dataclass(frozen=True)
class DigestRow:
    name: str
    page_url: str | None
    risk: str
    weekly_distance: str
    finding_count: int
    top: FindingView | None
    acknowledged: tuple[Acknowledgement, ...] = ()
    flagged: bool = False
    trend: str | None = None  # rising | steady | falling
    trend_text: str = ""  # "↑ from 0.6 a week ago"
    running: str | None = None  # the plan's mode: normal | hold | stop
    plan: str | None = None  # the plan in one line
    adherence: str | None = None  # "kept" | "not kept: longest run"
    broken_twice: bool = False  # the plan broken two weeks running
    pain: str | None = None  # "7/10 on Tue 3 Mar"


@dataclass(frozen=True)
class CoachDigestView:
    coach_name: str
    rows: tuple[DigestRow, ...]  # one ranking: risk now, then its trend
    preferences_url: str
    sent_at: str | None
    athlete_count: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "athlete_count", len(self.rows))

    @property
    def flagged(self) -> tuple[DigestRow, ...]:
        """The flagged rows, in the ranking's order."""
        return tuple(row for row in self.rows if row.flagged)

    @property
    def others(self) -> tuple[DigestRow, ...]:
        return tuple(row for row in self.rows if not row.flagged)


def ranking_key(athlete: DigestAthlete) -> tuple[float, int, str]:
    """The one order a coach reads at a glance: highest risk first, rising before falling."""
    return (-round(athlete.risk_score, 6), _TREND_ORDER[athlete.trend], athlete.name.casefold())


def coach_digest_view(
    coach_name: str,
    athletes: Sequence[DigestAthlete],
    *,
    preferences_url: str,
    units: Units = "metric",
    tz: str = "UTC",
    now_utc: datetime | None = None,
) -> CoachDigestView:
    """Every athlete in one ranking (risk, then trend); flagged ones (a finding at caution or
    above, or a plan broken two weeks running) are marked, not sorted apart."""
    units = fmt.normalize_units(units)
    check_tz(tz)
    return CoachDigestView(
        coach_name=coach_name,
        rows=tuple(_digest_row(a, units) for a in sorted(athletes, key=ranking_key)),
        preferences_url=preferences_url,
        sent_at=sent_at(now_utc, tz),
    )


def _digest_row(athlete: DigestAthlete, units: Units) -> DigestRow:
    findings = most_severe_first(athlete.findings)
    trend = athlete.trend
    last_check = athlete.checks[0] if athlete.checks else None
    broken_twice = athlete.broken_weeks_running >= BROKEN_WEEKS_FLAGGED
    return DigestRow(
        name=athlete.name,
        page_url=athlete.page_url,
        risk=fmt.format_number(round(athlete.risk_score, 1)),
        weekly_distance=fmt.format_distance(athlete.weekly_km, units),
        finding_count=len(findings),
        top=finding_view(findings[0], units) if findings else None,
        acknowledged=athlete.acknowledged,
        flagged=athlete.flagged or broken_twice,
        trend=trend,
        trend_text="" if trend is None or athlete.risk_week_ago is None else (
            f"{TREND_ARROWS[trend]} {trend} from {fmt.format_number(round(athlete.risk_week_ago, 1))} a week ago"),
        running=None if athlete.plan is None else str(athlete.plan.running.value),
        plan=None if athlete.plan is None else plan_headline(athlete.plan, units),
        adherence=None if last_check is None else check_summary(last_check),
        broken_twice=broken_twice,
        pain=None if athlete.pain_score is None else (
            f"{athlete.pain_score}/10" + (f" on {fmt.format_day(athlete.pain_day)}" if athlete.pain_day else "")),
    )
