from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta, timezone

import pytest
from domain_builders import AS_OF, activity, day, run

from coaching.domain.evaluate import evaluate
from coaching.domain.metrics import training_load
from coaching.domain.model import Gear

METRIC_KEYS = {
    "weekly_run_km", "ctl", "atl", "tsb", "acwr", "rest_days_7d", "longest_run_30d_km",
    "cross_training_min_7d", "strength_sessions_7d", "median_cadence_spm", "shoes",
}


def test_every_evaluation_carries_the_documented_metrics_as_plain_json() -> None:
    metrics = evaluate([run(0, 5.0)], AS_OF).metrics
    assert METRIC_KEYS <= set(metrics)
    assert json.loads(json.dumps(metrics)) == metrics


def test_weekly_run_km_is_twelve_rolling_blocks_ending_on_the_evaluation_day_oldest_first() -> None:
    history = [run(0, 1.0), run(6, 2.0), run(7, 4.0), run(13, 8.0), run(14, 16.0), run(83, 32.0), run(84, 64.0)]
    weeks = evaluate(history, AS_OF).metrics["weekly_run_km"]
    assert len(weeks) == 12
    assert weeks[-1] == 3.0  # D-6..D
    assert weeks[-2] == 12.0  # D-13..D-7
    assert weeks[-3] == 16.0  # D-20..D-14
    assert weeks[0] == 32.0  # D-83..D-77; D-84 is the 13th week back
    assert sum(weeks) == 63.0


def test_ctl_after_42_days_of_10_km_is_10_times_one_minus_1_over_e() -> None:
    load = training_load([10.0] * 42)
    assert load.ctl == pytest.approx(10 * (1 - math.exp(-1)), abs=1e-9)  # 6.3212
    assert load.atl == pytest.approx(10 * (1 - math.exp(-6)), abs=1e-9)  # 9.9752
    assert load.tsb == pytest.approx(load.ctl - load.atl)


def test_ctl_atl_tsb_of_a_single_run_today_are_its_first_step() -> None:
    metrics = evaluate([run(0, 10.0)], AS_OF).metrics
    k42, k7 = 1 - math.exp(-1 / 42), 1 - math.exp(-1 / 7)
    # Four decimals: metrics are rounded for programs; people see them rounded by the templates.
    assert metrics["ctl"] == round(10 * k42, 4) == 0.2353
    assert metrics["atl"] == round(10 * k7, 4) == 1.3312
    assert metrics["tsb"] == round(10 * k42 - 10 * k7, 4) == -1.0959


def test_a_rest_day_decays_fatigue_faster_than_fitness() -> None:
    ctl, atl = 0.0, 0.0
    k42, k7 = 1 - math.exp(-1 / 42), 1 - math.exp(-1 / 7)
    for km in (10.0, 0.0):
        ctl += k42 * (km - ctl)
        atl += k7 * (km - atl)
    load = training_load([10.0, 0.0])
    assert (load.ctl, load.atl) == pytest.approx((ctl, atl))
    assert load.atl / training_load([10.0]).atl == pytest.approx(math.exp(-1 / 7))


def test_rest_days_longest_run_cross_training_and_strength_of_the_last_days() -> None:
    history = [
        run(0, 5.0), run(0, 3.0, at=time(18)), run(2, 12.0), run(29, 20.0), run(30, 30.0),
        activity(day(1), 20.0, sport="Ride", moving_s=45 * 60),
        activity(day(6), 1.0, sport="Swim", moving_s=30 * 60),
        activity(day(7), 20.0, sport="Ride", moving_s=60 * 60),  # outside D-6..D
        activity(day(3), sport="WeightTraining", moving_s=1800),
        activity(day(4), sport="Yoga", moving_s=1800),
        activity(day(5), 5.0, sport="Walk"),
    ]
    metrics = evaluate(history, AS_OF).metrics
    assert metrics["rest_days_7d"] == 5  # runs on D and D-2 only
    assert metrics["longest_run_30d_km"] == 20.0  # D-29 is inside, D-30 is not
    assert metrics["cross_training_min_7d"] == 75.0
    assert metrics["strength_sessions_7d"] == 2


def test_median_cadence_is_in_steps_per_minute_over_28_days() -> None:
    history = [run(1, 8.0, cadence_raw=80.0), run(3, 8.0, cadence_raw=85.0), run(5, 8.0, cadence_raw=172.0),
               run(28, 8.0, cadence_raw=60.0)]
    assert evaluate(history, AS_OF).metrics["median_cadence_spm"] == 170.0  # 160, 170, 172


def test_each_shoe_has_its_km_from_strava_and_unknown_shoes_from_the_runs() -> None:
    gear = [Gear("g1", "Pegasus", 612_345.0), Gear("b1", "Bike", 9_000_000.0)]
    history = [run(1, 10.0, gear_id="g1"), run(2, 7.5, gear_id="g9"), run(3, 2.5, gear_id="g9")]
    shoes = evaluate(history, AS_OF, gear=gear).metrics["shoes"]
    assert [(s["name"], s["km"]) for s in shoes] == [("Pegasus", 612.35), ("g9", 10.0)]


def test_acwr_metric_is_none_without_28_days_of_history() -> None:
    assert evaluate([run(0, 5.0), run(20, 5.0)], AS_OF).metrics["acwr"] is None


def test_a_run_just_after_local_midnight_belongs_to_the_new_local_day() -> None:
    # 00:10 local on the evaluation day is 22:10 UTC the day before (UTC+2).
    late = activity(AS_OF, 10.0, at=time(0, 10), utc_offset_h=2)
    assert late.start_utc.date() == AS_OF - timedelta(days=1)
    metrics = evaluate([late], AS_OF).metrics
    assert metrics["rest_days_7d"] == 6
    assert metrics["weekly_run_km"][-1] == 10.0
    before = evaluate([late], AS_OF - timedelta(days=1)).metrics
    assert before["weekly_run_km"][-1] == 0.0


def test_a_week_across_the_spring_daylight_saving_change_still_has_seven_days() -> None:
    # Europe/Berlin springs forward on Sunday 2025-03-30 (a 23-hour day); local days still count.
    as_of = date(2025, 3, 30)
    history = [activity(as_of - timedelta(days=o), 5.0, at=time(0, 30), utc_offset_h=1) for o in range(7)]
    history.append(activity(as_of, 4.0, at=time(12), utc_offset_h=2))  # after the switch: CEST
    history.append(activity(as_of - timedelta(days=7), 100.0, at=time(23, 59), utc_offset_h=1))
    metrics = evaluate(history, as_of).metrics
    assert metrics["weekly_run_km"][-1] == 39.0
    assert metrics["weekly_run_km"][-2] == 100.0
    assert metrics["rest_days_7d"] == 0


def test_a_week_across_the_autumn_change_with_a_25_hour_day() -> None:
    as_of = date(2025, 10, 26)  # Europe/Berlin falls back: 02:00-03:00 happens twice
    first = activity(as_of, 6.0, at=time(2, 30), utc_offset_h=2)
    second = activity(as_of, 6.0, at=time(2, 30), utc_offset_h=1)  # an hour later in real time
    metrics = evaluate([first, second, activity(as_of - timedelta(days=6), 3.0)], as_of).metrics
    assert metrics["weekly_run_km"][-1] == 15.0  # two runs, not a near-duplicate: 3600 s apart
    assert datetime.combine(as_of, time(2, 30)) == first.start_local == second.start_local
    assert (second.start_utc - first.start_utc) == timedelta(hours=1)
    assert first.start_utc.tzinfo is timezone.utc
