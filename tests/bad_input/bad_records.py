"""Odd Strava records by category, each with what must happen to it: skipped with a reason naming
the field, or stored with a safe value. The tests and the README's figures count these tables."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tests.bad_input.hostile_strava import run

MISSING = object()  # delete the key


@dataclass(frozen=True)
class Case:
    label: str
    changes: dict[str, Any]  # field overrides of a well-formed run (MISSING deletes the field)
    skipped_because: str | None = None  # the reason's words, when the record must be skipped
    stored: dict[str, Any] = field(default_factory=dict)  # stored column -> expected value
    whole: Any = MISSING  # instead of a run with changes, this value as the record

    def record(self, n: int) -> Any:
        if self.whole is not MISSING:
            return self.whole
        record = run(n)
        for key, value in self.changes.items():
            if value is MISSING:
                record.pop(key, None)
            else:
                record[key] = value
        return record


def _nested(depth: int, bottom: Any = "deep") -> Any:
    value: Any = bottom
    for _ in range(depth):
        value = [value]
    return value


MISSING_OR_NULL = [
    Case("no id", {"id": MISSING}, "id is missing"),
    Case("null id", {"id": None}, "id is missing"),
    Case("no sport_type nor type", {"sport_type": MISSING, "type": MISSING}, "sport_type is missing"),
    Case("null sport_type, type Ride", {"sport_type": None, "type": "Ride"}, stored={"sport_type": "Ride"}),
    Case("no start dates", {"start_date": MISSING, "start_date_local": MISSING}, "start_date is missing"),
    Case("null start_date: local time less the offset",
         {"start_date": None, "start_date_local": "2026-10-03T09:00:00Z"},
         stored={"start_utc": datetime(2026, 10, 3, 7, 0, tzinfo=timezone.utc)}),
    Case("null start_date_local: UTC plus the offset", {"start_date_local": None, "start_date": "2026-10-03T07:00:00Z"},
         stored={"start_local": datetime(2026, 10, 3, 9, 0)}),
    Case("no local time, offset nor zone", {"start_date_local": MISSING, "utc_offset": None, "timezone": None,
                                            "start_date": "2026-10-03T07:00:00Z"},
         stored={"start_local": datetime(2026, 10, 3, 7, 0)}),
    Case("null distance", {"distance": None}, stored={"distance_m": 0.0}),
    Case("no moving_time", {"moving_time": MISSING}, stored={"moving_s": 0}),
    Case("null name", {"name": None}, stored={"name": ""}),
    Case("null athlete", {"athlete": None}, stored={}),
    Case("null gear_id", {"gear_id": None}, stored={"gear_id": None}),
    Case("null average_cadence", {"average_cadence": None}, stored={"average_cadence_raw": None}),
    Case("nothing changed", {}, stored={}),  # the well-formed run itself goes in
    Case("an empty JSON object", {}, "id is missing", whole={}),
]

WRONG_TYPES = [
    Case("id as digits in text", {"id": "10000000777"}, stored={"id": 10_000_000_777}),
    Case("id as letters", {"id": "abc"}, "id is not an integer"),
    Case("id as a fraction", {"id": 1.5}, "id is not an integer"),
    Case("id as true", {"id": True}, "id is not a number"),
    Case("id as a list", {"id": [1]}, "id is not an integer"),
    Case("id with superscript digits", {"id": "12²"}, "id is not an integer"),
    Case("negative id", {"id": -5}, "id is outside the BIGINT range"),
    Case("distance as words", {"distance": "fast"}, "distance is not a number"),
    Case("distance as numeric text", {"distance": "5000.5"}, stored={"distance_m": 5000.5}),
    Case("moving_time as clock text", {"moving_time": "12:00"}, "moving_time is not an integer"),
    Case("moving_time as a whole float", {"moving_time": 3000.0}, stored={"moving_s": 3000}),
    Case("start_date as an epoch number", {"start_date": 1760000000}, "start_date is not a date-time string"),
    Case("start_date as words", {"start_date": "yesterday"}, "start_date is not an ISO-8601 date-time"),
    Case("sport_type as a number", {"sport_type": 7, "type": 7}, "sport_type is missing"),
    Case("athlete as text", {"athlete": "me"}, stored={}),
    Case("gear_id as a number", {"gear_id": 12}, stored={"gear_id": None}),
    Case("private as text", {"private": "yes"}, stored={"private": False}),
    Case("timezone as a number", {"timezone": 5}, stored={}),
    Case("name as an object", {"name": {"a": 1}}, stored={"name": "{'a': 1}"}),
    Case("the record as text", {}, "activity is not a JSON object", whole="a run"),
    Case("the record as null", {}, "activity is not a JSON object", whole=None),
    Case("the record as a list", {}, "activity is not a JSON object", whole=[1, 2]),
]

NAN = math.nan
ABSURD = [
    Case("negative distance", {"distance": -5.0}, stored={"distance_m": -5.0}),
    Case("a trillion metres", {"distance": 1e12}, stored={"distance_m": 1e12}),
    Case("moving time past 32 bits", {"moving_time": 2**40}, "moving_time is out of range"),
    Case("negative elapsed time", {"elapsed_time": -1}, stored={"elapsed_s": -1}),
    Case("heart rate of 10000", {"average_heartrate": 10000.0}, stored={"average_heartrate_bpm": 10000.0}),
    Case("workout type past 32 bits", {"workout_type": 2**33}, "workout_type is out of range"),
    Case("NaN distance", {"distance": NAN}, "distance is not a finite number"),
    Case("infinite speed", {"average_speed": math.inf}, "average_speed is not a finite number"),
    Case("a 400-digit distance", {"distance": 10**400}, "distance is not a number"),
    Case("year 1 less an hour", {"start_date": "0001-01-01T00:00:00Z", "start_date_local": MISSING,
                                 "utc_offset": -3600.0}, "start_date is out of range"),
    Case("year 9999 plus an hour", {"start_date": "9999-12-31T23:59:59Z", "start_date_local": MISSING,
                                    "utc_offset": 3600.0}, "start_date is out of range"),
    Case("an offset of 1e300 s", {"start_date_local": MISSING, "utc_offset": 1e300}, "start_date is out of range"),
    Case("a 10000-character name", {"name": "x" * 10_000}, stored={"name": "x" * 255}),
    Case("a NUL in the name", {"name": "Run\x00 club"}, stored={"name": "Run club"}),
    Case("an unpaired surrogate in the name", {"name": "Run \ud83c"}, stored={"name": "Run ?"}),
    Case("a 100-character gear id", {"gear_id": "g" * 100}, stored={"gear_id": None}),
    Case("a gear id that is a path", {"gear_id": "g1/../../athlete"}, stored={"gear_id": None}),
    # Not under "map": location keys are never stored (parse.LOCATION_KEYS).
    Case("nested 100 levels deep", {"extra": _nested(100)}, stored={"raw.extra": _nested(100)}),
    Case("nested 100 levels deep, with a NaN at the bottom", {"extra": _nested(100, math.nan)},
         stored={"raw.extra": _nested(100, None)}),
    Case("NaN in a field we do not read", {"average_temp": NAN}, stored={"raw.average_temp": None}),
    Case("upload id past int64 (the swagger's example)", {"upload_id": 987654321234567891234},
         stored={"raw.upload_id": 987654321234567891234}),
    Case("a hidden start time (midnight + 1 s)", {"start_date": "2026-10-05T00:00:01Z",
                                                  "start_date_local": "2026-10-05T00:00:01Z"},
         stored={"start_local": datetime(2026, 10, 5, 0, 0, 1)}),
]

SPORT_TYPES = [
    Case("an unknown sport type", {"sport_type": "Quidditch"}, stored={"sport_type": "Quidditch"}),
    Case("a new sport type Strava may add", {"sport_type": "Pickleball2"}, stored={"sport_type": "Pickleball2"}),
    Case("a trailing space", {"sport_type": "Run "}, stored={"sport_type": "Run"}),
    Case("an empty sport type falls back to type", {"sport_type": "", "type": "Walk"}, stored={"sport_type": "Walk"}),
    Case("blank sport type and type", {"sport_type": "  ", "type": ""}, "sport_type is missing"),
    Case("51 characters", {"sport_type": "X" * 51}, "sport_type is too long"),
    Case("a NUL inside", {"sport_type": "Run\x00"}, stored={"sport_type": "Run"}),
    Case("lower case", {"sport_type": "run"}, stored={"sport_type": "run"}),
]

CATEGORIES = {"missing or null fields": MISSING_OR_NULL, "wrong types": WRONG_TYPES, "absurd values": ABSURD,
              "unknown sport types": SPORT_TYPES}

# (Strava's `timezone`, the zone we keep or None). start_date_local is kept as written either way.
TIME_ZONES = [
    ("(GMT-03:30) America/St_Johns", "America/St_Johns"),
    ("(GMT+05:45) Asia/Kathmandu", "Asia/Kathmandu"),
    ("(GMT+00:00) Etc/UTC", "Etc/UTC"),
    ("(GMT+00:00) UTC", "UTC"),
    ("  (GMT+01:00) Europe/Berlin  ", "Europe/Berlin"),
    ("(GMT+1:00) Europe/Berlin", "Europe/Berlin"),
    ("(GMT+02:00) Europe/Kiev", "Europe/Kiev"),  # renamed Kyiv in 2022; Strava still writes the old name
    ("(GMT-05:00) America/Indiana/Indianapolis", "America/Indiana/Indianapolis"),
    ("(GMT-12:00) Etc/GMT+12", "Etc/GMT+12"),  # POSIX sign: twelve hours behind
    ("(GMT+14:00) Pacific/Kiritimati", "Pacific/Kiritimati"),
    ("Europe/Lisbon", "Europe/Lisbon"),
    ("(GMT+01:00) Not/AZone", None),
    ("(GMT+01:00) europe/berlin", None),
    ("GMT+01:00 Europe/Berlin", None),
    ("(GMT+01:00) ../../../etc/passwd", None),
    ("(GMT+01:00) Europe/Berlin\x00", None),
    ("", None),
    ("(GMT+01:00) " + "A/" * 40 + "B", None),
]
