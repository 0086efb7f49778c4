"""Fixtures: a hostile Strava, our client on it, and a runner connected to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coaching.crypto import SecretBox
from coaching.store.db import make_engine, upgrade
from coaching.strava.client import StravalibSource
from tests.bad_input.hostile_strava import HostileStrava, connected_athlete, source_for


@pytest.fixture
def hostile() -> Iterator[HostileStrava]:
    with HostileStrava() as running:
        yield running


@pytest.fixture
def source(hostile: HostileStrava) -> StravalibSource:
    return source_for(hostile)


@pytest.fixture
def athlete_id(sessions: sessionmaker[Session], box: SecretBox) -> int:
    return connected_athlete(sessions, box)


@pytest.fixture
def sqlite_sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """For answers rejected before the store (or where the database makes no difference): SQLite
    only; records that reach the store go through the root `sessions` fixture, both databases."""
    engine = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    upgrade(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def sqlite_athlete_id(sqlite_sessions: sessionmaker[Session], box: SecretBox) -> int:
    return connected_athlete(sqlite_sessions, box)
