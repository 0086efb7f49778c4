"""Store many athletes as if each had connected and been back-filled already, without HTTP.

Connecting 10,000 athletes through OAuth and back-filling each over the fake would take longer than
the night being measured; the benchmark times the NIGHT only. Everything goes in with bulk
inserts: athlete rows, tokens issued by the fake (encrypted as the app stores them), the fake's
activities parsed by the production parser, gear, and a sync state that says "back-filled, last
synced at `synced_at`".
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterator, Sequence

from sqlalchemy import insert

from coaching.fake_strava import FakeStrava
from coaching.runtime import Runtime
from coaching.strava.parse import parse_activities
from coaching.store.models import Activity, Athlete, Gear, StravaToken, SyncState

SCOPES = ("read", "activity:read_all")


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def preload(runtime: Runtime, fake: FakeStrava, strava_ids: Sequence[int], synced_at: datetime,
            chunk: int = 200) -> list[int]:
    """Returns the internal athlete ids, in the order of `strava_ids`."""
    ids: list[int] = []
    for part in _chunks(list(strava_ids), chunk):
        with runtime.sessions.begin() as session:
            athletes = [fake.athlete(strava_id) for strava_id in part]
            rows = session.execute(
                insert(Athlete).returning(Athlete.id, Athlete.strava_id, sort_by_parameter_order=True),
                [
                    {"strava_id": a.id, "first_name": a.firstname, "last_name": a.lastname, "timezone": a.timezone,
                     "units": "imperial" if a.measurement_preference == "feet" else "metric",
                     "email": f"runner{a.id}@example.org", "threshold_overrides": {}}
                    for a in athletes
                ],
            ).all()
            internal = {strava_id: athlete_id for athlete_id, strava_id in rows}
            ids += [internal[strava_id] for strava_id in part]
            _tokens(runtime, session, fake, internal)
            newest = _activities(session, fake, internal)
            _gear(session, fake, internal)
            session.execute(insert(SyncState), [
                {"athlete_id": athlete_id, "newest_start_utc": newest.get(athlete_id, synced_at),
                 "backfill_done": True, "last_success_at": synced_at, "last_attempt_at": synced_at}
                for athlete_id in internal.values()
            ])
    return ids


def _tokens(runtime: Runtime, session, fake: FakeStrava, internal: dict[int, int]) -> None:
    rows = []
    for strava_id, athlete_id in internal.items():
        grant = fake.issue_tokens(strava_id, SCOPES)
        rows.append({
            "athlete_id": athlete_id, "access_token_encrypted": runtime.box.encrypt(grant["access_token"]),
            "refresh_token_encrypted": runtime.box.encrypt(grant["refresh_token"]),
            "expires_at": grant["expires_at"], "scopes": ",".join(SCOPES), "version": 1,
        })
    session.execute(insert(StravaToken), rows)


def _activities(session, fake: FakeStrava, internal: dict[int, int]) -> dict[int, datetime]:
    rows, newest = [], {}
    for strava_id, athlete_id in internal.items():
        parsed, _problems = parse_activities([fake.activity_json(a.id) for a in fake.activities(strava_id)])
        for item in parsed:
            a = item.activity
            rows.append({
                "id": a.id, "athlete_id": athlete_id, "name": a.name, "sport_type": a.sport_type,
                "start_utc": a.start_utc, "start_local": a.start_local, "distance_m": a.distance_m,
                "moving_s": a.moving_s, "elapsed_s": a.elapsed_s, "elevation_gain_m": a.elevation_gain_m,
                "average_speed_mps": a.average_speed_mps, "average_heartrate_bpm": a.average_heartrate_bpm,
                "max_heartrate_bpm": a.max_heartrate_bpm, "average_cadence_raw": a.average_cadence_raw,
                "workout_type": a.workout_type, "gear_id": a.gear_id, "manual": a.manual, "trainer": a.trainer,
                "private": item.private, "raw": item.raw,
            })
            if athlete_id not in newest or a.start_utc > newest[athlete_id]:
                newest[athlete_id] = a.start_utc
    if rows:
        session.execute(insert(Activity), rows)
    return newest


def _gear(session, fake: FakeStrava, internal: dict[int, int]) -> None:
    rows = [
        {"id": gear.id, "athlete_id": athlete_id, "name": gear.name, "distance_m": distance_m, "retired": gear.retired}
        for strava_id, athlete_id in internal.items()
        for gear, distance_m in fake.gear(strava_id)
    ]
    if rows:
        session.execute(insert(Gear), rows)
