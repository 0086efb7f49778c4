from __future__ import annotations

import dataclasses
import math
from datetime import datetime, time, timedelta

from domain_builders import AS_OF, activity, day, run, steady_weeks

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Activity
from coaching.domain.quality import clean_activities
from coaching.domain.thresholds import DEFAULT_THRESHOLDS

Q = DEFAULT_THRESHOLDS.quality


def _ids(activities) -> list[int]:
    return sorted(a.id for a in activities)


def test_an_exact_duplicate_id_is_dropped_and_reported() -> None:
    first = run(1, 10.0, activity_id=7)
    cleaned = clean_activities([first, dataclasses.replace(first), run(2, 5.0, activity_id=8)], Q)
    assert _ids(cleaned.activities) == [7, 8]
    assert any("7" in note and "duplicate" in note for note in cleaned.notes)


def test_a_watch_and_a_phone_recording_the_same_run_are_merged_keeping_the_richer() -> None:
    watch = run(1, 10.0, at=time(7, 0, 0), cadence_raw=85.0, heartrate=150.0, activity_id=1)
    phone = run(1, 10.2, at=time(7, 0, 45), activity_id=2)  # 45 s later, 2 % longer, no sensors
    cleaned = clean_activities([phone, watch], Q)
    assert _ids(cleaned.activities) == [1]
    assert any("2 merged into 1" in note for note in cleaned.notes)


def test_recordings_61_seconds_apart_are_two_runs() -> None:
    cleaned = clean_activities([run(1, 10.0, at=time(7, 0, 0)), run(1, 10.0, at=time(7, 1, 1))], Q)
    assert len(cleaned.activities) == 2


def test_recordings_more_than_3_percent_apart_in_distance_are_two_activities() -> None:
    cleaned = clean_activities([run(1, 10.0, at=time(7)), run(1, 10.31, at=time(7, 0, 30))], Q)
    assert len(cleaned.activities) == 2


def test_exactly_3_percent_apart_is_still_the_same_recording() -> None:
    cleaned = clean_activities([run(1, 10.0, at=time(7)), run(1, 9.7, at=time(7, 0, 30))], Q)
    assert len(cleaned.activities) == 1


def test_a_run_and_a_ride_at_the_same_time_are_not_merged() -> None:
    cleaned = clean_activities([run(1, 10.0), activity(day(1), 10.0, sport="Ride")], Q)
    assert len(cleaned.activities) == 2


def test_manual_entries_count_for_distance_only() -> None:
    typed_in = run(0, 12.0, manual=True, cadence_raw=70.0, heartrate=190.0, elevation_m=500.0, workout_type=1)
    cleaned = clean_activities([typed_in], Q)
    kept = cleaned.activities[0]
    assert kept.distance_m == 12000.0 and kept.moving_s == typed_in.moving_s
    assert (kept.average_cadence_raw, kept.average_heartrate_bpm, kept.workout_type) == (None, None, None)
    assert kept.elevation_gain_m == 0.0
    assert any("manual" in note for note in cleaned.notes)


def test_stripping_a_manual_entry_keeps_every_other_field() -> None:
    typed_in = run(0, 12.0, manual=True, heartrate=150.0, gear_id="g1")
    typed_in = dataclasses.replace(typed_in, name="Treadmill", trainer=True, elapsed_s=5000)
    kept = clean_activities([typed_in], Q).activities[0]
    stripped = dataclasses.replace(
        typed_in, average_speed_mps=None, average_heartrate_bpm=None, max_heartrate_bpm=None,
        average_cadence_raw=None, elevation_gain_m=0.0, workout_type=None,
    )
    assert kept == stripped


def test_a_manual_long_run_still_counts_toward_the_spike_rule() -> None:
    history = steady_weeks(6, 10.0, first_days_before=2) + [run(0, 15.0, manual=True)]
    evaluation = evaluate(history, AS_OF)
    assert [f.rule for f in evaluation.findings if f.rule == "long-run-spike"] == ["long-run-spike"]


def test_a_run_faster_than_7_mps_for_more_than_10_minutes_is_excluded() -> None:
    car = run(1, 30.0, moving_s=1200)  # 25 m/s for 20 minutes: someone forgot to stop the watch
    sprint = run(2, 4.0, moving_s=540)  # 7.4 m/s for 9 minutes: short enough to keep
    cleaned = clean_activities([car, sprint], Q)
    assert _ids(cleaned.activities) == [sprint.id]
    assert any(str(car.id) in note and "implausible" in note for note in cleaned.notes)


