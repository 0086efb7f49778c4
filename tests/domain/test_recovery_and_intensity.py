from __future__ import annotations

from datetime import time

import pytest
from domain_builders import AS_OF, activity, day, run

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evidence, Severity


def _findings(history, rule: str, **kwargs):
    evaluation = evaluate(history, AS_OF, **kwargs)
    return [f for f in evaluation.findings if f.rule == rule], evaluation


@pytest.mark.parametrize(("streak", "severity"), [(6, None), (7, Severity.CAUTION), (9, Severity.CAUTION), (10, Severity.WARNING)])
def test_no_rest_day_counts_consecutive_run_days_ending_today(streak: int, severity: Severity | None) -> None:
    history = [run(d, 5.0) for d in range(streak)] + [run(streak + 1, 5.0)]
    findings, _ = _findings(history, "no-rest-day")
    assert [f.severity for f in findings] == ([severity] if severity else [])
    if findings:
        assert findings[0].metrics["run_streak_days"] == streak
        assert findings[0].evidence is Evidence.C


def test_a_bike_ride_does_not_break_a_run_streak_but_a_day_without_a_run_does() -> None:
    history = [run(d, 5.0) for d in range(7) if d != 3] + [activity(day(3), 20.0, sport="Ride")]
    findings, _ = _findings(history, "no-rest-day")
    assert findings == []


def test_monotony_of_six_equal_days_and_one_rest_day_is_a_warning() -> None:
    # loads 5,5,5,5,5,5,0: mean 30/7 = 4.286, population SD 1.750 -> monotony 2.449
    findings, _ = _findings([run(d, 5.0) for d in range(6)] + [run(20, 1.0)], "monotony")
    assert [f.severity for f in findings] == [Severity.WARNING]
    assert findings[0].metrics["monotony"] == 2.45
    assert findings[0].metrics["weekly_load_km"] == 30.0
    assert findings[0].metrics["strain_km"] == 73.5


def test_monotony_between_one_and_a_half_and_two_is_a_caution() -> None:
    # loads 6,6,6,3,3,3,0: mean 27/7 = 3.857, SD 2.100 -> monotony 1.84
    history = [run(d, km) for d, km in zip(range(7), (6, 6, 6, 3, 3, 3, 0)) if km] + [run(20, 1.0)]
    findings, _ = _findings(history, "monotony")
    assert [f.severity for f in findings] == [Severity.CAUTION]
    assert findings[0].metrics["monotony"] == 1.84


def test_alternating_hard_and_rest_days_are_not_monotonous() -> None:
    # loads 10,0,10,0,10,0,10: mean 5.714, SD 4.949 -> 1.15
    findings, _ = _findings([run(d, 10.0) for d in (0, 2, 4, 6)] + [run(20, 1.0)], "monotony")
    assert findings == []


def test_cross_training_counts_in_monotony_as_run_km_equivalents() -> None:
    # A 30-minute ride = 5 km at 6 min per km: seven identical days, no spread at all.
    history = [run(d, 5.0) for d in range(6)] + [activity(day(6), 12.0, sport="Ride", moving_s=1800), run(20, 1.0)]
    findings, _ = _findings(history, "monotony")
    assert [f.severity for f in findings] == [Severity.WARNING]
    assert findings[0].metrics["monotony"] is None
    assert findings[0].metrics["identical_daily_load"] == "yes"


def _easy_base() -> list:
    # Five weeks of easy runs at 5:30/km with HR 140 and a 190 max, ending a week ago.
    return [run(d, 8.0, heartrate=140.0, max_heartrate=190.0) for d in range(7, 42, 2)]


def test_two_races_in_a_week_after_none_before_is_an_intensity_jump() -> None:
    history = _easy_base() + [run(4, 10.0, workout_type=1), run(1, 8.0, workout_type=3)]
    findings, _ = _findings(history, "intensity-jump")
    assert len(findings) == 1
    assert (findings[0].severity, findings[0].evidence) == (Severity.CAUTION, Evidence.C)
    assert findings[0].metrics["hard_runs_7d"] == 2
    assert findings[0].metrics["hard_runs_per_week_before"] == 0.0


def test_two_hard_runs_a_week_as_usual_are_not_a_jump() -> None:
    base = [run(d, 8.0, workout_type=3 if d in (8, 10, 15, 17, 22, 24, 29, 31) else None) for d in range(7, 35)]
    history = base + [run(4, 8.0, workout_type=3), run(2, 8.0, workout_type=3)]
    findings, _ = _findings(history, "intensity-jump")
    assert findings == []  # 2 this week against 2 a week before


