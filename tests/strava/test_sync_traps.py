"""Two sync traps: an activity from a watch with a wrong clock "starts" in the future (it must not
become the `after=` cursor, or the runner silently stops syncing), and Strava's records carry where
the runner was (the stored copy keeps none of it). On SQLite and PostgreSQL, over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import insert, select

from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.services.evaluation import evaluate_athlete
from coaching.services.sync import sync_athlete
from coaching.store.athletes import AthleteRepository
from coaching.store.db import upgrade
from coaching.store.models import Activity, Athlete, EvaluationRecord, SyncState
from coaching.strava.budget import RequestBudget
from coaching.strava.client import StravalibSource
from coaching.strava.parse import LOCATION_KEYS
from tests.strava.conftest import CLIENT_ID, CLIENT_SECRET, connect

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def fixed_fake() -> Iterator[FakeStrava]:
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET), now=lambda: NOW.timestamp())
    fake.seed(count=1, end_date=date(2026, 11, 23), personas=["steady"], seed=3, days=30)
    with fake:
        yield fake


@pytest.fixture
def fixed_source(fixed_fake) -> StravalibSource:
    return StravalibSource(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=fixed_fake.base_url,
                           budget=RequestBudget(), timeout_s=3.0)


def _keys_anywhere(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in _keys_anywhere(item)}
    if isinstance(value, list):
        return {k for item in value for k in _keys_anywhere(item)}
    return set()


def test_an_activity_that_starts_in_the_future_does_not_stop_the_sync(sessions, fixed_source, fixed_fake, box):
    strava_id = fixed_fake.athlete_ids[0]
    athlete_id = connect(sessions, fixed_source, box, strava_id)
    sync_athlete(sessions, fixed_source, box, athlete_id, NOW)
    # The watch thought it was next June.
    wrong_clock = fixed_fake.add_activity(strava_id, start_local=datetime(2027, 6, 1, 7, 30))
    sync_athlete(sessions, fixed_source, box, athlete_id, NOW)
    with sessions.begin() as session:
        assert session.get(Activity, wrong_clock) is not None
        assert session.get(SyncState, athlete_id).newest_start_utc <= NOW
    # A real run of this morning, uploaded after the wrong one: still found.
    morning = fixed_fake.add_activity(strava_id, start_local=datetime(2026, 11, 25, 6, 0))
    later = NOW + timedelta(hours=12)
    result = sync_athlete(sessions, fixed_source, box, athlete_id, later)
    assert result.new_activities == 1
    with sessions.begin() as session:
        assert session.get(Activity, morning) is not None
        assert session.get(SyncState, athlete_id).newest_start_utc <= later


def test_a_cursor_already_in_the_future_is_read_as_now(sessions, fixed_source, fixed_fake, box):
    strava_id = fixed_fake.athlete_ids[0]
    athlete_id = connect(sessions, fixed_source, box, strava_id)
    sync_athlete(sessions, fixed_source, box, athlete_id, NOW)
    with sessions.begin() as session:  # what the code before this fix stored
        AthleteRepository(session).sync_state(athlete_id).newest_start_utc = datetime(2027, 6, 1, tzinfo=timezone.utc)
    morning = fixed_fake.add_activity(strava_id, start_local=datetime(2026, 11, 25, 6, 0))
    later = NOW + timedelta(hours=12)
    assert sync_athlete(sessions, fixed_source, box, athlete_id, later).new_activities == 1
    with sessions.begin() as session:
        assert session.get(Activity, morning) is not None


def test_an_activity_in_the_future_is_a_data_quality_note_of_the_evaluation(sessions, fixed_source, fixed_fake, box):
    strava_id = fixed_fake.athlete_ids[0]
    athlete_id = connect(sessions, fixed_source, box, strava_id)
    sync_athlete(sessions, fixed_source, box, athlete_id, NOW)  # the back-fill: history up to now
    wrong_clock = fixed_fake.add_activity(strava_id, start_local=datetime(2027, 6, 1, 7, 30))
    sync_athlete(sessions, fixed_source, box, athlete_id, NOW)
    with sessions.begin() as session:
        athlete = session.get(Athlete, athlete_id)
        evaluate_athlete(session, athlete, date(2026, 11, 24), evaluated_at=NOW)
    with sessions.begin() as session:
        notes = session.get(EvaluationRecord, athlete_id).data_quality
    [note] = [n for n in notes if str(wrong_clock) in n]
    assert "starts 2027-06-01" in note and "clock" in note


def test_stored_records_keep_no_location_at_any_depth(sessions, fixed_source, fixed_fake, box):
    strava_id = fixed_fake.athlete_ids[0]
    athlete_id = connect(sessions, fixed_source, box, strava_id)
    sent = fixed_fake.activity_json(fixed_fake.activities(strava_id)[-1].id)
    assert {"map", "start_latlng", "end_latlng"} <= set(sent)  # what Strava sends
    sync_athlete(sessions, fixed_source, box, athlete_id, NOW)
    with sessions.begin() as session:
        raws = session.scalars(select(Activity.raw).where(Activity.athlete_id == athlete_id)).all()
    assert raws and all(not (_keys_anywhere(raw) & LOCATION_KEYS) for raw in raws)
    assert all("distance" in raw and "sport_type" in raw for raw in raws)


def test_the_migration_strips_location_from_rows_stored_before_it(engine, tmp_path):
    from coaching.store.db import downgrade

    downgrade(engine, "0006")
    raw = {"id": 1, "distance": 5000.0, "map": {"summary_polyline": "abc"}, "start_latlng": [51.5, -0.1],
           "laps": [{"distance": 1000.0, "start_latlng": [51.5, -0.1]}],
           "segment_efforts": [{"segment": {"start_latlng": [51.5, -0.1]}}], "location_city": "London"}
    with engine.begin() as connection:
        athlete_id = connection.execute(insert(Athlete).values(strava_id=77, threshold_overrides={})
                                        .returning(Athlete.id)).scalar_one()
        # The table as it was at 0006 (later migrations add columns the ORM model already has).
        old_activities = sa.table("activities", *(sa.column(name) for name in (
            "id", "athlete_id", "sport_type", "start_utc", "start_local", "distance_m", "moving_s", "elapsed_s",
            "elevation_gain_m", "manual", "trainer", "private", "name", "raw", "fetched_at")))
        connection.execute(insert(old_activities).values(
            id=1, athlete_id=athlete_id, sport_type="Run", start_utc=NOW, start_local=NOW.replace(tzinfo=None),
            distance_m=5000.0, moving_s=1500, elapsed_s=1500, elevation_gain_m=0.0, manual=False, trainer=False,
            private=False, name="", raw=json.dumps(raw), fetched_at=NOW))
    upgrade(engine)
    with engine.connect() as connection:
        stored = connection.execute(select(Activity.raw)).scalar_one()
    assert (json.loads(stored) if isinstance(stored, str) else stored) == {
        "id": 1, "distance": 5000.0, "laps": [{"distance": 1000.0}]}
