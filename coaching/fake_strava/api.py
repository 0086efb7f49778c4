"""Strava's paths and what they answer, independent of the HTTP plumbing in `server.py`."""

from __future__ import annotations

import base64
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Mapping

from coaching.fake_strava import documents, errors
from coaching.fake_strava.config import FakeStravaConfig
from coaching.fake_strava.counters import RequestCounters
from coaching.fake_strava.errors import ApiError
from coaching.fake_strava.oauth import AccessToken, OAuthState, has_scope
from coaching.fake_strava.ratelimit import RateBudget
from coaching.fake_strava.store import FakeStore
from coaching.fake_strava.totals import athlete_stats
from coaching.fake_strava.webhooks import WebhookHub, verify_callback

API = "/api/v3"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: Mapping[str, str]  # case-insensitive (email.message.Message)

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("Authorization") or ""
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def param(self, name: str) -> str | None:
        return self.form.get(name, self.query.get(name))


@dataclass(frozen=True)
class SeenRequest:
    """How a request carried what it carried (names only, never values): what tests of the 2027
    rules read (API.md §6)."""

    route: str
    query_names: frozenset[str]
    form_names: frozenset[str]
    bearer: bool
    basic: bool


@dataclass
class Reply:
    status: int
    body: object = None  # JSON-able; None with status 204 or a redirect
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    handler: str
    locked: bool = True
    new_host: bool = False  # the 2027 shape: the API without the /api/v3 prefix (API.md §6)


def _route(method: str, path: str, handler: str, *, locked: bool = True, new_host: bool = False) -> _Route:
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "/?$")
    return _Route(method, pattern, f"{method} {path}", handler, locked, new_host)


# API.md §6: from 2027-06-01 the API lives at https://www.api-v3.strava.com with no path prefix.
# The fake serves both shapes on one origin; route names tell them apart in its counters.
_API_ROUTES = (
    ("GET", "/athlete", "athlete", True),
    ("GET", "/athlete/activities", "activities", True),
    ("GET", "/activities/{id}", "activity", True),
    ("GET", "/gear/{id}", "gear", True),
    ("GET", "/athletes/{id}/stats", "stats", True),
    ("POST", "/push_subscriptions", "create_subscription", False),
    ("GET", "/push_subscriptions", "list_subscriptions", True),
    ("DELETE", "/push_subscriptions/{id}", "delete_subscription", True),
)


ROUTES = (
    _route("GET", "/oauth/authorize", "authorize"),
    _route("GET", "/oauth/mobile/authorize", "authorize"),
    # Both token paths appear in Strava's docs and clients (API.md §1.2).
    _route("POST", "/oauth/token", "token"),
    _route("POST", f"{API}/oauth/token", "token"),
    # Strava documents /oauth/deauthorize; stravalib 2.6 posts to /api/v3/oauth/deauthorize.
    _route("POST", "/oauth/deauthorize", "deauthorize"),
    _route("POST", f"{API}/oauth/deauthorize", "deauthorize"),
    # API.md §6: RFC 7009 revocation, the client as HTTP Basic, the token in the form body.
    _route("POST", "/oauth/revoke", "revoke"),
    *(_route(method, f"{API}{path}", handler, locked=locked) for method, path, handler, locked in _API_ROUTES),
    *(_route(method, path, handler, locked=locked, new_host=True) for method, path, handler, locked in _API_ROUTES),
)


