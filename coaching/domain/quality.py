"""Data-quality guards that run before any rule: bad records are excluded and reported, never raised.

RULES.md, Conventions: exact duplicates by id are dropped; a watch and a phone recording the same
run (same sport category, start within 60 s, distance within 3 %) are merged keeping the record
with more data; manual entries count for distance only; implausible values are excluded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Iterable, Sequence

from coaching.domain.model import KNOWN_SPORT_TYPES, RUN_SPORTS, Activity, sport_category
from coaching.domain.thresholds import QualityThresholds

_REQUIRED_NUMBERS = frozenset({"distance_m", "moving_s", "elapsed_s", "elevation_gain_m"})
_NUMERIC_FIELDS = (
    "distance_m", "moving_s", "elapsed_s", "elevation_gain_m", "average_speed_mps",
    "average_heartrate_bpm", "max_heartrate_bpm", "average_cadence_raw",
)


@dataclass(frozen=True)
class CleanedActivities:
    activities: tuple[Activity, ...]  # sorted by start_local
    notes: tuple[str, ...]


def clean_activities(activities: Iterable[Activity], thresholds: QualityThresholds) -> CleanedActivities:
    notes: list[str] = []
    plausible = _drop_implausible(activities, thresholds, notes)
    unique = _drop_exact_duplicates(plausible, notes)
    merged = _merge_near_duplicates(unique, thresholds, notes)
    result = _distance_only_for_manual(merged, notes)
    unknown = sorted({a.sport_type for a in result if a.sport_type not in KNOWN_SPORT_TYPES})
    for sport_type in unknown:
        notes.append(f"unknown sport type {sport_type!r}: kept, ignored by the rules")
    result.sort(key=lambda a: a.start_local)
    return CleanedActivities(tuple(result), tuple(notes))


def _drop_implausible(
    activities: Iterable[Activity], thresholds: QualityThresholds, notes: list[str]
) -> list[Activity]:
    kept: list[Activity] = []
    for activity in activities:
        problem = implausibility(activity, thresholds)
        if problem is not None:
            notes.append(f"activity {_id_text(activity)} excluded: {problem}")
            continue
        if activity.start_local.tzinfo is not None:
            # start_local is wall time; an attached zone would make it incomparable with the rest.
            activity = replace(activity, start_local=activity.start_local.replace(tzinfo=None))
        kept.append(activity)
    return kept


def implausibility(activity: object, thresholds: QualityThresholds) -> str | None:
    """Why a record cannot be used, or None when it can."""
    if not isinstance(activity, Activity):
        return f"not an activity ({type(activity).__name__})"
    if not _numbers_usable(activity):
        return _number_problem(activity)
    if type(activity.id) is not int:
        return "activity id is not an integer"
    if type(activity.sport_type) is not str:
        return "sport type is not text"
    start_local, start_utc = activity.start_local, activity.start_utc
    if not isinstance(start_local, datetime) or not isinstance(start_utc, datetime):
        return "start time missing"
    # Far-future or year-1 dates overflow when converted between zones; no real record has them.
    if not (1 < start_local.year < 9999 and 1 < start_utc.year < 9999):
        return "start time out of range"
    if activity.workout_type is not None and type(activity.workout_type) is not int:
        return "workout_type is not an integer"
    if activity.sport_type in RUN_SPORTS:
        distance_km = activity.distance_m / 1000.0
        if distance_km > thresholds.max_run_km:
            return f"a single run of {distance_km:.0f} km is implausible"
        speed = average_speed_mps(activity)
        if speed is not None and speed > thresholds.max_run_speed_mps and activity.moving_s > thresholds.max_fast_run_s:
            return (
                f"run average speed {speed:.1f} m/s over {activity.moving_s / 60:.0f} min is implausible"
            )
    return None


def _numbers_usable(a: Activity) -> bool:
    # One chained comparison per field (NaN fails every comparison, text raises TypeError): this
    # runs for every activity of every athlete every night, so it avoids per-field calls.
    inf = math.inf
    speed, heartrate, max_heartrate, cadence = (
        a.average_speed_mps, a.average_heartrate_bpm, a.max_heartrate_bpm, a.average_cadence_raw
    )
    try:
        return bool(
            0 <= a.distance_m < inf
            and 0 <= a.moving_s < inf
            and 0 <= a.elapsed_s < inf
            and 0 <= a.elevation_gain_m < inf
            and (speed is None or 0 <= speed < inf)
            and (heartrate is None or 0 <= heartrate < inf)
            and (max_heartrate is None or 0 <= max_heartrate < inf)
            and (cadence is None or 0 <= cadence < inf)
        )
    except TypeError:
        return False


def _number_problem(activity: Activity) -> str:
    for name in _NUMERIC_FIELDS:
        value = getattr(activity, name)
        if value is None and name not in _REQUIRED_NUMBERS:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{name} is not a number"
        if not math.isfinite(value):
            return f"{name} is not a finite number"
        if value < 0:
            return f"{name} is negative ({value:g})"
    return "a number is unusable"


def average_speed_mps(activity: Activity) -> float | None:
    if activity.average_speed_mps:
        return activity.average_speed_mps
    if activity.moving_s > 0 and activity.distance_m > 0:
        return activity.distance_m / activity.moving_s
    return None


def _drop_exact_duplicates(activities: Sequence[Activity], notes: list[str]) -> list[Activity]:
    seen: set[int] = set()
    kept: list[Activity] = []
    for activity in activities:
        if activity.id in seen:
            notes.append(f"activity {activity.id} excluded: duplicate id")
            continue
        seen.add(activity.id)
        kept.append(activity)
    return kept


def _merge_near_duplicates(
    activities: list[Activity], thresholds: QualityThresholds, notes: list[str]
) -> list[Activity]:
    keyed = sorted(((_utc_seconds(a), a.id, a) for a in activities), key=lambda k: (k[0], k[1]))
    starts = [k[0] for k in keyed]
    by_start = [k[2] for k in keyed]
    dropped: set[int] = set()
    window_s = thresholds.near_duplicate_s
    tolerance = thresholds.near_duplicate_distance_pct / 100.0
    for i, first in enumerate(by_start):
        if i in dropped:
            continue
        j = i + 1
        while j < len(by_start) and starts[j] - starts[i] <= window_s:
            second = by_start[j]
            if j not in dropped and _same_recording(first, second, tolerance):
                loser_index = j if _data_richness(first) >= _data_richness(second) else i
                loser, winner = (second, first) if loser_index == j else (first, second)
                dropped.add(loser_index)
                notes.append(
                    f"activity {loser.id} merged into {winner.id}: the same {winner.sport_type} "
                    f"recorded twice (start within {window_s:g} s, distance within "
                    f"{thresholds.near_duplicate_distance_pct:g} %)"
                )
                if loser_index == i:
                    break
            j += 1
    return [a for k, a in enumerate(by_start) if k not in dropped]


def _same_recording(first: Activity, second: Activity, tolerance: float) -> bool:
    if sport_category(first.sport_type) is not sport_category(second.sport_type):
        return False
    longer = max(first.distance_m, second.distance_m)
    # The millimetre of slack keeps "exactly 3 %" inside despite binary floating point.
    return abs(first.distance_m - second.distance_m) <= tolerance * longer + 1e-3


def _data_richness(activity: Activity) -> tuple[int, float, int]:
    present = sum(
        value is not None
        for value in (
            activity.average_heartrate_bpm, activity.max_heartrate_bpm, activity.average_cadence_raw,
            activity.average_speed_mps, activity.gear_id, activity.workout_type,
        )
    )
    present += int(activity.elevation_gain_m > 0) + int(not activity.manual) * 2
    # Ties go to the longer recording, then to the lower (older) id, so the choice is stable.
    return present, activity.distance_m, -activity.id


def _utc_seconds(activity: Activity) -> float:
    start = activity.start_utc
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return start.timestamp()


def _distance_only_for_manual(activities: list[Activity], notes: list[str]) -> list[Activity]:
    # A typed-in entry has a trustworthy distance and duration at best: no pace, heart rate,
    # cadence or climbing may feed the rules.
    result: list[Activity] = []
    manual_ids: list[int] = []
    for activity in activities:
        if activity.manual:
            manual_ids.append(activity.id)
        if activity.manual and _has_measurements(activity):
            activity = _distance_only(activity)
        result.append(activity)
    if manual_ids:
        listed = ", ".join(str(i) for i in manual_ids[:5]) + (" ..." if len(manual_ids) > 5 else "")
        notes.append(f"{len(manual_ids)} manual activit{'y' if len(manual_ids) == 1 else 'ies'} "
                     f"count for distance only ({listed})")
    return result


def _distance_only(a: Activity) -> Activity:
    # Positional construction: dataclasses.replace() costs several times more per call.
    return Activity(
        a.id, a.sport_type, a.start_local, a.start_utc, a.distance_m, a.moving_s, a.elapsed_s,
        0.0, None, None, None, None, None, a.gear_id, a.manual, a.trainer, a.name,
    )


def _has_measurements(a: Activity) -> bool:
    return not (
        a.average_speed_mps is None
        and a.average_heartrate_bpm is None
        and a.max_heartrate_bpm is None
        and a.average_cadence_raw is None
        and not a.elevation_gain_m
        and a.workout_type is None
    )


def _id_text(activity: object) -> str:
    return str(getattr(activity, "id", "?"))
