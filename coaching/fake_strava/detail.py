"""The parts only a DetailedActivity carries: laps, km and mile splits, best efforts, similar
activities. Derived from the record with a Random seeded by the activity id, so repeated GETs of
one activity always agree."""

from __future__ import annotations

import random
from datetime import timedelta

from coaching.fake_strava.records import ActivityRecord

MILE_M = 1609.344
RUN_SPORTS = ("Run", "TrailRun", "VirtualRun")
SPLIT_SPORTS = RUN_SPORTS + ("Walk", "Hike")
# The standard efforts Strava computes for runs, with the distances it reports (ints, in m).
_BEST_EFFORTS = (
    ("400m", 400), ("1/2 mile", 805), ("1K", 1000), ("1 mile", 1609), ("2 mile", 3219), ("5K", 5000),
    ("10K", 10000), ("15K", 15000), ("10 mile", 16090), ("20K", 20000), ("Half-Marathon", 21097),
    ("30K", 30000), ("Marathon", 42195),
)


def iso(dt) -> str:  # type: ignore[no-untyped-def]
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _pace_zone(record: ActivityRecord, speed_mps: float) -> int:
    ratio = speed_mps / record.average_speed_mps if record.average_speed_mps else 1.0
    return max(1, min(5, int(round(2 + (ratio - 1.0) * 15))))


def _refs(record: ActivityRecord) -> dict:
    return {
        "activity": {"id": record.id, "visibility": record.visibility, "resource_state": 1},
        "athlete": {"id": record.athlete_id, "resource_state": 1},
    }


def splits(record: ActivityRecord, unit_m: float) -> list[dict]:
    if record.sport_type not in SPLIT_SPORTS or record.distance_m <= 0 or record.moving_s <= 0:
        return []
    rng = random.Random(f"splits:{record.id}:{unit_m}")
    result, covered, number = [], 0.0, 1
    while covered < record.distance_m - 1.0:
        length = min(unit_m, record.distance_m - covered)
        speed = record.average_speed_mps * rng.uniform(0.96, 1.04)
        moving = max(1, int(round(length / speed)))
        rise = round(rng.uniform(-1.0, 1.0) * record.elevation_gain_m * length / max(record.distance_m, 1.0), 1)
        result.append(
            {
                "distance": round(length + rng.uniform(-2.0, 2.0), 1) if length == unit_m else round(length, 1),
                "elapsed_time": moving + rng.choice((0, 0, 0, 2, 5)),
                "elevation_difference": rise,
                "moving_time": moving,
                "split": number,
                "average_speed": round(length / moving, 2),
                "average_grade_adjusted_speed": round(length / moving * rng.uniform(0.99, 1.05), 2),
                "average_heartrate": record.average_heartrate_bpm + rng.uniform(-6.0, 6.0),
                "pace_zone": _pace_zone(record, length / moving),
            }
        )
        covered += length
        number += 1
    return result


def laps(record: ActivityRecord) -> list[dict]:
    """One lap for the whole activity, as a watch without auto-lap records it."""
    return [
        {
            "id": record.id * 16 + 1,
            "resource_state": 2,
            "name": "Lap 1",
            **_refs(record),
            "elapsed_time": record.elapsed_s,
            "moving_time": record.moving_s,
            "start_date": iso(record.start_utc),
            "start_date_local": iso(record.start_local),
            "distance": record.distance_m,
            "average_speed": record.average_speed_mps,
            "max_speed": record.max_speed_mps,
            "lap_index": 1,
            "split": 1,
            "start_index": 0,
            "end_index": max(record.moving_s - 1, 0),
            "total_elevation_gain": record.elevation_gain_m,
            "device_watts": False,
            "average_heartrate": record.average_heartrate_bpm,
            "max_heartrate": record.max_heartrate_bpm,
            "pace_zone": _pace_zone(record, record.average_speed_mps),
        }
    ]


def best_efforts(record: ActivityRecord) -> list[dict]:
    rng = random.Random(f"efforts:{record.id}")
    result = []
    for index, (name, distance) in enumerate(_BEST_EFFORTS):
        if distance > record.distance_m or record.average_speed_mps <= 0:
            break
        # Shorter efforts inside a run are a little faster than its average.
        speed = record.average_speed_mps * (1.0 + 0.06 * (1.0 - distance / record.distance_m)) * rng.uniform(0.99, 1.02)
        seconds = int(round(distance / speed))
        offset = rng.randint(0, max(record.moving_s - seconds, 0))
        is_pr = rng.random() < 0.05
        result.append(
            {
                "id": record.id * 32 + index,
                "resource_state": 2,
                "name": name,
                **_refs(record),
                "elapsed_time": seconds,
                "moving_time": seconds,
                "start_date": iso(record.start_utc + timedelta(seconds=offset)),
                "start_date_local": iso(record.start_local + timedelta(seconds=offset)),
                "distance": distance,
                "pr_rank": 1 if is_pr else None,
                "achievements": [{"type_id": 3, "type": "pr", "rank": 1}] if is_pr else [],
                "start_index": offset,
                "end_index": offset + seconds,
            }
        )
    return result


def similar_activities(record: ActivityRecord) -> dict:
    rng = random.Random(f"similar:{record.id}")
    speeds = sorted(record.average_speed_mps * rng.uniform(0.9, 1.1) for _ in range(rng.randint(2, 8)))
    speeds.append(record.average_speed_mps)
    low, high = min(speeds), max(speeds)
    mid = sorted(speeds)[len(speeds) // 2]
    return {
        "effort_count": len(speeds),
        "average_speed": sum(speeds) / len(speeds),
        "min_average_speed": low,
        "mid_average_speed": mid,
        "max_average_speed": high,
        "pr_rank": sorted(speeds, reverse=True).index(record.average_speed_mps) + 1,
        "frequency_milestone": None,
        "trend": {
            "speeds": speeds[-4:],
            "current_activity_index": len(speeds[-4:]) - 1,
            "min_speed": low,
            "mid_speed": mid,
            "max_speed": high,
            "direction": rng.choice((-1, 0, 1)),
        },
        "resource_state": 2,
    }
