from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, RUNS_2025, invoke, strava_activity, write_json

METRIC_KEYS = {
    "weekly_run_km", "ctl", "atl", "tsb", "acwr", "rest_days_7d", "longest_run_30d_km",
    "cross_training_min_7d", "strength_sessions_7d", "median_cadence_spm", "shoes",
}


def test_json_output_is_the_documented_object() -> None:
    result = invoke(str(RUNS_2025), "--as-of", "2025-10-18", "--athlete", str(FIXTURES / "detailed_athlete.real_2025.json"))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) >= {"as_of", "metrics", "findings", "skipped", "data_quality"}
    assert document["as_of"] == "2025-10-18"
    metrics = document["metrics"]
    assert METRIC_KEYS <= set(metrics)
    assert len(metrics["weekly_run_km"]) == 12
    assert metrics["weekly_run_km"][-1] == 58.52  # km, although this athlete prefers feet
    assert {"name": "Adidas Switch FWD 2", "km": 752.43} == {k: v for k, v in metrics["shoes"][-1].items() if k in ("name", "km")}
    assert 150 <= metrics["median_cadence_spm"] <= 200
    for finding in document["findings"]:
        assert {"rule", "severity", "evidence", "activity_id", "metrics", "why", "suggestions"} <= set(finding)
        assert finding["severity"] in ("info", "caution", "warning")
        assert finding["evidence"] in ("A", "B", "C")
        assert all(set(s) == {"category", "text"} for s in finding["suggestions"])
    assert all(set(s) == {"rule", "reason"} for s in document["skipped"])
    shoe = next(f for f in document["findings"] if f["rule"] == "shoe-mileage")
    assert shoe["metrics"]["shoe_km"] == 752.43 and "467.5 mi" in shoe["suggestions"][0]["text"]


def test_text_output_is_a_report_in_the_athletes_units() -> None:
    feet = invoke(str(RUNS_2025), "--as-of", "2025-10-18", "--athlete", str(FIXTURES / "detailed_athlete.real_2025.json"), "--format", "text")
    assert feet.exit_code == 0, feet.output
    assert "Knee-risk evaluation for 2025-10-18" in feet.stdout
    assert "(mi, oldest first)" in feet.stdout and "36.4" in feet.stdout  # 58.52 km
    assert "Adidas Switch FWD 2 467.5 mi" in feet.stdout
    assert "[INFO] shoe-mileage" in feet.stdout
    metric = invoke(str(RUNS_2025), "--as-of", "2025-10-18", "--format", "text")
    assert "(km, oldest first)" in metric.stdout and "58.5" in metric.stdout
    assert not metric.stdout.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"id": 1}', "not a JSON list of activities"),
        ("[1, 2, 3]", "not a JSON list of activities"),
        ("", "empty file"),
        ('[{"id": 1}] {"x": 2}', "not all lists"),
    ],
)
def test_bad_input_gets_one_line_and_exit_code_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "activities.json"
    path.write_text(content, encoding="utf-8")
    result = invoke(str(path), "--as-of", "2025-10-18")
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json", "--as-of", "2025-10-18"], "cannot read"),
        (["{file}", "--as-of", "18/10/2025"], "--as-of"),
        (["{file}", "--as-of", "2025-10-18", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["{file}", "--as-of", "2025-10-18", "--format", "xml"], "--format"),
        (["--as-of", "2025-10-18"], "either ACTIVITIES.json or --strava-export"),
        (["{file}", "--as-of", "2025-10-18", "--athlete", "{file}"], "not a JSON athlete object"),
    ],
)
def test_bad_arguments_get_one_line_and_exit_code_2(tmp_path: Path, args: list[str], message: str) -> None:
    file = write_json(tmp_path / "a.json", [strava_activity(1, "2025-10-18T07:00:00", 5.0)])
    result = invoke(*[a.replace("{file}", str(file)) if a != "missing.json" else str(tmp_path / a) for a in args])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_empty_list_is_a_valid_history_with_nothing_in_it(tmp_path: Path) -> None:
    result = invoke(str(write_json(tmp_path / "a.json", [])), "--as-of", "2025-10-18")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []


