from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.fake_strava.testing import OffsetClock
from coaching.services.connect import connect_athlete
from coaching.strava.budget import RequestBudget
from coaching.strava.client import StravalibSource
from tests.clock import make_clock

CLIENT_ID, CLIENT_SECRET = 4321, "test-secret"


Clock = OffsetClock  # the suite's instant plus an offset the tests move


@pytest.fixture
def clock() -> Clock:
    return make_clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeStrava]:
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET), now=clock)
    fake.seed(count=2, personas=["steady", "long_run_spike"], seed=7)
    with fake:
        yield fake


@pytest.fixture
def source(fake: FakeStrava) -> StravalibSource:
    return StravalibSource(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=fake.base_url,
                           budget=RequestBudget(margin=0.1), timeout_s=3.0)


def authorize(source: StravalibSource, strava_id: int) -> tuple[str, str]:
    """What the runner's browser does: authorize, follow the redirect, read code and scope."""
    answer = requests.get(source.authorization_url("http://127.0.0.1/cb", "state-1"),
                          params={"athlete_id": strava_id}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    query = parse_qs(urlparse(answer.headers["Location"]).query)
    assert query["state"] == ["state-1"]
    return query["code"][0], query["scope"][0]


def connect(sessions, source: StravalibSource, box, strava_id: int) -> int:
    code, scope = authorize(source, strava_id)
    with sessions.begin() as session:
        return connect_athlete(session, source, box, code=code, granted_scope=scope, email="r@example.org").athlete_id
