"""Helpers for driving the fake with the real stravalib client (STRAVALIB.md §4, approach A)."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from coaching.strava.client import StravaHttpSession

REAL_ORIGIN = "https://www.strava.com"


# stravalib hard-codes https://www.strava.com: the production adapter's session points it elsewhere.
RedirectSession = StravaHttpSession


def stravalib_client(base_url: str, access_token: str | None = None, *, timeout_s: float = 10.0) -> Any:
    """A stravalib Client on a RedirectSession, with rate limiting off (it would sleep)."""
    # stravalib warns on the root logger for every client built without its env vars.
    os.environ.setdefault("SILENCE_TOKEN_WARNINGS", "true")
    from stravalib import Client

    return Client(
        access_token=access_token,
        rate_limit_requests=False,
        requests_session=RedirectSession(base_url, timeout_s),
    )


def follow_authorize(url: str, timeout_s: float = 10.0) -> dict[str, str]:
    """GET an authorize URL like a browser would and return the redirect's query parameters
    (`code`, `scope`, `state` or `error`) without following it."""
    response = requests.get(url, allow_redirects=False, timeout=timeout_s)
    if response.status_code != 302:
        raise AssertionError(f"authorize answered {response.status_code}: {response.text}")
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return {key: values[0] for key, values in query.items()}


class OffsetClock:
    """A clock that starts at `start` and then runs at the real pace (so leases, timeouts and rate
    windows behave as in production), plus an offset that tests move forward: one clock for the
    fake (token expiry, rate windows) and for our code (refresh margin), without freezing time and
    without reading the wall clock's date or hour."""

    def __init__(self, start: datetime) -> None:
        self._start_s = start.timestamp()
        self._started = time.monotonic()
        self.offset_s = 0.0

    def __call__(self) -> float:
        return self._start_s + (time.monotonic() - self._started) + self.offset_s

    def now(self) -> datetime:
        return datetime.fromtimestamp(self(), tz=timezone.utc)

    def advance(self, seconds: float) -> None:
        self.offset_s += seconds


class FakeClock:
    """An injectable clock: starts at `start_s` and moves only when told to."""

    def __init__(self, start_s: float) -> None:
        self._now_s = float(start_s)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now_s

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now_s += seconds

    def set(self, now_s: float) -> None:
        with self._lock:
            self._now_s = float(now_s)
