"""What happens to the data after seeding: new uploads, edits, deletions and new training days,
each with the webhook event Strava would send. Callers hold FakeStrava's lock."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import date, datetime, timedelta

from coaching.fake_strava.materialize import default_name, materialize
from coaching.fake_strava.oauth import OAuthState
from coaching.fake_strava.plan import PlannedSession, block_of
from coaching.fake_strava.records import ActivityRecord, AthleteRecord, local_to_utc
from coaching.fake_strava.seed import extend_athlete, pool_for
from coaching.fake_strava.store import FakeStore
from coaching.fake_strava.webhooks import WebhookHub

_KIND_FOR_SPORT = {
    "Run": "easy", "TrailRun": "trail", "VirtualRun": "treadmill", "Ride": "ride", "VirtualRide": "ride",
    "Swim": "swim", "WeightTraining": "strength", "Yoga": "yoga", "Walk": "walk",
}
SETTABLE_FIELDS = frozenset(f.name for f in fields(ActivityRecord)) - {"id", "athlete_id", "upload_id"}


def check_fields(changes: dict[str, object]) -> None:
    unknown = set(changes) - SETTABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")


class ActivityChanges:
    def __init__(self, store: FakeStore, oauth: OAuthState, webhooks: WebhookHub) -> None:
        self.store = store
        self.oauth = oauth
        self.webhooks = webhooks

    def add(self, athlete_id: int, start_local: datetime | None, changes: dict[str, object]) -> int:
        check_fields(changes)
        athlete = self.store.athletes[athlete_id]
        day = start_local.date() if start_local else athlete.plan_end + timedelta(days=1)
        record = self._typical(athlete, str(changes.get("sport_type", "Run")), day)
        if start_local is not None:
            changes.setdefault("start_utc", local_to_utc(start_local, athlete.timezone))
        record = with_changes(record, changes)
        (activity_id,) = self.store.add_activities([record], newest=True)
        self.store.sync_gear(athlete_id)
        self._emit(record, "create", {})
        return activity_id

    def update(self, activity_id: int, changes: dict[str, object]) -> None:
        check_fields(changes)
        old = self.store.activities[activity_id]
        new = self.store.update_activity(activity_id, **changes)
        # API.md §4: only title, type and privacy changes fire events; values are strings.
        updates = {}
        if new.name != old.name:
            updates["title"] = new.name
        if new.sport_type != old.sport_type:
            updates["type"] = new.sport_type
        if new.private != old.private:
            updates["private"] = "true" if new.private else "false"
        if updates:
            self._emit(new, "update", updates)

    def delete(self, activity_id: int) -> None:
        record = self.store.delete_activity(activity_id)
        self._emit(record, "delete", {})

    def advance(self, athlete_ids: list[int], days: int) -> list[int]:
        new_ids: list[int] = []
        for athlete_id in athlete_ids:
            records = extend_athlete(
                self.store.athletes[athlete_id], self.store.gear_by_athlete[athlete_id],
                self.store.activities_by_athlete[athlete_id], seed=self.store.seed_of[athlete_id], days=days,
                new_gear_id=self.store.new_gear_id,
            )
            new_ids.extend(self.store.add_activities(records, newest=True))
            self.store.sync_gear(athlete_id)
            for record in records:
                self._emit(record, "create", {})
        return new_ids

    def _typical(self, athlete: AthleteRecord, sport_type: str, day: date) -> ActivityRecord:
        rng = random.Random(f"fake-strava:add:{athlete.id}:{len(self.store.activities)}")
        kind = _KIND_FOR_SPORT.get(sport_type, "easy")
        session = PlannedSession(day, kind, distance_km=athlete.traits.weekly_km_end * 0.22, minutes=45.0)
        pool = pool_for(
            athlete, self.store.gear_by_athlete[athlete.id], self.store.activities_by_athlete[athlete.id],
            rng, self.store.new_gear_id,
        )
        return materialize(session, athlete, pool, rng, block=block_of(day, athlete.plan_anchor))

    def _emit(self, record: ActivityRecord, aspect: str, updates: dict[str, str]) -> None:
        """Only athletes who authorized the app with an activity scope produce events; without
        activity:read_all private activities are invisible, so going private reads as a delete
        and going public as a create (API.md §4)."""
        scopes = self.oauth.has_live_grant(record.athlete_id)
        if scopes is None or not scopes & {"activity:read", "activity:read_all"}:
            return
        if "activity:read_all" not in scopes:
            if "private" in updates:
                aspect, updates = ("delete" if record.private else "create"), {}
            elif record.private:
                return
        self.webhooks.emit("activity", record.id, aspect, record.athlete_id, updates)


def with_changes(record: ActivityRecord, changes: dict[str, object]) -> ActivityRecord:
    """Apply overrides and keep the derived numbers consistent (speed, moving and elapsed time)."""
    updated = replace(record, **changes)  # type: ignore[arg-type]
    if "distance_m" in changes and updated.distance_m > 0:
        if "moving_s" not in changes and "average_speed_mps" not in changes and record.average_speed_mps > 0:
            updated.moving_s = max(1, int(round(updated.distance_m / record.average_speed_mps)))
        if "average_speed_mps" not in changes:
            updated.average_speed_mps = round(updated.distance_m / max(updated.moving_s, 1), 3)
    elif "moving_s" in changes and "average_speed_mps" not in changes and updated.distance_m > 0:
        updated.average_speed_mps = round(updated.distance_m / max(updated.moving_s, 1), 3)
    if "elapsed_s" not in changes:
        updated.elapsed_s = max(updated.elapsed_s - record.moving_s + updated.moving_s, updated.moving_s)
    if "name" not in changes and "sport_type" in changes and changes["sport_type"] != record.sport_type:
        updated.name = default_name(updated.sport_type, updated.start_local.hour)
    return updated
