"""Helpers for the scale tests: athletes straight into the store, a runtime on the test database."""

from __future__ import annotations

import itertools
import os
import socket
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from coaching.crypto import generate_key
from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.runtime import Runtime
from coaching.settings import Settings
from coaching.store.models import Athlete
from tests.clock import make_clock

# The benchmark's bulk preload doubles as a fixture: these tests also check that what it stores is
# what the pipeline takes for connected, back-filled athletes.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from night_seed import preload  # noqa: E402,F401

CLIENT_ID, CLIENT_SECRET = 5150, "scale-secret"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
_strava_ids = itertools.count(9_000_000)


def add_athletes(sessions: sessionmaker[Session], zones: list[str], *, connected: bool = True) -> list[int]:
    with sessions.begin() as session:
        rows = [
            Athlete(strava_id=next(_strava_ids), first_name=f"Runner{index}",
                    timezone=zone, connected=connected, threshold_overrides={})
            for index, zone in enumerate(zones)
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def runtime_on(engine: Engine, strava_api_url: str, clock: Callable[[], datetime] | None = None) -> Runtime:
    """A runtime whose database is the fixture's (on PostgreSQL: a schema of its own), on the
    suite's clock unless told otherwise."""
    runtime = Runtime(Settings(
        database_url="sqlite://", strava_api_url=strava_api_url, strava_client_id=CLIENT_ID,
        strava_client_secret=CLIENT_SECRET, token_key=generate_key(), link_secret="scale-link-secret",
        strava_request_timeout_s=5.0, smtp_host="127.0.0.1", smtp_port=9, smtp_mode="insecure",
    ), clock=clock or make_clock().now)
    runtime.engine = engine  # type: ignore[misc]  (a cached_property: set once, before first use)
    return runtime


def roomy_fake(*, count: int, seed: int, days: int) -> FakeStrava:
    """A seeded fake on the suite's clock whose request budget no test night comes near (the
    budget tests lower it)."""
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                       read_limit_15min=10_000, read_limit_daily=100_000,
                                       overall_limit_15min=10_000, overall_limit_daily=100_000), now=make_clock())
    fake.seed(count=count, seed=seed, days=days)  # up to each runner's own yesterday
    return fake


def clock_of(fake: FakeStrava) -> Callable[[], datetime]:
    """The fake's clock as our code reads one: one clock for both sides of a test."""
    return lambda: datetime.fromtimestamp(fake.now(), tz=timezone.utc)


def preloaded_runtime(engine: Engine, fake: FakeStrava) -> tuple[Runtime, list[int]]:
    """Every athlete of the fake connected and back-filled an hour ago (stored directly, as the
    benchmark does)."""
    runtime = runtime_on(engine, fake.base_url, clock=clock_of(fake))
    return runtime, preload(runtime, fake, fake.athlete_ids, runtime.clock() - timedelta(hours=1))


def url_of(engine: Engine) -> str:
    """A URL another process (a flow, the CLI) can open on the fixture's database (on PostgreSQL:
    its own schema)."""
    if engine.dialect.name == "sqlite":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as connection:
        schema = connection.execute(text("select current_schema()")).scalar_one()
    base = os.environ["COACH_TEST_DATABASE_URL"]
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
