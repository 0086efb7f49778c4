"""`coach evaluate` shows the plan for the next 7 days, last week's plan check and the risk a week ago."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import invoke, strava_activity, write_json

AS_OF = date(2026, 3, 15)


def _chloe(tmp_path: Path) -> Path:
    """Eight weeks of 8.4 km runs every third day, then 21.1 km on the evaluation day."""
    records = [
        strava_activity(100 + n, (datetime(2026, 3, 14, 7) - timedelta(days=3 * n)).isoformat(), 8.4)
        for n in range(1, 20)
    ]
    records.append(strava_activity(99, "2026-03-15T07:00:00", 21.1))
    return write_json(tmp_path / "chloe.json", records)


def _json(*args: str) -> dict:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_carries_the_plan_the_plan_check_and_the_risk_score_a_week_ago(tmp_path: Path) -> None:
    document = _json(str(_chloe(tmp_path)), "--as-of", AS_OF.isoformat())
    plan = document["plan"]
    assert (plan["from"], plan["to"], plan["running"]) == ("2026-03-16", "2026-03-22", "normal")
    assert plan["max_run_km"] == {
        "value": 9.2, "set_by": "long-run-spike", "evidence": "A",
        "why": "Your 21.1 km run was a spike: stay within 10 % of your longest run before it (8.4 km).",
    }
    low, high = plan["weekly_km"]["value"]
    assert low <= high
    for name in ("rest_days_min", "hard_runs_max", "cross_training_min", "strength_sessions"):
        assert set(plan[name]) == {"value", "set_by", "why", "evidence"}
    assert plan["climb_m_max"] is None
    check = document["plan_check"]
    assert (check["from"], check["to"]) == ("2026-03-09", "2026-03-15")
    assert check["fields"]["max_run_km"] == {"planned": 9.2, "done": 21.1, "kept": False}
    assert check["kept"] is False and "max_run_km" in check["broken"]
    assert isinstance(document["risk_score_week_ago"], float)
    assert document["risk_score"] > document["risk_score_week_ago"]


def test_metrics_keep_at_least_three_decimals(tmp_path: Path) -> None:
    document = _json(str(_chloe(tmp_path)), "--as-of", AS_OF.isoformat())
    # acute: the runs of 11 and 15 March (8.4 + 21.1 km) / 7 days;
    # chronic: the 7 runs of D-27..D-7 (18 Feb .. 8 March, 8.4 km each) / 21 days.
    acute = (8.4 + 21.1) / 7
    chronic = 8.4 * 7 / 21
    assert document["metrics"]["acwr"] == pytest.approx(acute / chronic, abs=5e-5)  # 1.5051
    assert document["metrics"]["acwr"] != round(document["metrics"]["acwr"], 2)


def test_checkins_set_the_plans_running_mode(tmp_path: Path) -> None:
    history = str(_chloe(tmp_path))
    mild = write_json(tmp_path / "mild.json", [{"day": "2026-03-15", "pain": 3}])
    severe = write_json(tmp_path / "severe.json", [{"day": "2026-03-13", "pain": 2}, {"day": "2026-03-15", "pain": 9}])
    hold = _json(history, "--as-of", AS_OF.isoformat(), "--checkins", str(mild))["plan"]
    stop = _json(history, "--as-of", AS_OF.isoformat(), "--checkins", str(severe))["plan"]
    assert (hold["running"], hold["pain_score"], hold["hard_runs_max"]["value"]) == ("hold", 3, 0)
    assert (stop["running"], stop["pain_score"], stop["max_run_km"]["value"]) == ("stop", 9, 0.0)
    assert "physiotherapist" in stop["running_why"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"day": "2026-03-15", "pain": 3}', "not a JSON list of check-ins"),
        ('[{"day": "15/03/2026", "pain": 3}]', "item 0: day must be a date like 2026-03-14"),
        ('[{"day": "2026-03-15", "pain": 11}]', "item 0: pain must be a whole number from 0 to 10"),
        ('[{"day": "2026-03-15", "pain": "3"}]', "item 0: pain must be a whole number from 0 to 10"),
        ('[{"day": "2026-03-15", "pain": true}]', "item 0: pain must be a whole number from 0 to 10"),
        ('[{"day": "2026-03-15", "pain": 2.5}]', "item 0: pain must be a whole number from 0 to 10"),
        ('[{"day": "2026-03-15"}]', 'item 0: expected {"day": "YYYY-MM-DD", "pain": 0-10}'),
        ('[{"day": "2026-03-14", "pain": 1}, {"day": "2026-03-14", "pain": 2}]', "item 1: a second check-in for 2026-03-14"),
        ("[{", "not valid JSON"),
    ],
)
def test_a_bad_checkins_file_is_one_line_and_exit_code_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "checkins.json"
    path.write_text(content, encoding="utf-8")
    result = invoke(str(_chloe(tmp_path)), "--as-of", AS_OF.isoformat(), "--checkins", str(path))
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_missing_checkins_file_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = invoke(str(_chloe(tmp_path)), "--as-of", AS_OF.isoformat(), "--checkins", str(tmp_path / "none.json"))
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_text_shows_the_plan_first_in_the_runners_units(tmp_path: Path) -> None:
    athlete = write_json(tmp_path / "athlete.json", {"id": 1, "measurement_preference": "feet", "shoes": [], "bikes": []})
    text = invoke(str(_chloe(tmp_path)), "--as-of", AS_OF.isoformat(), "--athlete", str(athlete), "--format", "text").stdout
    assert text.index("Your next 7 days (2026-03-16 to 2026-03-22)") < text.index("Weekly running")
    assert "Longest run: at most 5.7 mi (long-run-spike)" in text  # 9.2 km, rounded down in miles
    assert "Last week's plan (2026-03-09 to 2026-03-15): not kept: longest run" in text
    metric = invoke(str(_chloe(tmp_path)), "--as-of", AS_OF.isoformat(), "--format", "text").stdout
    assert "Longest run: at most 9.2 km (long-run-spike)" in metric


def test_without_28_days_the_plan_is_null_and_skipped_says_why(tmp_path: Path) -> None:
    path = write_json(tmp_path / "short.json", [strava_activity(1, "2026-03-10T07:00:00", 5.0), strava_activity(2, "2026-03-15T07:00:00", 5.0)])
    document = _json(str(path), "--as-of", AS_OF.isoformat())
    assert document["plan"] is None and document["plan_check"] is None and document["risk_score_week_ago"] is None
    assert {"rule": "plan", "reason": "needs 28 days of history"} in document["skipped"]
    text = invoke(str(path), "--as-of", AS_OF.isoformat(), "--format", "text").stdout
    assert "Your next 7 days: no plan yet (needs 28 days of history)" in text
