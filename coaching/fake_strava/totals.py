"""GET /athletes/{id}/stats: run, ride and swim totals for the last 4 weeks, the year and all time.

Like Strava, only activities visible to Everyone count (API.md §2).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable

from coaching.fake_strava.records import ActivityRecord

_GROUPS = {
    "run": ("Run", "TrailRun", "VirtualRun"),
    "ride": ("Ride", "VirtualRide", "GravelRide", "MountainBikeRide", "EBikeRide"),
    "swim": ("Swim",),
}


def _totals(activities: list[ActivityRecord], *, with_achievements: bool) -> dict:
    doc = {
        "count": len(activities),
        "distance": float(sum(a.distance_m for a in activities)),
        "moving_time": sum(a.moving_s for a in activities),
        "elapsed_time": sum(a.elapsed_s for a in activities),
        "elevation_gain": float(sum(a.elevation_gain_m for a in activities)),
    }
    if with_achievements:
        doc["achievement_count"] = sum(a.achievement_count for a in activities)
    return doc


def athlete_stats(activities: Iterable[ActivityRecord], now_s: float) -> dict:
    now = datetime.fromtimestamp(now_s, tz=timezone.utc)
    recent_from = now - timedelta(days=28)
    year_from = datetime(now.year, 1, 1, tzinfo=timezone.utc)
    public = [a for a in activities if a.visibility == "everyone" and a.start_utc <= now]
    doc: dict = {}
    # The recorded key order: recent/all for ride, run, swim, then the three ytd totals.
    for group in ("ride", "run", "swim"):
        mine = [a for a in public if a.sport_type in _GROUPS[group]]
        doc[f"recent_{group}_totals"] = _totals([a for a in mine if a.start_utc >= recent_from], with_achievements=True)
        doc[f"all_{group}_totals"] = _totals(mine, with_achievements=False)
    for group in ("ride", "run", "swim"):
        mine = [a for a in public if a.sport_type in _GROUPS[group] and a.start_utc >= year_from]
        doc[f"ytd_{group}_totals"] = _totals(mine, with_achievements=False)
    return doc
