"""The weekly summary: the week just ended, the last 12 weeks as bars, and next week's range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from coaching.domain.model import Finding
from coaching.domain.plan_model import Plan
from coaching.domain.plan_check import PlanCheck
from coaching.domain.summary import NextWeekGuidance, WeeklySummary
from coaching.messages import format as fmt
from coaching.messages.format import Units
from coaching.messages.views.common import (
    CheckinLink,
    FindingView,
    Recipient,
    checkin_links,
    finding_view,
    most_severe_first,
    sent_at,
)
from coaching.messages.views.plan import CheckView, PlanView, check_view, plan_view


@dataclass(frozen=True)
class Stat:
    label: str
    value: str


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    pct: int  # of the widest bar, 0-100
    current: bool


@dataclass(frozen=True)
class GuidanceView:
    week_range: str
    long_run_max: str | None


@dataclass(frozen=True)
class WeeklySummaryView:
    first_name: str
    week: str
    run_distance: str
    runs: int
    longest_run: str
    stats: tuple[Stat, ...]
    chart: tuple[Bar, ...]
    open_findings: tuple[FindingView, ...]
    guidance: GuidanceView | None
    preferences_url: str
    full_url: str | None
    checkin: tuple[CheckinLink, ...]
    sent_at: str | None
    plan: PlanView | None = None  # the next 7 days: replaces the guidance when there is one
    last_week: CheckView | None = None  # whether last week's plan was kept


def weekly_summary_view(
    recipient: Recipient,
    summary: WeeklySummary,
    open_findings: Sequence[Finding],
    guidance: NextWeekGuidance | None,
    *,
    now_utc: datetime | None = None,
    plan: Plan | None = None,
    plan_check: PlanCheck | None = None,
) -> WeeklySummaryView:
    """`plan` and `plan_check` are the evaluation of the week's Sunday: the plan for the week
    ahead and whether the week just ended kept the plan made a week before. `guidance` (the older
    `next_week_guidance(summary)`) is shown only without a plan; None leaves it out."""
    units = recipient.units
    return WeeklySummaryView(
        first_name=recipient.first_name,
        week=fmt.format_day_range(summary.week_start, summary.week_end),
        run_distance=fmt.format_distance(summary.run_km, units),
        runs=summary.runs,
        longest_run=fmt.format_distance(summary.longest_run_km, units),
        stats=(
            Stat("Running", fmt.format_distance(summary.run_km, units)),
            Stat("Runs", str(summary.runs)),
            Stat("Longest run", fmt.format_distance(summary.longest_run_km, units)),
            Stat("Moving time", fmt.format_duration(summary.run_moving_s)),
            Stat("Elevation gain", fmt.format_elevation(summary.run_elevation_gain_m, units)),
            Stat("Median cadence", fmt.format_cadence(summary.median_cadence_spm)),
            Stat("Cross-training", fmt.format_duration(summary.cross_training_min * 60)),
            Stat("Strength sessions", str(summary.strength_sessions)),
        ),
        chart=_weekly_bars(summary.week_start, summary.weekly_run_km, units),
        open_findings=tuple(finding_view(f, units) for f in most_severe_first(open_findings)),
        guidance=_guidance_view(guidance, units),
        preferences_url=recipient.preferences_url,
        full_url=recipient.web_url,
        checkin=checkin_links(recipient),
        sent_at=sent_at(now_utc, recipient.tz),
        plan=plan_view(plan, units),
        last_week=check_view(plan_check, units),
    )


def _weekly_bars(week_start: date, weekly_km: Sequence[float], units: Units) -> tuple[Bar, ...]:
    widest = max(weekly_km, default=0.0)
    count = len(weekly_km)
    bars = []
    for i, km in enumerate(weekly_km):
        monday = date.fromordinal(week_start.toordinal() - 7 * (count - 1 - i))
        bars.append(
            Bar(
                label=fmt.format_short_date(monday),
                value=fmt.format_distance(km, units),
                pct=round(100 * km / widest) if widest > 0 else 0,
                current=i == count - 1,
            )
        )
    return tuple(bars)


def _guidance_view(guidance: NextWeekGuidance | None, units: Units) -> GuidanceView | None:
    if guidance is None:
        return None
    low_km, high_km, long_run_km = guidance
    return GuidanceView(
        week_range=fmt.format_distance_range(low_km, high_km, units),
        long_run_max=None if long_run_km is None else fmt.format_distance(long_run_km, units),
    )