def test_heart_rate_at_88_percent_of_the_recent_max_makes_a_run_hard() -> None:
    # 0.88 x 190 = 167.2 bpm
    history = _easy_base() + [run(4, 8.0, heartrate=167.2), run(2, 8.0, heartrate=167.3)]
    findings, _ = _findings(history, "intensity-jump")
    assert [f.metrics["hard_runs_7d"] for f in findings] == [2]
    just_under = _easy_base() + [run(4, 8.0, heartrate=167.1), run(2, 8.0, heartrate=167.3)]
    assert _findings(just_under, "intensity-jump")[0] == []


def test_without_heart_rate_a_pace_15_percent_faster_than_usual_is_hard() -> None:
    base = [run(d, 8.0, moving_s=2640) for d in range(7, 42, 2)]  # 3.0303 m/s
    # 1.15 x 3.0303 = 3.4848 m/s: 8 km in 2295 s is just faster, in 2296 s just slower.
    history = base + [run(4, 8.0, moving_s=2295), run(2, 8.0, moving_s=2200)]
    findings, _ = _findings(history, "intensity-jump")
    assert [f.metrics["hard_runs_7d"] for f in findings] == [2]
    slower = base + [run(4, 8.0, moving_s=2296), run(2, 8.0, moving_s=2200)]
    assert _findings(slower, "intensity-jump")[0] == []


def test_hard_runs_on_consecutive_days_are_a_caution_on_the_second() -> None:
    base = [run(d, 8.0, workout_type=3 if d in (9, 16, 23, 30) else None) for d in range(7, 35)]
    second = run(2, 8.0, workout_type=3)
    history = base + [run(3, 8.0, workout_type=1), second]
    findings, _ = _findings(history, "intensity-jump")
    consecutive = [f for f in findings if f.activity_id is not None]
    assert [f.activity_id for f in consecutive] == [second.id]


def test_intensity_jump_needs_35_days_of_history() -> None:
    findings, evaluation = _findings([run(4, 10.0, workout_type=1), run(1, 8.0, workout_type=1)], "intensity-jump")
    assert findings == []
    assert any(s.rule == "intensity-jump" for s in evaluation.skipped)


def _flat_base(elevation_m: float = 50.0) -> list:
    # Four weeks (D-34..D-7) of 3 road runs with 50 m each: 150 m a week.
    return [run(d, 10.0, elevation_m=elevation_m) for d in range(7, 35) if (34 - d) % 7 in (0, 2, 4)]


def test_climbing_more_than_one_and_a_half_times_usual_and_over_300_m_is_a_hill_jump() -> None:
    history = _flat_base(150.0) + [run(4, 10.0, elevation_m=400.0), run(1, 10.0, elevation_m=300.0)]
    findings, _ = _findings(history, "hill-jump")  # 700 m > 1.5 x 450 m
    assert [(f.severity, f.evidence) for f in findings] == [(Severity.CAUTION, Evidence.B)]
    assert findings[0].metrics["gain_7d_m"] == 700.0
    assert findings[0].metrics["usual_weekly_gain_m"] == 450.0
    assert "terrain" in {s.category for s in findings[0].suggestions}


def test_more_climbing_under_300_m_is_not_a_hill_jump() -> None:
    findings, _ = _findings(_flat_base() + [run(1, 10.0, elevation_m=300.0)], "hill-jump")
    assert findings == []  # 300 m is not over 300 m, although 2 x the usual 150 m


def test_treadmill_climbing_is_not_terrain() -> None:
    history = _flat_base() + [run(1, 10.0, elevation_m=900.0) for _ in range(1)]
    virtual = [activity(day(2), 10.0, sport="VirtualRun", elevation_m=900.0)]
    assert _findings(history, "hill-jump")[0] != []
    assert _findings(_flat_base() + virtual, "hill-jump")[0] == []


def test_a_trail_share_30_points_above_the_previous_four_weeks_is_a_hill_jump() -> None:
    history = _flat_base() + [activity(day(3), 10.0, sport="TrailRun"), run(1, 10.0)]  # 50 % vs 0 %
    findings, _ = _findings(history, "hill-jump")
    assert findings[0].metrics["trail_share_7d_pct"] == 50.0
    assert findings[0].metrics["trail_share_before_pct"] == 0.0
    exactly_30 = _flat_base() + [activity(day(3), 3.0, sport="TrailRun"), run(1, 7.0)]
    assert _findings(exactly_30, "hill-jump")[0] == []


def test_a_double_run_day_is_two_runs_for_the_hard_count() -> None:
    history = _easy_base() + [run(3, 5.0, workout_type=3, at=time(7)), run(3, 5.0, workout_type=3, at=time(18))]
    findings, _ = _findings(history, "intensity-jump")
    assert [f.metrics["hard_runs_7d"] for f in findings if f.activity_id is None] == [2]
