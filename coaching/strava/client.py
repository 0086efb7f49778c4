"""StravalibSource: our port to Strava, built on stravalib's protocol layer over real HTTP.

We keep Strava's raw JSON (stravalib's models drop unknown keys, turn unknown sport types into
"Workout" and reject fractional values in int fields) and parse it ourselves in `parse.py`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping, TypeVar

import requests
from stravalib import Client
from stravalib.protocol import ApiV3
from stravalib.util.limiter import RateLimiter

from coaching.strava.budget import RequestBudget
from coaching.settings import REAL_STRAVA_URL
from coaching.strava.endpoints import StravaEndpoints
from coaching.strava.errors import NotFound, translate
from coaching.strava.gate import ApplicationGate

T = TypeVar("T")

# Scopes the pipeline asks for: private activities are part of training load.
REQUESTED_SCOPES = ["read", "activity:read_all"]


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_at: int
    athlete: dict | None = None

    def __repr__(self) -> str:  # never print tokens
        return f"TokenGrant(expires_at={self.expires_at}, athlete={'yes' if self.athlete else 'no'})"


class StravaHttpSession(requests.Session):
    """Points stravalib (which hard-codes https://www.strava.com for OAuth) at another origin, e.g.
    the fake, and gives every request a timeout (stravalib sets none). `hosts` maps further real
    origins to where they are (the tests point https://www.api-v3.strava.com at the fake)."""

    def __init__(self, api_url: str, timeout_s: float, hosts: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.origin = api_url.rstrip("/")
        self.timeout_s = timeout_s
        self.hosts = {REAL_STRAVA_URL: self.origin, **{k.rstrip("/"): v.rstrip("/") for k, v in (hosts or {}).items()}}

    def rewrite(self, url: str) -> str:
        for real, there in self.hosts.items():
            if real != there and (url == real or url.startswith(real + "/") or url.startswith(real + "?")):
                return there + url[len(real):]
        return url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if isinstance(url, str):
            url = self.rewrite(url)
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(method, url, *args, **kwargs)


class _OriginLog(logging.LoggerAdapter):
    """stravalib's protocol logs each request's URL (`GET 'https://www.strava.com/api/v3/...'`)
    before our session sends it elsewhere: log the origin it really goes to."""

    def __init__(self, logger: logging.Logger, origin: str) -> None:
        super().__init__(logger, {})
        self.origin = origin

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return (msg.replace(REAL_STRAVA_URL, self.origin) if isinstance(msg, str) else msg), kwargs


class _BudgetRecorder(RateLimiter):
    """Replaces stravalib's sleeping limiter: record the headers, never sleep."""

    def __init__(self, budget: RequestBudget) -> None:
        super().__init__()
        self.budget = budget

    def __call__(self, response_headers: Mapping[str, str], method: str = "GET") -> None:  # type: ignore[override]
        self.budget.record(response_headers)


class StravalibSource:
    def __init__(
        self,
        *,
        client_id: int,
        client_secret: str,
        api_url: str = REAL_STRAVA_URL,
        budget: RequestBudget | None = None,
        timeout_s: float = 30.0,
        gate: ApplicationGate | None = None,
        hosts: Mapping[str, str] | None = None,
    ) -> None:
        # stravalib warns on the root logger for every client built without its env vars; we refresh
        # tokens ourselves (with a margin, persisting the rotated token), so silence it.
        os.environ.setdefault("SILENCE_TOKEN_WARNINGS", "true")
        self.client_id = client_id
        self._client_secret = client_secret
        self.api_url = api_url.rstrip("/")
        self.endpoints = StravaEndpoints.from_url(self.api_url)
        self.budget = budget or RequestBudget()
        # Shared by every source of one run (Runtime.strava_gate): an inactive app is asked once.
        self.gate = gate or ApplicationGate()
        self.timeout_s = timeout_s
        self.hosts = dict(hosts or {})
        self._session = self.http_session()

    def http_session(self) -> StravaHttpSession:
        """A session for calls made beside this source's (the push subscription's)."""
        return StravaHttpSession(self.endpoints.oauth_base, self.timeout_s, self.hosts)

    def __repr__(self) -> str:
        return f"StravalibSource(api_url={self.api_url!r}, client_id={self.client_id})"

    def _protocol(self, access_token: str | None = None) -> ApiV3:
        client = Client(
            access_token=access_token,
            rate_limiter=_BudgetRecorder(self.budget),
            requests_session=self._session,
        )
        if self.api_url != REAL_STRAVA_URL:
            client.protocol.log = _OriginLog(client.protocol.log, self.api_url)  # type: ignore[assignment]
        return client.protocol

    def _call(self, what: str, fn: Callable[[], T], *, spends_budget: bool = True) -> T:
        def attempt() -> T:
            if spends_budget:
                self.budget.check()
            try:
                return fn()
            except Exception as error:  # translated once, here
                raise translate(error, what) from error

        return self.gate.call(what, attempt)

    # OAuth ---------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str, state: str, approval_prompt: str = "auto") -> str:
        url = Client().authorization_url(
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            scope=REQUESTED_SCOPES,
            state=state,
            approval_prompt=approval_prompt,  # type: ignore[arg-type]
        )
        return self._session.rewrite(url)

    def exchange_code(self, code: str) -> TokenGrant:
        protocol = self._protocol()
        access, athlete = self._call(
            "token exchange",
            lambda: protocol.exchange_code_for_token(self.client_id, self._client_secret, code, return_athlete=True),
            spends_budget=False,
        )
        return TokenGrant(access["access_token"], access["refresh_token"], int(access["expires_at"]), athlete)

    def refresh(self, refresh_token: str) -> TokenGrant:
        protocol = self._protocol()
        access = self._call(
            "token refresh",
            lambda: protocol.refresh_access_token(self.client_id, self._client_secret, refresh_token),
            spends_budget=False,
        )
        return TokenGrant(access["access_token"], access["refresh_token"], int(access["expires_at"]))

    def disconnect(self, access_token: str) -> str:
        """Drop our access to the athlete: `POST /oauth/revoke` (RFC 7009, the client's id and
        secret as HTTP Basic; revoking either token revokes both, API.md §6), and only while a
        Strava answers 404 for it, `POST /oauth/deauthorize` (retired on 2027-06-01). Returns the
        endpoint that did it."""
        try:
            self._call("revoke", lambda: self._revoke(access_token), spends_budget=False)
            return "revoke"
        except NotFound:
            pass
        protocol = self._protocol(access_token)
        # An absolute URL: stravalib would prefix /api/v3 to a relative one (STRAVALIB.md §2).
        self._call("deauthorize", lambda: protocol.post(self.endpoints.oauth("deauthorize")), spends_budget=False)
        return "deauthorize"

    def _revoke(self, token: str) -> None:
        response = self._session.post(
            self.endpoints.oauth("revoke"), auth=(str(self.client_id), self._client_secret),
            data={"token": token, "token_type_hint": "access_token"},
        )
        response.raise_for_status()  # an HTTPError carries the response: `translate` reads it

    # Reads ---------------------------------------------------------------------------------

    def list_activities(
        self,
        access_token: str,
        *,
        after: datetime | None = None,
        before: datetime | None = None,
        page: int = 1,
        per_page: int = 200,
    ) -> list[dict]:
        params: dict[str, int] = {"page": page, "per_page": per_page}
        if after is not None:
            params["after"] = int(after.timestamp())
        if before is not None:
            params["before"] = int(before.timestamp())
        protocol = self._protocol(access_token)
        result = self._call("list activities", lambda: protocol.get(self.endpoints.api("athlete/activities"), **params))
        if not isinstance(result, list):
            raise translate(ValueError("activity list is not a JSON list"), "list activities")
        return result

    def get_athlete(self, access_token: str) -> dict:
        protocol = self._protocol(access_token)
        return self._call("get athlete", lambda: protocol.get(self.endpoints.api("athlete")))

    def get_activity(self, access_token: str, activity_id: int) -> dict:
        protocol = self._protocol(access_token)
        return self._call("get activity", lambda: protocol.get(self.endpoints.api(f"activities/{int(activity_id)}")))

    def get_gear(self, access_token: str, gear_id: str) -> dict:
        protocol = self._protocol(access_token)
        return self._call("get gear", lambda: protocol.get(self.endpoints.api(f"gear/{gear_id}")))