def test_pages_concatenated_in_one_file_are_one_history(tmp_path: Path) -> None:
    records = json.loads(RUNS_2025.read_text())
    single = invoke(str(write_json(tmp_path / "one.json", records)), "--as-of", "2025-10-18")
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps(records[:10]) + "\n" + json.dumps(records[10:]), encoding="utf-8")
    concatenated = invoke(str(pages), "--as-of", "2025-10-18")
    nested = invoke(str(write_json(tmp_path / "nested.json", [records[:10], records[10:]])), "--as-of", "2025-10-18")
    assert single.exit_code == concatenated.exit_code == nested.exit_code == 0
    assert json.loads(single.stdout) == json.loads(concatenated.stdout) == json.loads(nested.stdout)


def _last_week_km(result) -> float:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["metrics"]["weekly_run_km"][-1]


def test_tz_places_runs_on_that_zones_days_across_the_spring_dst_change(tmp_path: Path) -> None:
    # Europe/Berlin: 2025-03-29T23:15Z is 00:15 on the 30th (CET, +1); 2025-03-30T22:30Z is
    # 00:30 on the 31st (CEST, +2) and must not land on the 30th as a fixed +1 offset would put it.
    records = [
        strava_activity(1, "2025-03-30T00:15:00", 5.0, utc_offset_h=1),
        strava_activity(2, "2025-03-31T00:30:00", 7.0, utc_offset_h=2),
        strava_activity(3, "2025-03-24T06:00:00", 3.0, utc_offset_h=1),  # Monday: D-6
        strava_activity(4, "2025-03-23T23:30:00", 100.0, utc_offset_h=1),  # D-7: last week
    ]
    path = write_json(tmp_path / "a.json", records)
    assert _last_week_km(invoke(str(path), "--as-of", "2025-03-30", "--tz", "Europe/Berlin")) == 8.0
    assert _last_week_km(invoke(str(path), "--as-of", "2025-03-30")) == 8.0  # the records' own zone
    assert _last_week_km(invoke(str(path), "--as-of", "2025-03-31", "--tz", "Europe/Berlin")) == 12.0
    # On New York's calendar (EDT) run 2 is 18:30 on the 30th, run 3 01:00 on the 24th and run 4
    # 18:30 on the 23rd: runs 1-3 are in the week.
    assert _last_week_km(invoke(str(path), "--as-of", "2025-03-30", "--tz", "America/New_York")) == 15.0


def test_tz_accepts_stravas_own_spelling(tmp_path: Path) -> None:
    path = write_json(tmp_path / "a.json", [strava_activity(1, "2025-03-30T00:15:00", 5.0)])
    result = invoke(str(path), "--as-of", "2025-03-30", "--tz", "(GMT+01:00) Europe/Berlin")
    assert _last_week_km(result) == 5.0


def test_unusable_records_are_reported_not_fatal(tmp_path: Path) -> None:
    records = [
        strava_activity(1, "2025-10-18T07:00:00", 5.0),
        {"id": None, "sport_type": "Run"},
        "not an object",
        strava_activity(2, "2025-10-17T07:00:00", 5.0, distance=-10.0),
        strava_activity(3, "2025-10-16T07:00:00", 5.0, sport_type="Quidditch"),
    ]
    result = invoke(str(write_json(tmp_path / "a.json", records)), "--as-of", "2025-10-18")
    document = json.loads(result.stdout)
    notes = " | ".join(document["data_quality"])
    assert "item 1" in notes and "item 2" in notes and "negative" in notes and "Quidditch" in notes
    assert document["metrics"]["weekly_run_km"][-1] == 5.0
