"""Browser-side security: signed cookies (the session and the OAuth state), CSRF tokens, headers.

Everything is signed with the link secret, each use under its own purpose, so a token made for one
purpose (an email's preferences link, the OAuth state) never passes as another (a session).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Awaitable, Callable

from fastapi import Request, Response
from starlette.types import ASGIApp

from coaching import links
from coaching.clock import Clock, wall_clock
from coaching.store.models import MAX_ROW_ID

SESSION_COOKIE = "coach_session"
STATE_COOKIE = "coach_oauth_state"
SESSION_LIFETIME_S = 12 * 3600
# Strava's consent page is quick; a state older than this is a stale tab or a replay.
STATE_LIFETIME_S = 15 * 60

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Signed links carry a token in their query: never send it to another site.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True)
class WebSession:
    athlete_id: int
    strava_id: int  # an internal id can come back after an erasure (SQLite reuses the highest)
    nonce: str


@dataclass(frozen=True)
class SignedLink:
    athlete_id: int
    expires_at_s: int


class Signer:
    def __init__(self, secret: str, *, secure_cookies: bool, clock: Clock = wall_clock) -> None:
        self._secret = secret
        self.secure_cookies = secure_cookies
        self._clock = clock
        self._spent_states = SpentStates(STATE_LIFETIME_S)

    # The browser session, right after the OAuth callback or a signed email link ---------------

    def _now_s(self) -> float:
        return self._clock().timestamp()

    def start_session(self, response: Response, athlete_id: int, strava_id: int) -> WebSession:
        session = WebSession(athlete_id, strava_id, secrets.token_urlsafe(16))
        expires = int(self._now_s() + SESSION_LIFETIME_S)
        value = links.sign(self._secret, "web-session", f"{athlete_id}:{strava_id}:{session.nonce}", expires)
        self._set(response, SESSION_COOKIE, value, SESSION_LIFETIME_S)
        return session

    def session(self, request: Request) -> WebSession | None:
        value = request.cookies.get(SESSION_COOKIE)
        if not value:
            return None
        try:
            subject = links.verify(self._secret, "web-session", value, self._now_s())
            athlete_text, strava_text, nonce = subject.split(":", 2)
            return WebSession(int(athlete_text), int(strava_text), nonce)
        except (links.BadLink, ValueError):
            return None

    def end_session(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=self.secure_cookies, httponly=True, samesite="lax")

    def csrf_token(self, session: WebSession) -> str:
        message = f"csrf:{session.athlete_id}:{session.nonce}".encode()
        return hmac.new(self._secret.encode(), message, hashlib.sha256).hexdigest()

    def csrf_ok(self, session: WebSession, token: str | None) -> bool:
        # Bytes, not str: compare_digest raises TypeError on non-ASCII text, and a posted token may hold any.
        return bool(token) and hmac.compare_digest(self.csrf_token(session).encode(),
                                                   (token or "").encode("utf-8", "surrogatepass"))

    # OAuth state: bound to this browser by a cookie, so a callback from someone else's flow fails --

    def new_state(self, response: Response) -> str:
        state = secrets.token_urlsafe(24)
        value = links.sign(self._secret, "oauth-state", state, int(self._now_s() + STATE_LIFETIME_S))
        self._set(response, STATE_COOKIE, value, STATE_LIFETIME_S)
        return state

    def state_ok(self, request: Request, state: str | None) -> bool:
        value = request.cookies.get(STATE_COOKIE)
        if not value or not state:
            return False
        try:
            expected = links.verify(self._secret, "oauth-state", value, self._now_s())
        except links.BadLink:
            return False
        return hmac.compare_digest(expected.encode(), state.encode("utf-8", "surrogatepass"))

    def spend_state(self, state: str) -> bool:
        """True the first time a (valid) state comes back, False ever after: a captured callback
        URL with its state cookie cannot be replayed, even with a fresh code."""
        return self._spent_states.spend(state, self._now_s())

    def clear_state(self, response: Response) -> None:
        response.delete_cookie(STATE_COOKIE, path="/", secure=self.secure_cookies, httponly=True, samesite="lax")

    # Signed links from emails ----------------------------------------------------------------

    def verify_link(self, token: str | None, purpose: str = "preferences") -> SignedLink | None:
        if not token:
            return None
        try:
            athlete_id = int(links.verify(self._secret, purpose, token, self._now_s()))
            if not 0 < athlete_id <= MAX_ROW_ID:  # no athlete's key: a database error otherwise
                return None
            return SignedLink(athlete_id, links.expires_at_s(token))
        except (links.BadLink, ValueError, IndexError):
            return None

    def _set(self, response: Response, name: str, value: str, max_age_s: int) -> None:
        response.set_cookie(
            name, value, max_age=max_age_s, path="/", httponly=True, samesite="lax", secure=self.secure_cookies
        )


class SpentStates:
    """OAuth states already used, kept until they would have expired anyway (then the signature
    refuses them). In memory: the web app is one process (`coach web`), like its back-fill pool."""

    def __init__(self, lifetime_s: float) -> None:
        self._lifetime_s = lifetime_s
        self._spent: OrderedDict[str, float] = OrderedDict()  # digest -> forget after; in spending order
        self._lock = threading.Lock()

    def spend(self, state: str, now_s: float) -> bool:
        digest = hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            while self._spent and next(iter(self._spent.values())) < now_s:
                self._spent.popitem(last=False)
            if digest in self._spent:
                return False
            self._spent[digest] = now_s + self._lifetime_s
            return True

    def __len__(self) -> int:
        return len(self._spent)


class SecurityHeaders:
    """Pure ASGI middleware: the headers on every answer, and no caching of personal pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Callable[[dict], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                if not is_static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class QueryRedactingFilter(logging.Filter):
    """Access logs drop query strings: they carry signed links (`?t=`) and OAuth codes."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (args[0], args[1], args[2].split("?", 1)[0] + "?[redacted]", args[3], args[4])
        return True


def redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryRedactingFilter) for f in access.filters):
        access.addFilter(QueryRedactingFilter())
