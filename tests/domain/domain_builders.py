"""Hand-made histories for the domain tests: one line per activity, numbers you can add up by hand."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta, timezone

from coaching.domain.model import Activity

AS_OF = date(2025, 6, 15)  # a Sunday
_ids = itertools.count(1_000)


def day(days_before_as_of: int, as_of: date = AS_OF) -> date:
    return as_of - timedelta(days=days_before_as_of)


def activity(
    on: date,
    km: float = 0.0,
    *,
    sport: str = "Run",
    at: time = time(7, 0),
    pace_s_per_km: float = 330.0,
    moving_s: int | None = None,
    cadence_raw: float | None = None,
    heartrate: float | None = None,
    max_heartrate: float | None = None,
    elevation_m: float = 0.0,
    workout_type: int | None = None,
    gear_id: str | None = None,
    manual: bool = False,
    activity_id: int | None = None,
    utc_offset_h: int = 0,
) -> Activity:
    start_local = datetime.combine(on, at)
    if moving_s is None:
        moving_s = int(round(km * pace_s_per_km)) if km else 3600
    speed = (km * 1000.0 / moving_s) if km and moving_s else None
    return Activity(
        id=next(_ids) if activity_id is None else activity_id,
        sport_type=sport,
        start_local=start_local,
        start_utc=(start_local - timedelta(hours=utc_offset_h)).replace(tzinfo=timezone.utc),
        distance_m=km * 1000.0,
        moving_s=moving_s,
        elapsed_s=moving_s,
        elevation_gain_m=elevation_m,
        average_speed_mps=speed,
        average_heartrate_bpm=heartrate,
        max_heartrate_bpm=max_heartrate,
        average_cadence_raw=cadence_raw,
        workout_type=workout_type,
        gear_id=gear_id,
        manual=manual,
    )


def run(days_before: int, km: float, **kwargs: object) -> Activity:
    return activity(day(days_before), km, **kwargs)  # type: ignore[arg-type]


def steady_weeks(weeks: int, km_per_run: float, *, first_days_before: int, runs_per_week: int = 3) -> list[Activity]:
    """`runs_per_week` equal runs a week on days 0, 2, 4 of each 7-day block, counting back from
    `first_days_before` (the most recent block's last day)."""
    offsets = (0, 2, 4, 6, 1, 3, 5)[:runs_per_week]
    return [
        run(first_days_before + 7 * w + o, km_per_run)
        for w in range(weeks)
        for o in offsets
    ]
