"""Strava JSON and Strava's bulk-export CSV turned into domain objects, never raising on odd records.

Dict (or CSV row) in, dataclasses out: `activities_from_strava_json` accepts exactly what
GET /athlete/activities returns (any number of pages concatenated); `athlete_from_strava_json` what
GET /athlete returns; `activities_from_export_csv` the `activities.csv` of the account export.
Every record that cannot be used becomes a one-line problem instead of an exception.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from coaching.domain.model import KNOWN_SPORT_TYPES, Activity, Gear
from coaching.strava.parse import (
    ParseError,
    gear_from_athlete,
    parse_activity,
    units_from_athlete,
)
from coaching.strava.parse import parse_timezone as strava_timezone_name

_OFFSET = re.compile(r"GMT\s*([+-])(\d{1,2}):?(\d{2})?")


@dataclass(frozen=True)
class AthleteInfo:
    gear: tuple[Gear, ...]
    units: str  # metric | imperial
    problems: tuple[str, ...] = ()


def parse_timezone(value: object) -> tzinfo | None:
    """A zone for --tz: Strava's "(GMT-05:00) America/New_York", a bare IANA name, or just an
    offset such as "(GMT+01:00)" (a fixed offset, for names this machine does not know)."""
    try:
        name = strava_timezone_name(value)
    except OSError:  # an absurdly long name is not a file ZoneInfo can open
        name = None
    if name is not None:
        return ZoneInfo(name)
    match = _OFFSET.search(value) if isinstance(value, str) else None
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta < timedelta(hours=24):
            return timezone(-delta if sign == "-" else delta)
    return None


def activities_from_strava_json(
    records: object, *, zone: tzinfo | None = None
) -> tuple[list[Activity], list[str]]:
    """Records parsed by the Strava adapter's own parser (`coaching.strava.parse`), one at a time
    so that an odd record costs a problem line, never the run. `zone` (the CLI's --tz) places every
    activity on that zone's calendar from its UTC start; without it Strava's own
    `start_date_local` (the activity's time zone) decides the day."""
    if not isinstance(records, list):
        return [], ["expected a JSON list of activities"]
    activities: list[Activity] = []
    problems: list[str] = []
    for index, record in enumerate(records):
        try:
            activity = parse_activity(record).activity
            if zone is not None:
                activity = replace(activity, start_local=activity.start_utc.astimezone(zone).replace(tzinfo=None))
        except ParseError as error:
            problems.append(f"item {index}: {error}")
        except Exception as error:  # noqa: BLE001 - one odd record must never stop the rest
            problems.append(f"item {index}: unreadable ({type(error).__name__})")
        else:
            activities.append(activity)
    return activities, problems


def athlete_from_strava_json(record: object) -> AthleteInfo:
    if not isinstance(record, dict):
        return AthleteInfo((), "metric", ("the athlete file is not a JSON object",))
    gear = tuple(gear_from_athlete(record))
    listed = sum(len(record.get(key) or []) for key in ("shoes", "bikes") if isinstance(record.get(key), list))
    problems = (f"{listed - len(gear)} shoe or bike entries without an id were ignored",) if listed > len(gear) else ()
    return AthleteInfo(gear, units_from_athlete(record), problems)


# --- Strava's account export (activities.csv) -------------------------------------------------

_EXPORT_DATE_FORMATS = ("%b %d, %Y, %I:%M:%S %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d")
_SPORT_BY_FOLDED_NAME = {name.lower(): name for name in KNOWN_SPORT_TYPES}


def activities_from_export_csv(text: str, *, zone: tzinfo | None = None) -> tuple[list[Activity], list[str]]:
    """The export's "Activity Date" is UTC and it has no time-zone column: `zone` places the days
    (UTC without it). Several columns appear twice; the second "Distance" is metres, the first km."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(rows, None)
    if not header or "Activity ID" not in header:
        return [], ["not a Strava activities.csv (no 'Activity ID' column)"]
    columns: dict[str, list[int]] = {}
    for position, name in enumerate(header):
        columns.setdefault(name.strip(), []).append(position)
    activities: list[Activity] = []
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        try:
            activity, problem = _activity_from_export_row(row, columns, zone or timezone.utc)
        except Exception as error:  # noqa: BLE001 - one odd row must never stop the rest
            activity, problem = None, f"unreadable ({type(error).__name__})"
        if activity is None:
            problems.append(f"line {line}: {problem}")
        else:
            activities.append(activity)
    if zone is None and activities:
        problems.append("the export has no time zone: days are UTC days (use --tz to set yours)")
    return activities, problems


def _activity_from_export_row(
    row: Sequence[str], columns: dict[str, list[int]], zone: tzinfo
) -> tuple[Activity | None, str]:
    def cell(name: str, occurrence: int = 0) -> str:
        positions = columns.get(name, [])
        if occurrence < len(positions) and positions[occurrence] < len(row):
            return row[positions[occurrence]].strip()
        return ""

    def number(name: str, occurrence: int = 0) -> float | None:
        return _as_number(cell(name, occurrence))

    if not any(field.strip() for field in row):
        return None, "empty line"
    activity_id = _as_id(cell("Activity ID"))
    if activity_id is None:
        return None, "no usable Activity ID"
    start_utc = _parse_export_date(cell("Activity Date"))
    if start_utc is None:
        return None, f"activity {activity_id}: unreadable Activity Date"
    raw_type = cell("Activity Type")
    sport_type = _SPORT_BY_FOLDED_NAME.get(re.sub(r"[\s\-]", "", raw_type).lower(), raw_type)
    distance_m = number("Distance", 1)
    if distance_m is None:
        km = number("Distance")
        distance_m = km * 1000.0 if km is not None else 0.0
    moving = number("Moving Time")
    elapsed = number("Elapsed Time") or number("Elapsed Time", 1)
    return (
        Activity(
            id=activity_id,
            sport_type=sport_type or "Unknown",
            start_local=start_utc.astimezone(zone).replace(tzinfo=None),
            start_utc=start_utc,
            distance_m=distance_m,
            moving_s=_as_int(moving if moving is not None else elapsed),
            elapsed_s=_as_int(elapsed),
            elevation_gain_m=number("Elevation Gain") or 0.0,
            average_speed_mps=number("Average Speed"),
            average_heartrate_bpm=number("Average Heart Rate"),
            max_heartrate_bpm=number("Max Heart Rate", 1) or number("Max Heart Rate"),
            average_cadence_raw=number("Average Cadence"),
            workout_type=None,
            gear_id=None,  # the export names the gear ("Activity Gear") but gives no Strava gear id
            manual=not cell("Filename"),  # typed-in entries have no recorded file
            name=cell("Activity Name"),
        ),
        "",
    )


def _parse_export_date(value: str) -> datetime | None:
    for pattern in _EXPORT_DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


# --- tolerant scalar conversion ---------------------------------------------------------------


def _as_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and value > 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) or None
    return None


def _as_number(value: object, default: Any = None) -> Any:
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", ""))
        except ValueError:
            return default
    return default


def _as_int(value: object) -> Any:
    number = _as_number(value, 0.0)
    # Non-finite numbers pass through unchanged so that the domain's guard reports them.
    return int(round(number)) if math.isfinite(number) else number


def export_csv_from_zip(data: bytes | Iterable[bytes]) -> str:
    """The `activities.csv` inside Strava's export zip, as text."""
    import zipfile

    raw = data if isinstance(data, bytes) else b"".join(data)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "activities.csv"]
        if not names:
            raise ValueError("the zip holds no activities.csv")
        return archive.read(min(names, key=len)).decode("utf-8-sig", errors="replace")