def test_a_single_run_over_250_km_is_excluded() -> None:
    cleaned = clean_activities([run(1, 251.0, moving_s=200_000), run(2, 249.0, moving_s=200_000)], Q)
    assert [a.distance_m for a in cleaned.activities] == [249_000.0]


def test_negative_and_nan_numbers_are_excluded_and_reported_never_raised() -> None:
    negative = dataclasses.replace(run(1, 10.0), distance_m=-5.0)
    not_a_number = dataclasses.replace(run(2, 10.0), average_heartrate_bpm=math.nan)
    infinite = dataclasses.replace(run(3, 10.0), moving_s=math.inf)  # type: ignore[arg-type]
    text = dataclasses.replace(run(4, 10.0), distance_m="10")  # type: ignore[arg-type]
    good = run(5, 10.0)
    cleaned = clean_activities([negative, not_a_number, infinite, text, good, "garbage"], Q)  # type: ignore[list-item]
    assert _ids(cleaned.activities) == [good.id]
    assert len(cleaned.notes) == 5
    assert any("negative" in note for note in cleaned.notes)
    assert any("not a finite number" in note for note in cleaned.notes)
    assert any("not a number" in note for note in cleaned.notes)


def test_an_unknown_sport_type_is_kept_as_its_raw_string_and_reported() -> None:
    odd = activity(day(1), 5.0, sport="Quidditch")
    cleaned = clean_activities([odd], Q)
    assert cleaned.activities[0].sport_type == "Quidditch"
    assert any("Quidditch" in note for note in cleaned.notes)
    evaluation = evaluate([odd], AS_OF)
    assert evaluation.metrics["weekly_run_km"][-1] == 0.0


def test_year_one_dates_are_excluded_not_crashed_on() -> None:
    ancient = dataclasses.replace(run(1, 5.0), start_local=datetime(1, 1, 1), start_utc=datetime.min.replace(tzinfo=None))
    cleaned = clean_activities([ancient], Q)
    assert cleaned.activities == ()
    assert cleaned.notes


def test_evaluation_reports_data_quality_notes() -> None:
    first = run(1, 10.0, activity_id=77)
    evaluation = evaluate([first, first], AS_OF)
    assert any("77" in note for note in evaluation.data_quality)


def test_activities_after_the_evaluation_day_are_ignored() -> None:
    future = run(-1, 50.0)
    evaluation = evaluate(steady_weeks(6, 10.0, first_days_before=0) + [future], AS_OF)
    assert evaluation.metrics["longest_run_30d_km"] == 10.0
    assert not any(f.activity_id == future.id for f in evaluation.findings)


def test_activity_fields_are_plain_enough_to_rebuild_positionally() -> None:
    # _distance_only builds Activity positionally for speed: this pins the field order it assumes.
    names = [f.name for f in dataclasses.fields(Activity)]
    assert names == [
        "id", "sport_type", "start_local", "start_utc", "distance_m", "moving_s", "elapsed_s",
        "elevation_gain_m", "average_speed_mps", "average_heartrate_bpm", "max_heartrate_bpm",
        "average_cadence_raw", "workout_type", "gear_id", "manual", "trainer", "name",
    ]
    assert AS_OF - timedelta(days=1) == day(1)


def test_the_fast_constructor_builds_the_same_frozen_activity() -> None:
    values = [getattr(run(1, 10.0, gear_id="g1", heartrate=150.0), f.name) for f in dataclasses.fields(Activity)]
    fast = Activity.from_values(values)
    assert fast == Activity(*values) and hash(fast) == hash(Activity(*values))
    try:
        fast.distance_m = 1.0  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("from_values built a mutable activity")


def test_a_start_local_with_a_zone_attached_is_read_as_wall_time() -> None:
    from datetime import timezone as tz

    aware = run(1, 10.0)
    aware = dataclasses.replace(aware, start_local=aware.start_local.replace(tzinfo=tz(timedelta(hours=-5))))
    evaluation = evaluate([aware, run(2, 5.0)], AS_OF)
    assert evaluation.metrics["weekly_run_km"][-1] == 15.0
