"""While Strava keeps the app inactive (API.md §6) the connect page says connecting is paused and
sends nobody to Strava's error page; once the state clears, the button is back."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
from web_helpers import WebEnv

from coaching.services.app_status import app_status
from coaching.store.models import Athlete, StravaAppStatus

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)


def _mark_inactive(env: WebEnv) -> None:
    with env.runtime.sessions.begin() as db:
        db.add(StravaAppStatus(application_id=env.runtime.settings.strava_client_id, inactive_since=NOW,
                               last_refused_at=NOW))


def test_the_connect_page_says_connecting_is_paused_and_sends_nobody_to_strava(env: WebEnv) -> None:
    _mark_inactive(env)
    with env.client() as client:
        landing = client.get("/")
        connect = client.get("/connect")
    assert landing.status_code == 200 and "Connecting is paused" in landing.text
    assert 'href="/connect"' not in landing.text
    assert connect.status_code == 503 and "Connecting is paused" in connect.text
    assert "location" not in connect.headers
    with env.runtime.sessions.begin() as db:
        db.get(StravaAppStatus, env.runtime.settings.strava_client_id).inactive_since = None
    with env.client() as client:
        landing = client.get("/")
    assert "Connecting is paused" not in landing.text and 'href="/connect"' in landing.text


def test_a_code_exchange_refused_as_inactive_pauses_connecting_and_stores_no_runner(env: WebEnv) -> None:
    with env.client() as client:
        location = client.get("/connect").headers["location"]
        consent = httpx.get(location, follow_redirects=False, timeout=10)
        env.fake.set_app_inactive()
        answer = client.get(consent.headers["location"].removeprefix(env.base_url))
        landing = client.get("/")
    assert answer.status_code == 503 and "Connecting is paused" in answer.text
    assert "Connecting is paused" in landing.text
    with env.runtime.sessions.begin() as db:
        assert db.query(Athlete).count() == 0
        assert app_status(db, env.runtime.settings.strava_client_id).inactive
