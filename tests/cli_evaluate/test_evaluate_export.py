from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cli_helpers import RUNS_2025, invoke, strava_activity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching.domain.evaluate import evaluate
from coaching.evaluate_export import (
    activities_from_export_csv,
    activities_from_strava_json,
    athlete_from_strava_json,
    parse_timezone,
)


@pytest.mark.parametrize(
    ("spelling", "offset_h_in_january"),
    [
        ("(GMT+01:00) Europe/Berlin", 1),
        ("(GMT-05:00) America/New_York", -5),
        ("Europe/Berlin", 1),
        ("(GMT+05:30) Asia/Kolkata", 5.5),
        ("(GMT+03:00)", 3),
        ("(GMT+02:00) Atlantis/Lost", 2),
    ],
)
def test_time_zone_spellings(spelling: str, offset_h_in_january: float) -> None:
    zone = parse_timezone(spelling)
    assert zone is not None
    assert datetime(2025, 1, 15, 12, tzinfo=zone).utcoffset() == timedelta(hours=offset_h_in_january)


@pytest.mark.parametrize("spelling", [None, "", "nonsense", 42, "(GMT+99:00) Nowhere/Land"])
def test_unusable_time_zones_are_none(spelling: object) -> None:
    assert parse_timezone(spelling) is None


def test_the_recorded_list_converts_with_local_days_from_start_date_local() -> None:
    activities, problems = activities_from_strava_json(json.loads(RUNS_2025.read_text()))
    assert problems == []
    first = activities[0]
    assert first.id == 16181809559
    assert first.start_local == datetime(2025, 10, 18, 8, 49, 52)
    assert first.start_utc == datetime(2025, 10, 18, 12, 49, 52, tzinfo=timezone.utc)
    assert (first.distance_m, first.moving_s, first.gear_id, first.average_cadence_raw) == (22601.3, 7772, "g19999385", 78.7)
    assert {a.sport_type for a in activities} == {"Run", "TrailRun"}


def test_odd_records_never_raise_and_say_what_was_wrong() -> None:
    huge_id = 2**60 + 1  # beyond a double's 2^53: must survive exactly
    records = [
        strava_activity(huge_id, "2025-10-18T07:00:00", 5.0),
        strava_activity(2, "2025-10-18T08:00:00", 5.0, distance="7000", moving_time="2100",
                        average_cadence=None, gear_id=12, manual="yes"),
        {"id": 3, "sport_type": "Run"},  # no start time at all
        {"id": "4", "type": "Ride", "start_date": "2025-10-18T05:00:00Z", "timezone": "(GMT+01:00) Europe/Berlin"},
        {"id": 5.0, "sport_type": "Snowkiting", "start_date_local": "2025-10-18T09:00:00Z", "utc_offset": 7200},
        {"id": True, "sport_type": "Run"},
        {"sport_type": "Run"},
        [],
        None,
        {"id": 6, "sport_type": ["Run"], "start_date": "2025-10-18T05:00:00Z"},
        {"id": 7, "sport_type": "Run", "start_date": "yesterday"},
        strava_activity(8, "2025-10-18T09:00:00", 5.0, workout_type="race"),
        strava_activity(9, "2025-10-18T09:00:00", 5.0, timezone="(GMT+01:00) " + "X" * 300),
    ]
    activities, problems = activities_from_strava_json(records)
    by_id = {a.id: a for a in activities}
    assert {huge_id, 2, 4, 5} <= set(by_id) and not {3, 6, 7, 8} & set(by_id)
    assert (by_id[2].distance_m, by_id[2].moving_s, by_id[2].gear_id, by_id[2].manual) == (7000.0, 2100, None, False)
    assert by_id[4].sport_type == "Ride" and by_id[4].start_local == datetime(2025, 10, 18, 7, 0)  # UTC + 2 (CEST)
    assert by_id[5].start_local == datetime(2025, 10, 18, 9, 0)
    assert len(activities) + len(problems) == len(records)
    assert all(p.startswith("item ") for p in problems)
    evaluation = evaluate(activities, date(2025, 10, 18))
    assert any("Snowkiting" in note for note in evaluation.data_quality)


def test_not_a_list_is_one_problem() -> None:
    assert activities_from_strava_json({"id": 1}) == ([], ["expected a JSON list of activities"])


