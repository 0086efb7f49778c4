"""Fixtures for the fault tests: a fake Strava with sixty days of two runners, and our client on it
with a short timeout (a held request gives up in half a second, not thirty)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coaching.fake_strava import FakeStrava
from coaching.strava.client import StravalibSource
from tests.faults.fault_env import Clock, make_fake, make_source


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeStrava]:
    with make_fake(clock) as running:
        yield running


@pytest.fixture
def source(fake: FakeStrava) -> StravalibSource:
    return make_source(fake)
