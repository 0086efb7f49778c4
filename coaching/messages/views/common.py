"""The pieces every message view shares: the recipient, findings as the reader sees them, the
pain check-in links, and "sent at" in the reader's time zone.

Every number is formatted here, once, in the reader's units, so templates never convert or round;
every date is a local date (evaluation days and weeks are already the runner's local days) or an
aware instant shown in the reader's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coaching.domain.model import Finding
from coaching.domain.risk import EVIDENCE_WEIGHT
from coaching.messages import catalogue
from coaching.messages import format as fmt
from coaching.messages.format import Units

STRAVA_ACTIVITY_URL = "https://www.strava.com/activities/{id}"
PAIN_SCORES = tuple(range(11))


@dataclass(frozen=True)
class Recipient:
    athlete_id: int
    first_name: str
    units: Units  # also accepts Strava's "meters"/"feet"
    tz: str  # IANA name, e.g. "Europe/Paris"
    preferences_url: str  # signed, no login: change channel or units, or unsubscribe
    checkin_url_template: str | None = None  # with "{score}", e.g. ".../checkin?t=...&score={score}"
    web_url: str | None = None  # the runner's page, when the web app runs

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", fmt.normalize_units(self.units))
        check_tz(self.tz)
        if not self.preferences_url:
            raise ValueError("every message needs a preferences/unsubscribe link")
        if self.checkin_url_template is not None and "{score}" not in self.checkin_url_template:
            raise ValueError("checkin_url_template needs a {score} placeholder")


@dataclass(frozen=True)
class Number:
    key: str
    label: str
    value: str

    @property
    def text(self) -> str:
        return f"{self.label}: {self.value}"


@dataclass(frozen=True)
class SuggestionView:
    category: str
    title: str
    text: str


@dataclass(frozen=True)
class FindingView:
    rule: str
    title: str
    severity: str  # "info" | "caution" | "warning": also a CSS class
    severity_label: str
    evidence: str
    evidence_label: str
    why: str
    metrics: Mapping[str, float | int | str | None]  # as the domain gave them, for conditions
    n: Mapping[str, str]  # formatted metrics by key, for display
    numbers: tuple[Number, ...]
    suggestions: tuple[SuggestionView, ...]
    activity_url: str | None


@dataclass(frozen=True)
class CheckinLink:
    score: int
    url: str


def finding_view(finding: Finding, units: Units) -> FindingView:
    metrics = finding.metrics
    return FindingView(
        rule=finding.rule,
        title=catalogue.rule_title(finding.rule),
        severity=finding.severity.name.lower(),
        severity_label=catalogue.SEVERITY_LABELS[finding.severity],
        evidence=finding.evidence.value,
        evidence_label=catalogue.EVIDENCE_LABELS[finding.evidence],
        why=finding.why,
        metrics=metrics,
        # Absent and empty metrics are left out, so a rule partial tests `is defined` only.
        n={
            key: fmt.format_metric(key, value, units)
            for key, value in metrics.items()
            if value is not None and value != ""
        },
        numbers=tuple(
            Number(key, fmt.metric_label(key), fmt.format_metric(key, value, units))
            for key, value in metrics.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        ),
        suggestions=tuple(suggestion_view(s.category, s.text) for s in finding.suggestions),
        activity_url=(
            STRAVA_ACTIVITY_URL.format(id=finding.activity_id) if finding.activity_id else None
        ),
    )


def most_severe_first(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (-f.severity, -EVIDENCE_WEIGHT[f.evidence], catalogue.rule_order(f.rule)),
    )


def suggestion_view(category: str, text: str) -> SuggestionView:
    return SuggestionView(category, catalogue.category_title(category), text)


def checkin_links(recipient: Recipient) -> tuple[CheckinLink, ...]:
    template = recipient.checkin_url_template
    if template is None:
        return ()
    return tuple(CheckinLink(s, template.replace("{score}", str(s))) for s in PAIN_SCORES)


def sent_at(now_utc: datetime | None, tz: str) -> str | None:
    return None if now_utc is None else fmt.format_local_datetime(now_utc, tz)


def check_tz(tz: str) -> None:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None
