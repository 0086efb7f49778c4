"""The runner alert: the new findings, what to do, what is still open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from coaching.domain.model import Evaluation, Finding
from coaching.messages import catalogue
from coaching.messages import format as fmt
from coaching.messages.views.common import (
    CheckinLink,
    FindingView,
    Recipient,
    SuggestionView,
    checkin_links,
    finding_view,
    most_severe_first,
    sent_at,
)
from coaching.messages.views.plan import PlanView, plan_view


@dataclass(frozen=True)
class AlertView:
    first_name: str
    as_of: str
    findings: tuple[FindingView, ...]  # the new ones, most severe first
    still_open: tuple[FindingView, ...]
    suggestions: tuple[SuggestionView, ...]  # of the new findings, without repeats
    severity: str
    preferences_url: str
    full_url: str | None
    checkin: tuple[CheckinLink, ...]
    sent_at: str | None
    plan: PlanView | None = None  # what to do in the next 7 days: the alert opens with it

    @property
    def top(self) -> FindingView:
        return self.findings[0]


def alert_view(
    recipient: Recipient,
    new_findings: Sequence[Finding],
    evaluation: Evaluation,
    *,
    now_utc: datetime | None = None,
) -> AlertView:
    if not new_findings:
        raise ValueError("an alert needs at least one new finding")
    new = most_severe_first(new_findings)
    new_keys = {f.key for f in new}
    still_open = most_severe_first([f for f in evaluation.findings if f.key not in new_keys])
    views = tuple(finding_view(f, recipient.units) for f in new)
    return AlertView(
        first_name=recipient.first_name,
        as_of=fmt.format_long_day(evaluation.as_of),
        findings=views,
        still_open=tuple(finding_view(f, recipient.units) for f in still_open),
        suggestions=_merged_suggestions(views),
        severity=views[0].severity,
        preferences_url=recipient.preferences_url,
        full_url=recipient.web_url,
        checkin=checkin_links(recipient),
        sent_at=sent_at(now_utc, recipient.tz),
        plan=plan_view(evaluation.plan, recipient.units),
    )


def _merged_suggestions(findings: Sequence[FindingView]) -> tuple[SuggestionView, ...]:
    seen: dict[tuple[str, str], SuggestionView] = {}
    for finding in findings:
        for s in finding.suggestions:
            seen.setdefault((s.category, s.text), s)
    # Stable within a category, so the most severe finding's advice comes first.
    return tuple(sorted(seen.values(), key=lambda s: catalogue.category_order(s.category)))
