"""Strava JSON -> domain dataclasses, at the border. Never trusts a field's presence or type.

Used for the API (sync, webhooks) and for exports read by `coach evaluate`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coaching.domain.model import Activity, Gear


class ParseError(ValueError):
    pass


@dataclass(frozen=True)
class ParsedActivity:
    activity: Activity
    athlete_strava_id: int | None
    private: bool
    timezone_name: str | None
    raw: dict


# Store column widths (models.py): longer values would fail the page's transaction.
MAX_SPORT_TYPE_CHARS = 50
_GEAR_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")  # "g19999385", "b16988545"

_TZ_PATTERN = re.compile(r"^\(GMT[+-]\d{1,2}:\d{2}\)\s*(?P<name>\S+)$")


def parse_timezone(value: Any) -> str | None:
    """'(GMT-05:00) America/New_York' -> 'America/New_York'; plain IANA names pass through.
    Anything unknown gives None rather than an exception."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = _TZ_PATTERN.match(text)
    name = match.group("name") if match else text
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        return None
    return name


_INTEGER_TEXT = re.compile(r"^\s*-?[0-9]+\s*$")  # ASCII digits only: "²" passes str.isdigit()
# The store's INTEGER columns (durations, workout type) are 32-bit on PostgreSQL; a value past them
# would fail the whole page's transaction on every run, not just this record.
INT32_MAX = 2**31 - 1