def test_the_athlete_gives_shoes_bikes_and_units() -> None:
    athlete = athlete_from_strava_json({
        "measurement_preference": "feet",
        "shoes": [{"id": "g1", "name": "Pegasus", "distance": 612345, "retired": True}, {"name": "no id"}],
        "bikes": [{"id": "b1", "name": None, "nickname": "Rocket", "distance": "12"}],
    })
    assert athlete.units == "imperial"
    assert [(g.id, g.name, g.distance_m, g.retired) for g in athlete.gear] == [("g1", "Pegasus", 612345.0, True), ("b1", "Rocket", 12.0, False)]
    assert athlete.problems == ("1 shoe or bike entries without an id were ignored",)
    assert athlete_from_strava_json({"measurement_preference": "meters"}).units == "metric"
    assert athlete_from_strava_json([]).problems


# Strava's account export: activities.csv columns as documented (several appear twice: the first
# "Distance" is km for display, the second metres; the first "Elapsed Time" whole seconds).
EXPORT_HEADER = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,"
    "Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,"
    "Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,Elevation Gain,Elevation Loss,"
    "Elevation Low,Elevation High,Max Grade,Average Grade,Average Positive Grade,Average Negative Grade,"
    "Max Cadence,Average Cadence,Max Heart Rate,Average Heart Rate,Max Watts,Average Watts,Calories,"
    "Max Temperature,Average Temperature,Relative Effort,Total Work,Number of Runs,Uphill Time,Downhill Time,"
    "Other Time,Perceived Exertion,Type,Start Time,Weighted Average Power,Power Count,"
    "Prefer Perceived Exertion,Perceived Relative Effort,Commute,Total Weight Lifted,From Upload,"
    "Grade Adjusted Distance,Weather Observation Time,Weather Condition,Weather Temperature,"
    "Apparent Temperature,Dewpoint,Humidity,Weather Pressure,Wind Speed,Wind Gust,Wind Bearing,"
    "Precipitation Intensity,Sunrise Time,Sunset Time,Moon Phase,Bike,Gear,Precipitation Probability,"
    "Precipitation Type,Cloud Cover,Weather Visibility,UV Index,Weather Ozone,Jump Count,Total Grit,"
    "Average Flow,Flagged,Average Elapsed Speed,Dirt Distance,Newly Explored Distance,"
    "Newly Explored Dirt Distance,Activity Count,Total Steps,Carbon Saved,Pool Length,Training Load,"
    "Intensity,Average Grade Adjusted Pace,Timer Time,Total Cycles,Media"
).split(",")


def export_row(activity_id: int, when_utc: datetime, kind: str, km: float, moving_s: int, *, cadence: str = "",
               filename: str = "activities/1.fit.gz", heartrate: str = "") -> list[str]:
    values = {
        0: str(activity_id), 1: when_utc.strftime("%b %-d, %Y, %-I:%M:%S %p"), 2: f"{kind} session",
        3: kind, 5: str(moving_s + 60), 6: f"{km:.2f}", 12: filename, 15: f"{moving_s + 60}.0",
        16: f"{moving_s}.0", 17: f"{km * 1000:.1f}", 19: f"{km * 1000 / moving_s if moving_s else 0:.3f}",
        20: "42.0", 29: cadence, 31: heartrate,
    }
    return [values.get(i, "") for i in range(len(EXPORT_HEADER))]


def export_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def _export_rows() -> list[list[str]]:
    d = datetime(2025, 10, 18, 5, 30)  # UTC
    return [
        export_row(101, d, "Run", 10.0, 3300, cadence="84.5", heartrate="150.0"),
        export_row(102, d - timedelta(days=2), "Run", 8.0, 2640, cadence="85.5"),
        export_row(103, d - timedelta(days=3), "Weight Training", 0.0, 2700, filename=""),
        export_row(104, d - timedelta(days=4), "Ride", 30.0, 3600),
        export_row(105, d - timedelta(days=40), "Run", 12.0, 3960, filename=""),
        ["not-a-number", "Oct 1, 2025, 1:00:00 PM", "", "Run"] + [""] * (len(EXPORT_HEADER) - 4),
    ]


