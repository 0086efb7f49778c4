"""Property-based tests (hypothesis) for everything that reads Strava's JSON: whatever comes in,
a parser answers with a result or its own error, and whatever it accepts the store can keep."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from coaching.domain.model import Gear
from coaching.evaluate_export import activities_from_strava_json
from coaching.store.activities import ActivityRepository
from coaching.store.athletes import AthleteRepository
from coaching.strava.errors import StravaError, translate
from coaching.strava.parse import (
    INT32_MAX,
    MAX_SPORT_TYPE_CHARS,
    ParseError,
    parse_activities,
    parse_activity,
    parse_gear,
    parse_timezone,
)

# Examples per property; the README's figure is their sum (see the report).
EXAMPLES = {"any_record": 250, "round_trip": 150, "timezone": 200, "page": 50, "gear": 150, "export": 50,
            "translate": 150, "store": 40}

ZONES = sorted(available_timezones())
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=4)
iso_datetimes = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
    lambda moment: moment.isoformat() + "Z")
digits_text = st.text(alphabet="0123456789-+ ²٣.e", min_size=1, max_size=12)
timezone_texts = (st.text(max_size=30) | st.sampled_from(ZONES).map(lambda name: f"(GMT+01:00) {name}")
                  | st.sampled_from(ZONES))

# Every key the parser reads, with values from the plausible to the absurd.
record_fields = {
    "id": st.integers(min_value=-5, max_value=2**65) | digits_text | json_values,
    "sport_type": st.text(max_size=60) | st.sampled_from(["Run", "Ride", "Quidditch", ""]) | json_values,
    "type": st.sampled_from(["Run", "Walk"]) | json_values,
    "start_date": iso_datetimes | st.text(max_size=30) | json_values,
    "start_date_local": iso_datetimes | json_values,
    "timezone": timezone_texts | json_values,
    "utc_offset": st.floats() | st.integers(min_value=-(2**80), max_value=2**80) | json_values,
    "distance": st.floats() | st.integers(min_value=-(2**80), max_value=2**400) | digits_text | json_values,
    "moving_time": st.integers(min_value=-(2**40), max_value=2**40) | digits_text | json_values,
    "elapsed_time": st.integers(min_value=-(2**40), max_value=2**40) | json_values,
    "total_elevation_gain": st.floats() | json_values,
    "average_speed": st.floats() | json_values,
    "average_heartrate": st.floats() | json_values,
    "average_cadence": st.floats() | json_values,
    "workout_type": st.integers(min_value=-(2**40), max_value=2**40) | json_values,
    "gear_id": st.text(max_size=40) | json_values,
    "athlete": st.fixed_dictionaries({"id": json_values}) | json_values,
    "name": st.text(max_size=300) | json_values,
    "private": json_values,
    "map": json_values,
}
records = st.fixed_dictionaries({}, optional=record_fields)
# Records with the three fields a record cannot do without, so that most of them reach the store.
storable_candidates = st.fixed_dictionaries(
    {"id": st.integers(min_value=1, max_value=2**64), "sport_type": st.text(min_size=1, max_size=55),
     "start_date": iso_datetimes},
    optional={key: value for key, value in record_fields.items() if key not in ("id", "sport_type", "start_date")})
FAST = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


def assert_storable(parsed: Any) -> None:
    """What the store's columns and both databases accept (models.py; PostgreSQL's INTEGER is
    32-bit, its text refuses NUL, its json refuses NaN)."""
    activity = parsed.activity
    assert type(activity.id) is int and 0 < activity.id < 2**63
    assert 0 < len(activity.sport_type) <= MAX_SPORT_TYPE_CHARS and activity.sport_type == activity.sport_type.strip()
    for text in (activity.sport_type, activity.name):
        assert "\x00" not in text
        text.encode("utf-8")
    assert len(activity.name) <= 255
    assert activity.start_utc.tzinfo is not None and activity.start_utc.utcoffset() == timedelta(0)
    assert activity.start_local.tzinfo is None
    for number in (activity.moving_s, activity.elapsed_s, activity.workout_type):
        assert number is None or (type(number) is int and abs(number) <= INT32_MAX)
    for number in (activity.distance_m, activity.elevation_gain_m, activity.average_speed_mps,
                   activity.average_heartrate_bpm, activity.average_cadence_raw):
        assert number is None or math.isfinite(number)
    assert activity.gear_id is None or re.fullmatch(r"[A-Za-z0-9]{1,32}", activity.gear_id)
    assert parsed.timezone_name is None or ZoneInfo(parsed.timezone_name)
    text = json.dumps(parsed.raw, allow_nan=False)
    assert "\\u0000" not in text
    text.encode("utf-8")


@settings(max_examples=EXAMPLES["any_record"], **FAST)
@given(st.one_of(records, json_values))
def test_any_json_value_parses_into_a_storable_activity_or_a_parse_error_and_nothing_else(raw):
    try:
        parsed = parse_activity(raw)
    except ParseError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert_storable(parsed)


@st.composite
def well_formed(draw: st.DrawFn) -> tuple[dict, dict]:
    start = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
    offset_s = draw(st.integers(min_value=-12, max_value=14)) * 3600
    values = {
        "id": draw(st.integers(min_value=1, max_value=2**63 - 1)),
        "sport_type": draw(st.sampled_from(["Run", "TrailRun", "Ride", "WeightTraining", "Quidditch"])),
        "distance": draw(st.floats(min_value=0, max_value=1e6)),
        "moving_time": draw(st.integers(min_value=0, max_value=INT32_MAX)),
        "elapsed_time": draw(st.integers(min_value=0, max_value=INT32_MAX)),
        "gear_id": draw(st.none() | st.from_regex(r"[gb][0-9]{1,12}", fullmatch=True)),
        "name": draw(st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=255)),
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_date_local": (start + timedelta(seconds=offset_s)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "utc_offset": float(offset_s),
    }
    expected = {"start_utc": start.replace(microsecond=0, tzinfo=timezone.utc),
                "start_local": (start + timedelta(seconds=offset_s)).replace(microsecond=0)}
    return values, expected


@settings(max_examples=EXAMPLES["round_trip"], **FAST)
@given(well_formed())
def test_a_well_formed_record_comes_back_with_exactly_the_values_strava_sent(case):
    values, expected = case
    raw = json.loads(json.dumps(values))  # what arrives over HTTP
    activity = parse_activity(raw).activity
    assert (activity.id, activity.sport_type, activity.distance_m, activity.moving_s, activity.elapsed_s,
            activity.gear_id, activity.name) == (values["id"], values["sport_type"], values["distance"],
                                                 values["moving_time"], values["elapsed_time"], values["gear_id"],
                                                 values["name"])
    assert (activity.start_utc, activity.start_local) == (expected["start_utc"], expected["start_local"])


@settings(max_examples=EXAMPLES["timezone"], **FAST)
@given(timezone_texts | json_values, st.sampled_from(ZONES))
def test_any_timezone_text_gives_a_zone_that_exists_or_none_and_strava_s_spelling_gives_the_name(text, name):
    zone = parse_timezone(text)
    assert zone is None or ZoneInfo(zone)
    assert parse_timezone(f"(GMT-03:30) {name}") == name


@settings(max_examples=EXAMPLES["page"], **FAST)
@given(st.lists(st.one_of(records, json_values), max_size=8))
def test_a_page_of_anything_gives_one_activity_or_one_problem_per_record(page):
    parsed, problems = parse_activities(page)
    assert len(parsed) + len(problems) == len(page)
    for item in parsed:
        assert_storable(item)


@settings(max_examples=EXAMPLES["gear"], **FAST)
@given(st.fixed_dictionaries({}, optional={"id": st.text(max_size=10) | json_values, "name": json_values,
                                           "nickname": json_values, "distance": json_values,
                                           "retired": json_values}) | json_values)
def test_any_gear_answer_gives_gear_with_a_finite_distance_or_none(raw):
    gear = parse_gear(raw)
    assert gear is None or (isinstance(gear, Gear) and math.isfinite(gear.distance_m) and gear.id)


@settings(max_examples=EXAMPLES["export"], **FAST)
@given(st.lists(st.one_of(records, json_values), max_size=6) | json_values)
def test_an_export_of_anything_is_read_without_raising(records_json):
    activities, problems = activities_from_strava_json(records_json)
    if isinstance(records_json, list):
        assert len(activities) + len(problems) == len(records_json)
    else:
        assert activities == [] and problems


class _Response(requests.Response):
    def __init__(self, status: int, payload: bytes) -> None:
        super().__init__()
        self.status_code = status
        self._content = payload


@settings(max_examples=EXAMPLES["translate"], **FAST)
@given(st.integers(min_value=100, max_value=599), json_values | st.binary(max_size=40),
       st.sampled_from([requests.HTTPError, requests.ConnectionError, requests.Timeout, ValueError, KeyError,
                        RuntimeError]))
def test_any_failure_talking_to_strava_becomes_one_of_our_errors_without_the_answer_s_text(status, payload, kind):
    secret = "tok_planted_0123456789"
    raw = (json.dumps({"message": secret, "errors": payload}, default=str).encode()
           if not isinstance(payload, bytes) else payload + secret.encode())
    error = kind("boom")
    error.response = _Response(status, raw)  # type: ignore[attr-defined]
    translated = translate(error, "list activities")
    assert isinstance(translated, StravaError) and str(translated).startswith("list activities")
    assert secret not in str(translated)


@settings(max_examples=EXAMPLES["store"], suppress_health_check=list(HealthCheck), deadline=None)
@given(st.lists(storable_candidates, min_size=1, max_size=4))
def test_whatever_the_parser_accepts_the_database_stores(sessions, page):
    """SQLite and PostgreSQL: a page of accepted records is stored in one transaction without
    a database error (rolled back after each example)."""
    parsed, _ = parse_activities(page)
    assume(parsed)
    session = sessions()
    try:
        with session.begin():
            athlete = AthleteRepository(session).upsert_from_strava(1, first_name="P", last_name="", timezone=None,
                                                                     units=None)
            activities = ActivityRepository(session)
            for item in parsed:
                try:
                    activities.upsert(athlete.id, item.activity, private=item.private, raw=item.raw)
                except ValueError:
                    pass  # the same id twice with another owner cannot happen with one athlete
            session.flush()
            session.rollback()
    finally:
        session.close()