def _int(value: Any, field: str, *, required: bool = False, int32: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise ParseError(f"{field} is missing")
        return None
    if isinstance(value, bool):
        raise ParseError(f"{field} is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and len(value) < 40 and _INTEGER_TEXT.match(value):
        number = int(value)
    else:
        raise ParseError(f"{field} is not an integer")
    if int32 and not -INT32_MAX <= number <= INT32_MAX:
        raise ParseError(f"{field} is out of range")
    return number


def _float(value: Any, field: str, default: float | None = None) -> float | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ParseError(f"{field} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        raise ParseError(f"{field} is not a number") from None
    if not math.isfinite(number):
        raise ParseError(f"{field} is not a finite number")
    return number


def _datetime(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(f"{field} is not a date-time string")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ParseError(f"{field} is not an ISO-8601 date-time") from None


def parse_activity(raw: Any) -> ParsedActivity:
    """Raise ParseError (with a reason naming the field, never the data) for unusable records."""
    if not isinstance(raw, dict):
        raise ParseError("activity is not a JSON object")
    if isinstance(raw.get("id"), float) and abs(raw["id"]) >= 2**53:
        # Past 2**53 a float is not exact: 9007199254740993.0 reads as ...992, another activity.
        raise ParseError("id is a float too large to be exact")
    activity_id = _int(raw.get("id"), "id", required=True)
    assert activity_id is not None
    if activity_id <= 0 or activity_id >= 2**63:
        raise ParseError("id is outside the BIGINT range")
    sport = raw.get("sport_type") or raw.get("type")
    if not isinstance(sport, str) or not _clean_text(sport).strip():
        raise ParseError("sport_type is missing")
    sport = _clean_text(sport).strip()
    if len(sport) > MAX_SPORT_TYPE_CHARS:
        raise ParseError("sport_type is too long")
    tz_name = parse_timezone(raw.get("timezone"))
    try:
        start_utc, start_local = _starts(raw, tz_name)
    except OverflowError:  # year 1 minus an offset, year 9999 plus one
        raise ParseError("start_date is out of range") from None

    athlete = raw.get("athlete")
    athlete_id = _int(athlete.get("id"), "athlete.id") if isinstance(athlete, dict) else None
    gear_id = raw.get("gear_id")
    activity = Activity(
        id=activity_id,
        sport_type=sport,
        start_local=start_local,
        start_utc=start_utc,
        distance_m=_float(raw.get("distance"), "distance", 0.0) or 0.0,
        moving_s=_int(raw.get("moving_time"), "moving_time", int32=True) or 0,
        elapsed_s=_int(raw.get("elapsed_time"), "elapsed_time", int32=True) or 0,
        elevation_gain_m=_float(raw.get("total_elevation_gain"), "total_elevation_gain", 0.0) or 0.0,
        average_speed_mps=_float(raw.get("average_speed"), "average_speed"),
        average_heartrate_bpm=_float(raw.get("average_heartrate"), "average_heartrate"),
        max_heartrate_bpm=_float(raw.get("max_heartrate"), "max_heartrate"),
        average_cadence_raw=_float(raw.get("average_cadence"), "average_cadence"),
        workout_type=_int(raw.get("workout_type"), "workout_type", int32=True),
        gear_id=gear_id if isinstance(gear_id, str) and _GEAR_ID.match(gear_id) else None,
        manual=raw.get("manual") is True,
        trainer=raw.get("trainer") is True,
        name=_clean_text(str(raw.get("name") or ""))[:255],
    )
    private = raw.get("private") is True or raw.get("visibility") == "only_me"
    try:
        storable = _storable(without_location(raw))
    except RecursionError:
        raise ParseError("activity is nested too deeply") from None
    return ParsedActivity(activity, athlete_id, private, tz_name, storable)


def _starts(raw: dict, tz_name: str | None) -> tuple[datetime, datetime]:
    """(start_utc aware, start_local naive wall time), each derived from the other when missing."""
    start_utc = _datetime(raw.get("start_date"), "start_date")
    local_raw = _datetime(raw.get("start_date_local"), "start_date_local")
    if start_utc is None and local_raw is None:
        raise ParseError("start_date is missing")
    if start_utc is not None and start_utc.tzinfo is None:
        start_utc = start_utc.replace(tzinfo=timezone.utc)
    # Strava writes local wall time with a misleading 'Z': drop it, keep the wall time.
    start_local = local_raw.replace(tzinfo=None) if local_raw is not None else None
    if start_local is None:
        assert start_utc is not None
        offset_s = _float(raw.get("utc_offset"), "utc_offset")
        if offset_s is not None:
            start_local = (start_utc + timedelta(seconds=offset_s)).replace(tzinfo=None)
        elif tz_name:
            start_local = start_utc.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)
        else:
            start_local = start_utc.replace(tzinfo=None)
    if start_utc is None:
        offset_s = _float(raw.get("utc_offset"), "utc_offset")
        if offset_s is not None:
            start_utc = (start_local - timedelta(seconds=offset_s)).replace(tzinfo=timezone.utc)
        elif tz_name:
            start_utc = start_local.replace(tzinfo=ZoneInfo(tz_name))
        else:
            start_utc = start_local.replace(tzinfo=timezone.utc)
    return start_utc.astimezone(timezone.utc), start_local


def _clean_text(text: str) -> str:
    """Text both databases can store: PostgreSQL refuses NUL characters, and neither driver can
    encode an unpaired surrogate (which JSON's \\ud800 escapes can produce)."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


# Where a runner was, at any depth of the record: the rules need none of it, and a copy of the
# database must not show where runners live (API.md §5). Segment efforts carry their segment's
# start and end points; photos carry where they were taken; the embed token opens the map.
LOCATION_KEYS = frozenset({
    "map", "polyline", "summary_polyline", "start_latlng", "end_latlng", "start_latitude", "start_longitude",
    "end_latitude", "end_longitude", "latlng", "location", "location_city", "location_state", "location_country",
    "segment_efforts", "photos", "embed_token",
})


def without_location(value: Any) -> Any:
    """The record without LOCATION_KEYS anywhere in it (a copy; the input is not changed)."""
    if isinstance(value, dict):
        return {key: without_location(item) for key, item in value.items() if key not in LOCATION_KEYS}
    if isinstance(value, list):
        return [without_location(item) for item in value]
    return value


def _storable(raw: dict) -> dict:
    """Strava's record as it will be stored in the `raw` JSON column: the same, except what a
    database would refuse and so fail the whole page (NaN and infinities, which PostgreSQL's
    json type rejects, NULs and unpaired surrogates)."""
    # One pass in C answers for nearly every record: nothing to change, nothing copied.
    try:
        text = json.dumps(raw, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")  # raises on an unpaired surrogate
    except ValueError:  # NaN or infinity (UnicodeEncodeError is a ValueError too)
        return _sanitized(raw)
    return raw if "\\u0000" not in text else _sanitized(raw)  # how json.dumps writes a NUL


def _sanitized(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, list):
        return [_sanitized(item) for item in value]
    if isinstance(value, dict):
        return {_clean_text(str(key)): _sanitized(item) for key, item in value.items()}
    return value


def parse_activities(raws: Any) -> tuple[list[ParsedActivity], list[str]]:
    """Parse a page (or an export). Bad records are skipped and reported, never raised."""
    if not isinstance(raws, list):
        raise ParseError("expected a JSON list of activities")
    parsed: list[ParsedActivity] = []
    problems: list[str] = []
    for index, raw in enumerate(raws):
        try:
            parsed.append(parse_activity(raw))
        except ParseError as error:
            ident = raw.get("id") if isinstance(raw, dict) else None
            problems.append(f"activity #{index}{f' (id {ident})' if ident is not None else ''} skipped: {error}")
    return parsed, problems


def parse_gear(raw: Any) -> Gear | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        return None
    try:
        distance_m = _float(raw.get("distance"), "distance", 0.0) or 0.0
    except ParseError:
        distance_m = 0.0
    return Gear(
        id=raw["id"],
        name=str(raw.get("name") or raw.get("nickname") or raw["id"])[:255],
        distance_m=distance_m,
        retired=raw.get("retired") is True,
    )


def gear_from_athlete(raw_athlete: Any) -> list[Gear]:
    if not isinstance(raw_athlete, dict):
        return []
    items = [*(raw_athlete.get("shoes") or []), *(raw_athlete.get("bikes") or [])]
    return [gear for gear in (parse_gear(item) for item in items) if gear is not None]


def units_from_athlete(raw_athlete: Any) -> str:
    preference = raw_athlete.get("measurement_preference") if isinstance(raw_athlete, dict) else None
    return "imperial" if preference == "feet" else "metric"
