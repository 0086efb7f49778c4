"""Fixtures: the web app served by uvicorn against the fake Strava and local mail/push sinks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import LiveServer, WebEnv, migrated_sqlite_file, web_env


@pytest.fixture(scope="session")
def server() -> Iterator[LiveServer]:
    live = LiveServer()
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_file(tmp_path_factory.mktemp("template"))


@pytest.fixture
def env(tmp_path: Path, template_db: Path, server: LiveServer) -> Iterator[WebEnv]:
    with web_env(tmp_path, server=server, template_db=template_db) as started:
        yield started