def test_the_export_csv_maps_its_documented_columns() -> None:
    activities, problems = activities_from_export_csv(export_csv(_export_rows()))
    by_id = {a.id: a for a in activities}
    assert set(by_id) == {101, 102, 103, 104, 105}
    run = by_id[101]
    assert (run.sport_type, run.distance_m, run.moving_s, run.elapsed_s) == ("Run", 10000.0, 3300, 3360)
    assert run.start_utc == datetime(2025, 10, 18, 5, 30, tzinfo=timezone.utc)
    assert (run.average_cadence_raw, run.average_heartrate_bpm, run.elevation_gain_m) == (84.5, 150.0, 42.0)
    assert by_id[103].sport_type == "WeightTraining" and by_id[103].manual
    assert not run.manual and by_id[105].manual  # no recorded file: typed in
    assert any("line 7" in p for p in problems)
    assert any("UTC" in p for p in problems)


def test_the_export_zip_evaluates_through_the_cli(tmp_path: Path) -> None:
    archive = tmp_path / "export_12345.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("activities.csv", "\ufeff" + export_csv(_export_rows()))
        zf.writestr("profile.csv", "Athlete ID\n1\n")
    result = invoke("--strava-export", str(archive), "--as-of", "2025-10-18", "--tz", "Europe/Berlin")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)["metrics"]
    assert metrics["weekly_run_km"][-1] == 18.0
    assert metrics["median_cadence_spm"] == 170.0
    assert (metrics["cross_training_min_7d"], metrics["strength_sessions_7d"]) == (60.0, 1)


def test_a_file_that_is_not_an_export_is_one_line_and_exit_2(tmp_path: Path) -> None:
    archive = tmp_path / "wrong.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "hello")
    result = invoke("--strava-export", str(archive), "--as-of", "2025-10-18")
    assert result.exit_code == 2 and "no activities.csv" in result.stderr
    not_csv = tmp_path / "notes.csv"
    not_csv.write_text("a,b\n1,2\n")
    result = invoke("--strava-export", str(not_csv), "--as-of", "2025-10-18")
    assert result.exit_code == 2 and "Activity ID" in result.stderr


JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
DATES = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2025, 12, 31)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.text(max_size=25),
)
FIELD_VALUES = {
    "id": st.one_of(st.integers(min_value=1, max_value=2**64), JSON_SCALARS),
    "sport_type": st.one_of(st.sampled_from(["Run", "TrailRun", "VirtualRun", "Ride", "Yoga", "Walk", "Foo"]), JSON_SCALARS),
    "type": JSON_SCALARS,
    "start_date": DATES,
    "start_date_local": DATES,
    "timezone": st.one_of(st.sampled_from(["(GMT+01:00) Europe/Berlin", "(GMT-05:00) America/New_York", "UTC", "(GMT+14:00)"]), st.text(max_size=20)),
    "utc_offset": JSON_SCALARS,
    "distance": st.one_of(st.floats(min_value=0, max_value=50_000), JSON_SCALARS),
    "moving_time": st.one_of(st.integers(min_value=0, max_value=20_000), JSON_SCALARS),
    "elapsed_time": JSON_SCALARS,
    "total_elevation_gain": JSON_SCALARS,
    "average_speed": JSON_SCALARS,
    "average_heartrate": JSON_SCALARS,
    "max_heartrate": JSON_SCALARS,
    "average_cadence": JSON_SCALARS,
    "workout_type": JSON_SCALARS,
    "gear_id": JSON_SCALARS,
    "manual": JSON_SCALARS,
    "name": JSON_VALUES,
    "map": JSON_VALUES,
}
STRAVA_RECORDS = st.fixed_dictionaries({}, optional=FIELD_VALUES)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(st.one_of(STRAVA_RECORDS, JSON_VALUES), max_size=25), tz=st.sampled_from([None, "Europe/Berlin", "Pacific/Kiritimati"]))
def test_any_strava_shaped_input_converts_and_evaluates_without_raising(records, tz) -> None:
    activities, problems = activities_from_strava_json(records, zone=parse_timezone(tz))
    assert len(activities) + len(problems) == len(records)
    evaluation = evaluate(activities, date(2025, 6, 30))
    json.dumps(evaluation.metrics, allow_nan=False)