def match_route(method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
    for route in ROUTES:
        found = route.pattern.match(path)
        if found and route.method == method:
            return route, found.groupdict()
    return None, {}


def route_name(method: str, path: str) -> str:
    route, _ = match_route(method, path)
    return route.name if route else f"{method} (unknown)"


def _basic_auth(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def _int_param(request: Request, name: str, default: int | None) -> int | None:
    value = request.query.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, errors.bad_request("Activity", name)) from None


class Api:
    def __init__(
        self,
        *,
        config: FakeStravaConfig,
        now: Callable[[], float],
        lock: threading.RLock,
        store: FakeStore,
        oauth: OAuthState,
        budget: RateBudget,
        counters: RequestCounters,
        webhooks: WebhookHub,
        athlete_order: list[int],
    ) -> None:
        self.config = config
        self.now = now
        self.lock = lock
        self.store = store
        self.oauth = oauth
        self.budget = budget
        self.counters = counters
        self.webhooks = webhooks
        self.athlete_order = athlete_order
        self.app_inactive = False  # FakeStrava.set_app_inactive: every call answers 403 (API.md §6)
        self.revoke_available = True  # False: /oauth/revoke answers 404, as before Strava opened it
        self.strict_tokens = False  # FakeStrava.set_strict_tokens: the 2027 rule (API.md §6)
        self.tokens_outside_header = 0  # requests strict mode refused
        self.seen: deque[SeenRequest] = deque(maxlen=10_000)  # the latest requests, for tests

    def handle(self, request: Request, injected: str | None = None) -> Reply:
        """Answer one request; `injected` is "500" or "429" to replace the real answer."""
        route, params = match_route(request.method, request.path)
        # API.md §3: the budget covers /api/v3 calls; stravalib skips the /oauth/ ones too.
        budgeted = (request.path.startswith(API + "/") and "/oauth/" not in request.path) or bool(
            route and route.new_host)
        with self.lock:
            self.seen.append(SeenRequest(
                route.name if route else f"{request.method} (unknown)", frozenset(request.query),
                frozenset(request.form), request.bearer is not None,
                (request.headers.get("Authorization") or "").lower().startswith("basic "),
            ))
            if self.app_inactive:
                return Reply(403, errors.APP_INACTIVE)
            if self.strict_tokens and self._token_outside_header(request, route):
                self.tokens_outside_header += 1
                return Reply(401, errors.TOKEN_OUTSIDE_HEADER)
            allowed, headers = self.budget.admit(self.now()) if budgeted else (True, {})
            if not allowed:
                self.counters.rate_limited += 1
                return Reply(429, errors.RATE_LIMITED, headers)
            if injected == "500":
                return Reply(500, errors.SERVER_ERROR, headers)
            if injected == "429":
                return Reply(429, errors.RATE_LIMITED, headers)
            if route is None:
                return Reply(404, errors.UNKNOWN_PATH, headers)
            reply = self._call(route, request, params) if route.locked else None
        if reply is None:  # a handler that must not hold the lock while it calls out
            reply = self._call(route, request, params)
        reply.headers.update(headers)
        return reply

    def _call(self, route: _Route, request: Request, params: dict[str, str]) -> Reply:
        try:
            return getattr(self, f"_{route.handler}")(request, **params)
        except ApiError as error:
            return Reply(error.status, error.body)

    # OAuth -------------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Reply:
        location = self.oauth.authorize(request.query, self.athlete_order)
        return Reply(302, None, {"Location": location})

    def _token(self, request: Request) -> Reply:
        doc, athlete_id = self.oauth.token({**request.query, **request.form})
        if athlete_id is not None:
            doc["athlete"] = documents.summary_athlete(self.store.athletes[athlete_id])
        return Reply(200, doc)

    def _token_outside_header(self, request: Request, route: _Route | None) -> bool:
        """A token in the query or a form field, where from 2027 Strava refuses it. The token
        endpoint takes a refresh token and /oauth/revoke the token to revoke in the form, as specified."""
        allowed = {"token": {"refresh_token", "code"}, "revoke": {"token"}}.get(route.handler if route else "", set())
        known = self.oauth.access.keys() | self.oauth.refresh.keys()
        for source in (request.query, request.form):
            for name, value in source.items():
                if name not in allowed and (name == "access_token" or value in known):
                    return True
        return False

    def _revoke(self, request: Request) -> Reply:
        if not self.revoke_available:
            return Reply(404, errors.UNKNOWN_PATH)
        client = _basic_auth(request.headers.get("Authorization") or "")
        if client != (str(self.config.client_id), self.config.client_secret):
            raise ApiError(401, errors.INVALID_CLIENT)
        athlete_id = self.oauth.revoke_token(request.form.get("token") or "")
        if athlete_id is not None:
            self.webhooks.emit("athlete", athlete_id, "update", athlete_id, {"authorized": "false"})
        return Reply(200, {})  # RFC 7009 §2.2: 200 whether or not the token was known

    def _deauthorize(self, request: Request) -> Reply:
        token = request.bearer or request.param("access_token")
        athlete_id = self.oauth.owner_of(token)
        doc = self.oauth.deauthorize(token)
        if athlete_id is not None:
            self.webhooks.emit("athlete", athlete_id, "update", athlete_id, {"authorized": "false"})
        return Reply(200, doc)

    # Resources ---------------------------------------------------------------------------

    def _token_for_activities(self, request: Request) -> AccessToken:
        token = self.oauth.authenticate(request.bearer)
        if not has_scope(token, "activity:read", "activity:read_all"):
            raise ApiError(401, errors.missing_scope("activity:read"))
        return token

    def _athlete(self, request: Request) -> Reply:
        token = self.oauth.authenticate(request.bearer)
        athlete = self.store.athletes[token.athlete_id]
        detailed = has_scope(token, "profile:read_all") or not self.config.detailed_athlete_needs_profile_scope
        if not detailed:
            return Reply(200, documents.summary_athlete(athlete))
        gear = [(g, self.store.gear_distance_m(g.id)) for g in self.store.athlete_gear(athlete.id)]
        return Reply(200, documents.detailed_athlete(athlete, gear))

    def _activities(self, request: Request) -> Reply:
        token = self._token_for_activities(request)
        page = max(1, _int_param(request, "page", 1) or 1)
        per_page = _int_param(request, "per_page", self.config.default_per_page) or self.config.default_per_page
        per_page = min(max(per_page, 1), self.config.max_per_page)
        records = self.store.list_activities(
            token.athlete_id,
            include_private=has_scope(token, "activity:read_all"),
            before=_int_param(request, "before", None),
            after=_int_param(request, "after", None),
            page=page,
            per_page=per_page,
        )
        return Reply(200, [documents.summary_activity(r) for r in records])

    def _activity(self, request: Request, id: str) -> Reply:
        token = self._token_for_activities(request)
        record = self.store.activities.get(int(id)) if id.isdigit() else None
        hidden = record is not None and record.private and not has_scope(token, "activity:read_all")
        if record is None or record.athlete_id != token.athlete_id or hidden:
            raise ApiError(404, errors.not_found("Activity"))
        gear = self.store.gear.get(record.gear_id) if record.gear_id else None
        distance = self.store.gear_distance_m(gear.id) if gear else 0.0
        athlete = self.store.athletes.get(record.athlete_id)
        return Reply(200, documents.detailed_activity(record, gear, distance, athlete))

    def _gear(self, request: Request, id: str) -> Reply:
        self.oauth.authenticate(request.bearer)
        gear = self.store.gear.get(id)
        if gear is None:
            raise ApiError(404, errors.not_found("Gear"))
        owner = self.store.athletes.get(gear.athlete_id)
        return Reply(200, documents.detailed_gear(gear, self.store.gear_distance_m(id), owner))

    def _stats(self, request: Request, id: str) -> Reply:
        token = self.oauth.authenticate(request.bearer)
        if not id.isdigit() or int(id) != token.athlete_id:  # only the authenticated athlete's
            raise ApiError(401, errors.fault("Authorization Error", "Athlete", "id", "invalid"))
        activities = self.store.activities_by_athlete.get(token.athlete_id, [])
        return Reply(200, athlete_stats(activities, self.now()))

    # Push subscriptions (client credentials instead of a bearer token) --------------------

    def _check_app(self, request: Request) -> None:
        client_id = request.param("client_id") or ""
        if not client_id.isdigit() or int(client_id) != self.config.client_id:
            raise ApiError(400, errors.INVALID_CLIENT)
        if request.param("client_secret") != self.config.client_secret:
            raise ApiError(400, errors.INVALID_SECRET)

    def _create_subscription(self, request: Request) -> Reply:
        with self.lock:
            self._check_app(request)
            if self.webhooks.subscription is not None:
                raise ApiError(400, errors.bad_request("PushSubscription", "", "already exists"))
        callback_url = request.param("callback_url") or ""
        if not callback_url or len(callback_url) > 255:
            raise ApiError(400, errors.bad_request("PushSubscription", "callback url"))
        # The callback may call back into the fake: verify without holding the lock.
        verify_callback(callback_url, request.param("verify_token") or "", self.config.webhook_timeout_s)
        with self.lock:
            subscription = self.webhooks.create(callback_url)
            return Reply(201, subscription.doc(self.config.client_id))

    def _list_subscriptions(self, request: Request) -> Reply:
        self._check_app(request)
        current = self.webhooks.subscription
        return Reply(200, [current.doc(self.config.client_id)] if current else [])

    def _delete_subscription(self, request: Request, id: str) -> Reply:
        self._check_app(request)
        self.webhooks.delete(int(id) if id.isdigit() else -1)
        return Reply(204, None)
