"""The weekly summary (the calendar week just ended, Monday to Sunday, local time) and the guidance
for the week ahead that keeps within the 10 % / 30 % ramp rules and the long-run budget."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple, Sequence

from coaching.domain.daily import build_history
from coaching.domain.metrics import weekly_run_km
from coaching.domain.model import Activity
from coaching.domain.quality import clean_activities
from coaching.domain.stats import median, round_km
from coaching.domain.thresholds import DEFAULT_THRESHOLDS, Thresholds


@dataclass(frozen=True)
class WeeklySummary:
    week_start: date  # Monday
    week_end: date  # Sunday
    run_km: float
    runs: int
    longest_run_km: float
    run_moving_s: int
    run_elevation_gain_m: float
    median_cadence_spm: float | None
    cross_training_min: float
    strength_sessions: int
    weekly_run_km: tuple[float, ...]  # the last 12 calendar weeks, oldest first, this one last
    longest_run_30d_km: float  # as of Sunday: the long-run budget's base
    data_quality: tuple[str, ...] = ()


class NextWeekGuidance(NamedTuple):
    min_km: float
    max_km: float
    next_long_run_max_km: float | None  # None when there was no run in the last 30 days


def weekly_summary(
    activities: Sequence[Activity], week_start: date, *, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> WeeklySummary:
    if week_start.weekday() != 0:
        raise ValueError(f"week_start must be a Monday, got {week_start.isoformat()}")
    week_end = week_start + timedelta(days=6)
    cleaned = clean_activities(activities, thresholds.quality)
    history = build_history(cleaned.activities, week_end, stride_guard_spm=thresholds.quality.stride_guard_spm)
    last = history.last_day
    runs = history.runs_between(last - 6, last)
    month = history.runs_between(last - 29, last)
    cadence = median([r.cadence_spm for r in runs if r.cadence_spm is not None])
    return WeeklySummary(
        week_start=week_start,
        week_end=week_end,
        run_km=round_km(history.run_km_between(last - 6, last)),
        runs=len(runs),
        longest_run_km=round_km(max((r.km for r in runs), default=0.0)),
        run_moving_s=sum(int(r.activity.moving_s) for r in runs),
        run_elevation_gain_m=round(sum(r.activity.elevation_gain_m for r in runs), 1),
        median_cadence_spm=None if cadence is None else round(cadence, 1),
        cross_training_min=round(history.cross_training_min_between(last - 6, last), 1),
        strength_sessions=history.strength_sessions_between(last - 6, last),
        weekly_run_km=tuple(weekly_run_km(history)),
        longest_run_30d_km=round_km(max((r.km for r in month), default=0.0)),
        data_quality=cleaned.notes,
    )


def next_week_guidance(summary: WeeklySummary, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> NextWeekGuidance:
    """Next week's km range and long-run ceiling that trip neither ramp rule nor the spike rule.

    Next week's 1-week base is the week just ended (W0), its 2-week base the week before (W1). A
    base under the ramp rule's 10 km is not evaluated by the rule, so the guidance then grows from
    10 km instead of from almost nothing.
    """
    ramp = thresholds.weekly_ramp
    spike = thresholds.long_run_spike
    weeks = summary.weekly_run_km
    this_week = weeks[-1] if weeks else summary.run_km
    week_before = weeks[-2] if len(weeks) >= 2 else 0.0
    max_km = (1 + ramp.info_1w_pct / 100) * max(this_week, ramp.min_base_km)
    if week_before >= ramp.min_base_km:
        max_km = min(max_km, (1 + ramp.caution_2w_pct / 100) * week_before)
    min_km = (1 - ramp.info_1w_pct / 100) * min(this_week, max_km)
    longest = summary.longest_run_30d_km
    long_run = (1 + spike.caution_pct / 100) * longest if longest > 0 else None
    if long_run is not None:
        long_run = min(long_run, max_km)
    # Ceilings are rounded down and the floor up, so that following the guidance to the shown
    # decimal can never trip the rule it was derived from.
    return NextWeekGuidance(
        min_km=min(math.ceil(round(min_km * 10, 6)) / 10, math.floor(round(max_km * 10, 6)) / 10),
        max_km=math.floor(round(max_km * 10, 6)) / 10,
        next_long_run_max_km=None if long_run is None else math.floor(round(long_run * 10, 6)) / 10,
    )
