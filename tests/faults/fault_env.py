"""What the fault tests share: a fake Strava on a movable clock, the real OAuth connect, and the
"nothing lost, nothing doubled" checks that compare the store with what the fake holds."""

from __future__ import annotations


import socket
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import parse_qs, urlparse

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coaching.crypto import SecretBox
from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.fake_strava.testing import OffsetClock
from coaching.services.connect import connect_athlete
from coaching.strava.parse import without_location
from coaching.store.athletes import AthleteRepository
from coaching.store.models import Activity, Gear, OutboxMessage
from coaching.strava.budget import RequestBudget
from coaching.strava.client import StravalibSource

CLIENT_ID, CLIENT_SECRET = 5151, "fault-test-client-secret"
# A page of ten over sixty days of training: every back-fill takes several pages.
PAGE_SIZE = 10
HISTORY_DAYS = 60


Clock = OffsetClock  # the suite's instant plus an offset the tests move


def make_fake(clock: Callable[[], float], *, count: int = 2, seed: int = 11, days: int = HISTORY_DAYS,
              personas: list[str] | None = None, **config: Any) -> FakeStrava:
    config.setdefault("timeout_fault_s", 0.6)
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **config), now=clock)
    # The history ends on each runner's own yesterday, wherever they live.
    fake.seed(count=count, personas=personas or ["steady", "worn_shoes"], seed=seed, days=days)
    return fake


def make_source(fake: FakeStrava, *, timeout_s: float = 0.3, margin: float = 0.1) -> StravalibSource:
    return StravalibSource(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=fake.base_url,
                           budget=RequestBudget(margin=margin), timeout_s=timeout_s)


def connect(sessions: sessionmaker[Session], source: StravalibSource, box: SecretBox, strava_id: int,
            email: str | None = None) -> int:
    """What the runner's browser does: authorize, follow the redirect, exchange the code."""
    answer = requests.get(source.authorization_url("http://127.0.0.1/cb", "fault-state"),
                          params={"athlete_id": strava_id}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlparse(answer.headers["Location"]).query)
    with sessions.begin() as session:
        return connect_athlete(session, source, box, code=query["code"][0], granted_scope=query["scope"][0],
                               email=email or f"runner{strava_id}@example.org").athlete_id


def on_call(obj: object, name: str, number: int, action: Callable[[], None]) -> list[Any]:
    """Wrap `obj.name` so that `action` runs just before its `number`-th call (1-based); returns
    the list of what each earlier call returned, for exact "stored so far" assertions."""
    original = getattr(obj, name)
    returned: list[Any] = []
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == number:
            action()
        value = original(*args, **kwargs)
        returned.append(value)
        return value

    setattr(obj, name, wrapper)
    return returned


def stored_raw(sessions: sessionmaker[Session], athlete_id: int) -> dict[int, dict]:
    with sessions.begin() as session:
        rows = session.execute(select(Activity.id, Activity.raw).where(Activity.athlete_id == athlete_id)).all()
    return {row.id: row.raw for row in rows}


def stored_ids(sessions: sessionmaker[Session], athlete_id: int) -> set[int]:
    return set(stored_raw(sessions, athlete_id))


def assert_store_mirrors_fake(sessions: sessionmaker[Session], fake: FakeStrava, strava_id: int,
                              athlete_id: int) -> int:
    """Every activity the fake holds is stored once, as Strava lists it, and nothing else is;
    the sync cursor sits on the newest; the gear the activities use is stored with Strava's
    distance. Returns the number of activities."""
    expected = {record.id: fake.activity_json(record.id) for record in fake.activities(strava_id)}
    with sessions.begin() as session:
        rows = session.scalar(select(func.count()).select_from(Activity).where(Activity.athlete_id == athlete_id))
        state = AthleteRepository(session).sync_state(athlete_id)
        newest, done, error = state.newest_start_utc, state.backfill_done, state.last_error
        gear = {g.id: g.distance_m for g in session.scalars(select(Gear).where(Gear.athlete_id == athlete_id))}
    stored = stored_raw(sessions, athlete_id)
    assert rows == len(stored) == len(expected), (rows, len(stored), len(expected))
    assert set(stored) == set(expected), (sorted(set(expected) - set(stored)), sorted(set(stored) - set(expected)))
    # The stored copy is Strava's record without its location (strava.parse.LOCATION_KEYS).
    changed = [activity_id for activity_id, raw in stored.items() if raw != without_location(expected[activity_id])]
    assert changed == [], changed
    assert done and error is None, (done, error)
    assert newest == max(datetime.fromisoformat(raw["start_date"].replace("Z", "+00:00")) for raw in stored.values())
    used = {raw["gear_id"] for raw in stored.values() if raw.get("gear_id")}
    strava_gear = {record.id: float(round(distance)) for record, distance in fake.gear(strava_id)}  # whole metres
    assert used <= set(gear), f"gear used but never fetched: {sorted(used - set(gear))}"
    assert {gear_id: gear[gear_id] for gear_id in used} == {gear_id: strava_gear[gear_id] for gear_id in used}
    return len(expected)


def outbox_keys(sessions: sessionmaker[Session]) -> list[tuple[str, int, str, str, str]]:
    with sessions.begin() as session:
        rows = session.execute(select(OutboxMessage.recipient_type, OutboxMessage.recipient_id, OutboxMessage.kind,
                                      OutboxMessage.period, OutboxMessage.channel)).all()
    return sorted(tuple(row) for row in rows)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# A fixed instant for delivery tests: the outbox's clock is whatever `now` it is given.
DELIVERY_NOW = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
