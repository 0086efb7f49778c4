"""Cookies and logs: secure cookies behind https, and no signed link or OAuth code in access logs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
from web_helpers import CLIENT_ID, LINK_SECRET, SECRET

from coaching.crypto import generate_key
from coaching.runtime import Runtime
from coaching.settings import Settings
from coaching.web import create_app
from coaching.store.db import make_engine, upgrade
from coaching.web.security import QueryRedactingFilter


def test_cookies_are_secure_when_the_app_is_served_over_https(tmp_path: Path) -> None:
    # /connect reads the app's Strava state and capacity: the database must be migrated.
    database_url = f"sqlite:///{tmp_path / 'coach.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(
        database_url=database_url, strava_client_id=CLIENT_ID, strava_client_secret=SECRET,
        token_key=generate_key(), link_secret=LINK_SECRET, public_url="https://coach.example.org",
        strava_redirect_uri="https://coach.example.org/strava/callback",
    )

    async def visit() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(Runtime(settings)))
        async with httpx.AsyncClient(transport=transport, base_url="https://coach.example.org") as client:
            return await client.get("/connect")

    answer = asyncio.run(visit())
    cookie = answer.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert answer.headers["location"].startswith("https://www.strava.com/oauth/authorize?")
    assert "redirect_uri=https%3A%2F%2Fcoach.example.org%2Fstrava%2Fcallback" in answer.headers["location"]


def test_access_log_lines_lose_their_query_string() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/strava/callback?state=s&code=SECRETCODE", "1.1", 303), None)
    assert QueryRedactingFilter().filter(record)
    assert "SECRETCODE" not in record.getMessage()
    assert '"GET /strava/callback?[redacted] HTTP/1.1" 303' in record.getMessage()
