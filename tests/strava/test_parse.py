"""Strava JSON at the border: odd records are reported, never raised past the page."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from coaching.strava.parse import parse_activities, parse_activity, parse_timezone

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "strava"


def test_the_real_recorded_page_parses_with_local_wall_time_and_utc_kept_apart():
    page = json.loads((FIXTURES / "summary_activities_list.real_runs_2025.json").read_text())
    parsed, problems = parse_activities(page)
    assert problems == [] and len(parsed) == 30
    first = parsed[0].activity
    assert first.id == 16181809559 and first.sport_type == "Run"
    assert first.start_utc == datetime(2025, 10, 18, 12, 49, 52, tzinfo=timezone.utc)
    assert first.start_local == datetime(2025, 10, 18, 8, 49, 52)  # the 'Z' on local time is a lie
    assert parsed[0].timezone_name == "America/New_York"


def test_a_bad_record_is_skipped_and_named_while_the_rest_of_the_page_is_kept():
    good = {"id": 2**60, "sport_type": "Run", "start_date": "2026-01-01T07:00:00Z", "distance": 5000.0}
    page = [good, {"id": "abc"}, {"id": 5, "sport_type": "Run"}, "nonsense",
            {**good, "id": 7, "distance": "NaN"}, {**good, "id": 8, "timezone": "(GMT+01:00) " + "x" * 5000}]
    parsed, problems = parse_activities(page)
    assert [p.activity.id for p in parsed] == [2**60, 8]
    assert len(problems) == 4 and "#1" in problems[0] and "start_date is missing" in problems[1]
    assert parsed[1].timezone_name is None


def test_a_missing_start_date_is_derived_from_local_time_and_the_utc_offset():
    parsed = parse_activity({"id": 1, "type": "Ride", "start_date_local": "2026-03-01T08:00:00Z", "utc_offset": 3600.0})
    assert parsed.activity.start_utc == datetime(2026, 3, 1, 7, 0, tzinfo=timezone.utc)
    assert parsed.activity.sport_type == "Ride"


def test_time_zones_are_read_the_way_strava_spells_them():
    assert parse_timezone("(GMT+10:00) Australia/Sydney") == "Australia/Sydney"
    assert parse_timezone("Europe/Berlin") == "Europe/Berlin"
    assert parse_timezone("(GMT+01:00) Not/AZone") is None
    assert parse_timezone(None) is None
