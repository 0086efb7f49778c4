"""Fixtures: a fake Strava on 127.0.0.1 with a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import pytest

from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.fake_strava.testing import FakeClock
from fake_strava_helpers import CLIENT_ID, END_DATE, SECRET, START_S


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START_S)


@pytest.fixture
def make_fake(clock: FakeClock) -> Iterator[Callable[..., FakeStrava]]:
    """Build, seed and start fakes; all are stopped after the test."""
    started: list[FakeStrava] = []

    def build(count: int = 2, personas: list[str] | None = None, days: int = 90, **config: Any) -> FakeStrava:
        config.setdefault("timeout_fault_s", 2.0)
        fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=SECRET, **config), now=clock)
        fake.seed(count=count, end_date=END_DATE, personas=personas or ["steady"], seed=42, days=days)
        started.append(fake.start())
        return fake

    yield build
    for fake in started:
        fake.stop()


@pytest.fixture
def fake(make_fake: Callable[..., FakeStrava]) -> FakeStrava:
    return make_fake()
