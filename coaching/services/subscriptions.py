"""The application's one Strava push subscription (API.md §4): create, show, delete.

Creating it makes Strava GET our callback at once (the web app must already be reachable there)
with the verify token derived from the link secret. The subscription id is stored so that events
naming any other id are dropped. Calls authenticate with the client secret, which stravalib puts in
the URL for the listing: errors are re-raised without their cause so that it never reaches a log.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Mapping, TypeVar

from sqlalchemy import delete, select
from stravalib import Client

from coaching.runtime import Runtime
from coaching.store.models import PushSubscription
from coaching.strava.errors import NotFound, StravaError, translate

T = TypeVar("T")


@dataclass(frozen=True)
class SubscriptionInfo:
    id: int
    callback_url: str
    stored_here: bool  # False: Strava has it but this database does not know it (events are dropped)


def verify_token_for(link_secret: str) -> str:
    """The hub.verify_token we give Strava, derived from the link secret so that the CLI that
    subscribes and the web app that answers the validation GET agree without storing it."""
    return hmac.new(link_secret.encode(), b"strava-webhook-verify-token", hashlib.sha256).hexdigest()[:40]


def validation_challenge(query: Mapping[str, str], expected_token: str) -> str | None:
    """The challenge to echo, or None when this is not a validation GET with our token."""
    token, challenge = query.get("hub.verify_token", ""), query.get("hub.challenge", "")
    if query.get("hub.mode") != "subscribe" or not challenge or len(challenge) > 200:
        return None
    return challenge if hmac.compare_digest(token.encode(), expected_token.encode()) else None


def default_callback_url(runtime: Runtime) -> str:
    return f"{runtime.settings.public_url.rstrip('/')}/strava/webhook"


def _client(runtime: Runtime) -> Client:
    return Client(rate_limit_requests=False, requests_session=runtime.strava.http_session())


def _url(runtime: Runtime, path: str) -> str:
    return runtime.strava.endpoints.api(path)  # absolute: the 2027 host has no /api/v3 prefix


def _call(what: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except Exception as error:
        raise translate(error, what) from None  # the cause's message may hold the client secret


def subscribe(runtime: Runtime, callback_url: str | None = None) -> SubscriptionInfo:
    client_id, client_secret = runtime.settings.require_strava_app()
    url = callback_url or default_callback_url(runtime)
    if len(url) > 255:
        raise ValueError("Strava accepts callback URLs of at most 255 characters")
    token = verify_token_for(runtime.settings.require_link_secret())
    created = _call(
        "create push subscription",
        lambda: _client(runtime).protocol.post(
            _url(runtime, "push_subscriptions"),
            data={"client_id": client_id, "client_secret": client_secret, "callback_url": url, "verify_token": token},
        ),
    )
    subscription_id = int(created["id"])
    with runtime.sessions.begin() as session:
        session.execute(delete(PushSubscription))
        session.add(PushSubscription(id=subscription_id, callback_url=str(created.get("callback_url") or url)[:255]))
    return SubscriptionInfo(subscription_id, url, True)


def show(runtime: Runtime) -> list[SubscriptionInfo]:
    client_id, client_secret = runtime.settings.require_strava_app()
    listed: Any = _call(
        "list push subscriptions",
        lambda: _client(runtime).protocol.get(_url(runtime, "push_subscriptions"), client_id=client_id, client_secret=client_secret),
    )
    if not isinstance(listed, list):
        raise StravaError("list push subscriptions: Strava's answer is not a list")
    with runtime.sessions.begin() as session:
        stored = set(session.scalars(select(PushSubscription.id)))
    return [
        SubscriptionInfo(int(item["id"]), str(item.get("callback_url") or ""), int(item["id"]) in stored)
        for item in listed
        if isinstance(item, dict) and isinstance(item.get("id"), int)
    ]


def unsubscribe(runtime: Runtime) -> list[int]:
    """Delete every subscription Strava lists for the app, and ours here. Returns the ids deleted."""
    client_id, client_secret = runtime.settings.require_strava_app()
    deleted = []
    for subscription_id in [info.id for info in show(runtime)]:
        try:
            # Query parameters, as Strava's own recordings send them (API.md §4), not a DELETE body.
            _call("delete push subscription", partial(
                _client(runtime).protocol.delete, _url(runtime, "push_subscriptions/{id}"), id=subscription_id,
                client_id=client_id, client_secret=client_secret,
            ))
        except NotFound:
            pass  # already gone
        deleted.append(subscription_id)
    with runtime.sessions.begin() as session:
        session.execute(delete(PushSubscription))
    return deleted
