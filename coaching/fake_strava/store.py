"""The fake's in-memory data: athletes, gear, activities, and the queries the endpoints need.

Not thread-safe by itself: `FakeStrava` holds one lock around every use.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Iterable

from coaching.fake_strava.records import ActivityRecord, AthleteRecord, GearRecord

# Anchor for ids: the real activity 16181809559 started 2025-10-18T12:49:52Z, and Strava
# hands out roughly 63 activity ids a second (1.9e9 in 2018, 1.6e10 in 2025).
_ID_ANCHOR = 16_181_809_559
_ID_ANCHOR_EPOCH_S = 1_760_791_792
_IDS_PER_S = 63
_MIN_ACTIVITY_ID = 2**32 + 1  # BIGINT territory, as API.md §2 warns
_UPLOAD_ID_OFFSET = 1_083_785_910  # upload ids run ahead of activity ids (2025 recording)


class FakeStore:
    def __init__(self) -> None:
        self.athletes: dict[int, AthleteRecord] = {}
        self.gear: dict[str, GearRecord] = {}
        self.gear_by_athlete: dict[int, list[GearRecord]] = {}
        self.activities: dict[int, ActivityRecord] = {}
        self.activities_by_athlete: dict[int, list[ActivityRecord]] = {}
        self.seed_of: dict[int, int] = {}
        self._gear_rng = random.Random("fake-strava:gear-ids")
        self._issued_gear_ids: set[str] = set()

    # Writes ------------------------------------------------------------------------------

    def new_gear_id(self, prefix: str) -> str:
        while True:
            gear_id = f"{prefix}{self._gear_rng.randint(10_000_000, 99_999_999)}"
            if gear_id not in self._issued_gear_ids:
                self._issued_gear_ids.add(gear_id)
                return gear_id

    def add_athlete(self, athlete: AthleteRecord, gear: list[GearRecord], seed: int) -> None:
        self.athletes[athlete.id] = athlete
        self.gear_by_athlete[athlete.id] = gear
        self.activities_by_athlete.setdefault(athlete.id, [])
        self.seed_of[athlete.id] = seed
        self.sync_gear(athlete.id)

    def sync_gear(self, athlete_id: int) -> None:
        """Index gear the generator bought since the last call (the pool appends to the list)."""
        for record in self.gear_by_athlete.get(athlete_id, []):
            self.gear[record.id] = record

    def add_activities(self, records: Iterable[ActivityRecord], *, newest: bool = False) -> list[int]:
        """Store records, giving each an id derived from its start time (or, for a new upload,
        above every id so far) and an upload id."""
        ids = []
        for record in records:
            record.id = self._allocate_id(record.start_epoch_s, newest=newest)
            record.upload_id = record.id + _UPLOAD_ID_OFFSET
            self.activities[record.id] = record
            self.activities_by_athlete.setdefault(record.athlete_id, []).append(record)
            ids.append(record.id)
        return ids

    def update_activity(self, activity_id: int, **changes: object) -> ActivityRecord:
        old = self.activities[activity_id]
        new = replace(old, **changes)  # type: ignore[arg-type]
        self.activities[activity_id] = new
        listing = self.activities_by_athlete[new.athlete_id]
        listing[listing.index(old)] = new
        return new

    def delete_activity(self, activity_id: int) -> ActivityRecord:
        record = self.activities.pop(activity_id)
        self.activities_by_athlete[record.athlete_id].remove(record)
        return record

    def _allocate_id(self, start_epoch_s: int, *, newest: bool) -> int:
        candidate = max(_MIN_ACTIVITY_ID, _ID_ANCHOR + (start_epoch_s - _ID_ANCHOR_EPOCH_S) * _IDS_PER_S)
        if newest and self.activities:
            candidate = max(candidate, max(self.activities) + 1)
        while candidate in self.activities:
            candidate += 1
        return candidate

    # Reads -------------------------------------------------------------------------------

    def list_activities(
        self,
        athlete_id: int,
        *,
        include_private: bool,
        before: int | None,
        after: int | None,
        page: int,
        per_page: int,
    ) -> list[ActivityRecord]:
        """Newest first; `before`/`after` are epoch seconds compared with the start time."""
        chosen = [
            a
            for a in self.activities_by_athlete.get(athlete_id, [])
            if (include_private or not a.private)
            and (before is None or a.start_epoch_s < before)
            and (after is None or a.start_epoch_s > after)
        ]
        chosen.sort(key=lambda a: (a.start_utc, a.id), reverse=True)
        start = (page - 1) * per_page
        return chosen[start : start + per_page]

    def gear_distance_m(self, gear_id: str) -> float:
        record = self.gear[gear_id]
        used = sum(a.distance_m for a in self.activities_by_athlete.get(record.athlete_id, []) if a.gear_id == gear_id)
        return record.base_distance_m + used

    def athlete_gear(self, athlete_id: int) -> list[GearRecord]:
        return list(self.gear_by_athlete.get(athlete_id, []))
