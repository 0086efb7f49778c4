"""Constants and helpers shared by the fake Strava tests."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from coaching.fake_strava import FakeStrava
from coaching.fake_strava.testing import follow_authorize, stravalib_client

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "strava"
END_DATE = date(2026, 11, 24)
# The morning after END_DATE, 08:00 UTC: every seeded activity has started by then.
START_S = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc).timestamp()
CLIENT_ID = 1234
SECRET = "fake-secret"
REDIRECT = "http://127.0.0.1:9/strava/callback"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def connect(
    fake: FakeStrava, athlete_id: int, scopes: tuple[str, ...] = ("read", "activity:read_all", "profile:read_all")
) -> tuple[Any, dict]:
    """The real consent flow: authorize (auto-approved), then exchange the code with stravalib.
    Returns the client, holding the access token, and the token answer."""
    query = follow_authorize(fake.authorize_url(REDIRECT, athlete_id=athlete_id, scopes=scopes, state="s"))
    client = stravalib_client(fake.base_url, timeout_s=5.0)
    access = client.exchange_code_for_token(CLIENT_ID, SECRET, query["code"])
    return client, dict(access)
