"""Bad and hostile bodies posted to the webhook: each gets a 4xx with a JSON error naming the
problem, and nothing is queued or changed, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import httpx
import pytest
from hostile_bodies import BAD_BODIES, VALID
from hostile_web import assert_clean_refusal, nothing_stored, subscription_id
from sqlalchemy import select
from web_helpers import WebEnv

from coaching.services.subscriptions import subscribe
from coaching.store.models import WebhookEvent


def _post(client: httpx.Client, env: WebEnv, body: bytes | dict, content_type: str | None) -> httpx.Response:
    if isinstance(body, dict):
        if body.get("subscription_id") == 0:  # the catalogue's placeholder: make it ours
            body = {**body, "subscription_id": subscription_id(env)}
        body = json.dumps(body).encode()
    headers = {"content-type": content_type} if content_type else {}
    return client.post("/strava/webhook", content=body, headers=headers)


@pytest.mark.parametrize("category", sorted(BAD_BODIES))
def test_every_bad_body_is_refused_with_a_json_error_and_nothing_is_queued(db_env: WebEnv, category: str) -> None:
    subscribe(db_env.runtime)
    with nothing_stored(db_env), db_env.client() as client:
        for label, body, content_type in BAD_BODIES[category]:
            answer = _post(client, db_env, body, content_type)
            assert_clean_refusal(answer, json_error=True)
            assert answer.status_code in (400, 413, 415), (label, answer.status_code)
            if isinstance(body, bytes) and len(body) > 3:
                assert body.decode("utf-8", "replace")[:40] not in answer.text, label  # never echoed


def test_the_errors_say_what_is_wrong(env: WebEnv) -> None:
    subscribe(env.runtime)
    ours = subscription_id(env)
    with env.client() as client:
        def error(body: bytes | dict, content_type: str | None = "application/json") -> tuple[int, str]:
            answer = _post(client, env, body, content_type)
            return answer.status_code, answer.json()["error"]

        assert error(b"") == (400, "the body is empty: an event is a JSON object")
        assert error(b"{") == (400, "the body is not a JSON event")
        assert error(b"[]") == (400, "an event is a JSON object")
        assert error({**VALID, "subscription_id": ours, "owner_id": "7"}) == (400, "owner_id must be a positive integer")
        assert error({**VALID, "subscription_id": ours}, "text/plain") == (
            415, "an event is JSON: send it as application/json")
        assert error(b" " * 9_000) == (413, "event too large")


def test_ids_above_two_to_the_53_are_kept_exactly(db_env: WebEnv) -> None:
    """JavaScript would round these; Python and both databases must not (Strava's ids are longs)."""
    subscribe(db_env.runtime)
    big = 2**53 + 1
    body = {**VALID, "subscription_id": subscription_id(db_env), "object_id": big, "owner_id": 2**62 + 3,
            "event_time": 2**63 - 1}
    with db_env.client() as client:
        answer = client.post("/strava/webhook", json=body)
        again = client.post("/strava/webhook", json=body)
    assert (answer.json(), again.json()) == ({"status": "queued"}, {"status": "duplicate"})
    with db_env.runtime.sessions.begin() as db:
        (row,) = db.scalars(select(WebhookEvent)).all()
        assert (row.object_id, row.owner_id, row.event_time) == (big, 2**62 + 3, 2**63 - 1)


def test_a_content_type_with_parameters_or_none_at_all_is_still_an_event(env: WebEnv) -> None:
    subscribe(env.runtime)
    body = json.dumps({**VALID, "subscription_id": subscription_id(env)}).encode()
    with env.client() as client:
        with_charset = client.post("/strava/webhook", content=body,
                                   headers={"content-type": "Application/JSON; charset=utf-8"})
        bare = client.post("/strava/webhook", content=body.replace(b"9001", b"9002"))
    assert (with_charset.json(), bare.json()) == ({"status": "queued"}, {"status": "queued"})


def test_strings_databases_refuse_in_the_updates_are_stored_harmlessly(db_env: WebEnv) -> None:
    """A lone surrogate or a NUL in `updates`: PostgreSQL refuses both in text; the event is still
    an event (Strava's updates are only a hint: the activity is re-fetched)."""
    subscribe(db_env.runtime)
    template = json.dumps({**VALID, "subscription_id": subscription_id(db_env), "updates": {"title": "T"}})
    with db_env.client() as client:
        for n, odd in enumerate(("\\ud800", "\\udfff x", "\\u0000", "a\\u0000b", "\\ud83d\\ude00")):
            body = template.replace('"T"', f'"{odd}"').replace('"object_id": 9001', f'"object_id": {9100 + n}')
            answer = client.post("/strava/webhook", content=body.encode(), headers={"content-type": "application/json"})
            assert answer.status_code == 200 and answer.json() == {"status": "queued"}, (odd, answer.text[:200])
    with db_env.runtime.sessions.begin() as db:
        titles = [row.updates["title"] for row in db.scalars(select(WebhookEvent).order_by(WebhookEvent.object_id))]
    assert len(titles) == 5 and titles[4] == "\U0001f600"
