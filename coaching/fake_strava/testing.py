"""Helpers for driving the fake with the real stravalib client (STRAVALIB.md §4, approach A)."""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

REAL_ORIGIN = "https://www.strava.com"


class RedirectSession(requests.Session):
    """stravalib hard-codes https://www.strava.com; this session sends those requests to
    `base_url` instead, and gives each one a timeout (stravalib sets none)."""

    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if isinstance(url, str) and url.startswith(REAL_ORIGIN):
            url = self.base_url + url[len(REAL_ORIGIN) :]
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(method, url, *args, **kwargs)


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
