"""Fixtures: the web app served by uvicorn against the fake Strava and local mail/push sinks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from web_helpers import WebEnv, web_env


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    with web_env(tmp_path) as started:
        yield started
