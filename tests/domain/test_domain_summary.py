from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from domain_builders import activity

from coaching.domain.summary import NextWeekGuidance, WeeklySummary, next_week_guidance, weekly_summary
from coaching.domain.thresholds import DEFAULT_THRESHOLDS

MONDAY = date(2025, 6, 9)


def _on(offset_days: int, km: float, **kwargs) -> object:
    return activity(MONDAY + timedelta(days=offset_days), km, **kwargs)


def test_weekly_summary_adds_up_the_calendar_week_monday_to_sunday() -> None:
    history = [
        _on(-1, 30.0),  # the Sunday before: last week
        _on(0, 8.0, cadence_raw=80.0, elevation_m=40.0),
        _on(2, 12.0, cadence_raw=85.0, elevation_m=60.0),
        _on(6, 16.0, cadence_raw=90.0, at=time(23, 50)),
        _on(7, 50.0),  # next Monday: not this week
        _on(3, 25.0, sport="Ride", moving_s=3600),
        _on(4, 0.0, sport="WeightTraining", moving_s=1800),
    ]
    summary = weekly_summary(history, MONDAY)
    assert isinstance(summary, WeeklySummary)
    assert (summary.week_start, summary.week_end) == (MONDAY, date(2025, 6, 15))
    assert (summary.run_km, summary.runs, summary.longest_run_km) == (36.0, 3, 16.0)
    assert summary.run_moving_s == round(8 * 330) + round(12 * 330) + round(16 * 330)
    assert summary.run_elevation_gain_m == 100.0
    assert summary.median_cadence_spm == 170.0
    assert (summary.cross_training_min, summary.strength_sessions) == (60.0, 1)
    assert len(summary.weekly_run_km) == 12
    assert summary.weekly_run_km[-2:] == (30.0, 36.0)
    assert summary.longest_run_30d_km == 30.0


def test_a_run_just_after_midnight_on_monday_belongs_to_the_new_week() -> None:
    after_midnight = activity(MONDAY + timedelta(days=7), 10.0, at=time(0, 5), utc_offset_h=2)
    assert after_midnight.start_utc < datetime.combine(MONDAY + timedelta(days=7), time(0), timezone.utc)
    assert weekly_summary([after_midnight], MONDAY).run_km == 0.0
    assert weekly_summary([after_midnight], MONDAY + timedelta(days=7)).run_km == 10.0


def test_the_week_must_start_on_a_monday() -> None:
    with pytest.raises(ValueError, match="Monday"):
        weekly_summary([], MONDAY + timedelta(days=1))


def _summary(weeks: tuple[float, ...], longest_30d_km: float) -> WeeklySummary:
    return WeeklySummary(
        week_start=MONDAY, week_end=MONDAY + timedelta(days=6), run_km=weeks[-1], runs=3,
        longest_run_km=longest_30d_km, run_moving_s=0, run_elevation_gain_m=0.0, median_cadence_spm=None,
        cross_training_min=0.0, strength_sessions=0, weekly_run_km=weeks, longest_run_30d_km=longest_30d_km,
    )


def test_next_week_grows_at_most_10_percent_with_a_long_run_budget() -> None:
    guidance = next_week_guidance(_summary((30.0, 30.0), 12.0))
    assert isinstance(guidance, NextWeekGuidance)
    assert guidance == (27.0, 33.0, 13.2)
    min_km, max_km, long_run = guidance
    assert long_run == guidance.next_long_run_max_km


def test_next_week_is_capped_by_the_two_week_30_percent_rule() -> None:
    # After 20 then 26 km, +10 % allows 28.6 but next week's two-week base (20 km) allows 26.
    guidance = next_week_guidance(_summary((20.0, 26.0), 10.0))
    assert guidance.max_km == 26.0
    assert guidance.min_km == 23.4


def test_a_tiny_base_week_grows_from_the_rules_10_km_floor() -> None:
    guidance = next_week_guidance(_summary((0.0, 4.0), 4.0))
    assert guidance.max_km == 11.0
    assert guidance.next_long_run_max_km == 4.4


def test_without_runs_in_30_days_there_is_no_long_run_budget() -> None:
    assert next_week_guidance(_summary((0.0, 0.0), 0.0)).next_long_run_max_km is None


def test_guidance_rounds_ceilings_down_so_following_them_never_trips_a_rule() -> None:
    guidance = next_week_guidance(_summary((10.0, 10.05), 10.05))
    assert guidance.next_long_run_max_km == 11.0  # 1.1 x 10.05 = 11.055
    assert guidance.max_km == 11.0


def test_guidance_follows_a_coachs_tighter_ramp() -> None:
    tight = DEFAULT_THRESHOLDS.with_overrides({"weekly_ramp.info_1w_pct": 5})
    assert next_week_guidance(_summary((30.0, 30.0), 12.0), tight).max_km == 31.5
