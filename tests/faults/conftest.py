"""Fixtures for the fault tests: a fake Strava with sixty days of two runners, and our client on it
with a short timeout (a held request gives up in 0.3 s, not thirty)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coaching.fake_strava import FakeStrava
from coaching.store.db import make_engine, upgrade
from coaching.strava.client import StravalibSource
from tests.clock import make_clock
from tests.faults.fault_env import Clock, make_fake, make_source


@pytest.fixture
def clock() -> Clock:
    return make_clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeStrava]:
    with make_fake(clock) as running:
        yield running


@pytest.fixture
def source(fake: FakeStrava) -> StravalibSource:
    return make_source(fake)


@pytest.fixture
def sqlite_sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """For faults on the HTTP side, where the database makes no difference: SQLite only (the
    page-transaction tests run on both databases through the root `sessions` fixture)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    upgrade(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
