"""What the hostile-input tests share: a subscribed app with one connected runner, events, snapshots
of every table, and the checks every refusal must pass."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import select
from web_helpers import WebEnv, sign_in_through_strava, table_counts, wait_for_backfill

from coaching.services.subscriptions import subscribe
from coaching.store.athletes import AthleteRepository
from coaching.store.models import Athlete, PushSubscription
from coaching.web.security import SECURITY_HEADERS

TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "psycopg.",
                     "sqlite3.", "Internal Server Error")


def hooked_runner(env: WebEnv, strava_id: int | None = None) -> Athlete:
    """Our push subscription made (the fake checks our callback), one runner connected, history in."""
    with env.runtime.sessions.begin() as db:
        subscribed = db.scalar(select(PushSubscription.id)) is not None
    if not subscribed:
        subscribe(env.runtime)
    with sign_in_through_strava(env, strava_id):
        pass
    with env.runtime.sessions.begin() as db:
        athletes = AthleteRepository(db).all()
    athlete = athletes[-1] if strava_id is None else next(a for a in athletes if a.strava_id == strava_id)
    wait_for_backfill(env, athlete.id)
    return athlete


def subscription_id(env: WebEnv) -> int:
    with env.runtime.sessions.begin() as db:
        found = db.scalar(select(PushSubscription.id))
    assert found is not None
    return int(found)


def event(env: WebEnv, **fields: object) -> dict:
    base = {"aspect_type": "create", "event_time": int(env.now_s()), "object_id": 1, "object_type": "activity",
            "owner_id": 1, "subscription_id": subscription_id(env), "updates": {}}
    return {**base, **fields}


@contextmanager
def nothing_stored(env: WebEnv) -> Iterator[None]:
    """Every table has as many rows after the block as before it."""
    before = table_counts(env.runtime.engine)
    yield
    after = table_counts(env.runtime.engine)
    assert after == before, {name: (before[name], after.get(name)) for name in before if before[name] != after.get(name)}


@contextmanager
def signed_in_runner(env: WebEnv) -> Iterator[httpx.Client]:
    """A browser signed in through Strava, its history import finished (so nothing moves after)."""
    with sign_in_through_strava(env) as browser:
        with env.runtime.sessions.begin() as db:
            newest = max(a.id for a in AthleteRepository(db).all())
        wait_for_backfill(env, newest)
        yield browser


def assert_clean_refusal(answer: httpx.Response, *, json_error: bool = False) -> None:
    """A 4xx, the security headers, and words for a person (or a JSON error), never a traceback."""
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert_safe_answer(answer)
    if json_error:
        assert answer.headers["content-type"].startswith("application/json"), answer.headers["content-type"]
        error = answer.json()["error"]
        assert isinstance(error, str) and 5 < len(error) < 200


def assert_safe_answer(answer: httpx.Response) -> None:
    assert answer.status_code < 500, (answer.status_code, answer.text[:300])
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, (name, answer.request.url)
    for marker in TRACEBACK_MARKERS:
        assert marker not in answer.text, (marker, answer.text[:300])
