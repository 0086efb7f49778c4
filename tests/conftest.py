"""Shared fixtures: databases (SQLite always, PostgreSQL when COACH_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

# Prefect reads its settings at import: keep test output quiet and offline.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("SILENCE_TOKEN_WARNINGS", "true")

import pytest
from sqlalchemy import Engine, text

if os.environ.get("COACH_TEST_TRAVEL") == "1":
    # The clock sweep (tests/clock_sweep.py): this process's wall clock starts at the suite's
    # instant too, and ticks on from it, so that any read of the real clock shows up there.
    import time_machine

    from tests.clock import TEST_NOW

    time_machine.travel(TEST_NOW, tick=True).start()
from sqlalchemy.orm import Session, sessionmaker

from coaching.crypto import SecretBox, generate_key
from coaching.store.db import make_engine, upgrade


def _postgres_url() -> str | None:
    url = os.environ.get("COACH_TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("COACH_REQUIRE_POSTGRES") == "1":
        pytest.fail("COACH_REQUIRE_POSTGRES=1 but COACH_TEST_DATABASE_URL is not set")
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A migrated database: a fresh SQLite file, or a fresh schema in the test PostgreSQL."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL not configured (set COACH_TEST_DATABASE_URL)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([generate_key()])
