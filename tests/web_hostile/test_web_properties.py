"""Property-based tests (hypothesis) of the webhook endpoint and every form endpoint: whatever is
posted, the answer is never a 5xx or a traceback, always carries the security headers, and only a
well-formed event for our subscription is queued. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from coach_helpers import as_coach, squad
from fastapi.testclient import TestClient
from hostile_web import assert_safe_answer, subscription_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from web_helpers import (
    LINK_SECRET,  # noqa: I001 (kept beside its siblings above)
    WebEnv,
    email_link,
)

from coaching.services.subscriptions import subscribe
from coaching.store.models import WebhookEvent
from coaching.web.coach_auth import CoachCookies, CoachSession
from coaching.web.security import SESSION_COOKIE, Signer

PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FORM_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=25)

# Text a browser can send (no lone surrogates), with the characters databases choke on (NUL).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
NUMBERISH = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), st.just(""), TEXT,
                      st.sampled_from(["0", "1", "-1", "1e3", "NaN", "2147483648", "9223372036854775808", " 7 "]))
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
                         st.floats(allow_nan=True, allow_infinity=True), TEXT)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                                  st.dictionaries(TEXT, inner, max_size=4)),
                           max_leaves=12)


@pytest.fixture
def client(db_env: WebEnv) -> Iterator[TestClient]:
    with TestClient(db_env.app, base_url=db_env.base_url) as test_client:
        yield test_client


def _queued(env: WebEnv) -> int:
    with env.runtime.sessions.begin() as db:
        return int(db.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


def _events(ours: int) -> st.SearchStrategy[dict]:
    """Events close to Strava's: each field right, wrong or missing."""
    def field(good: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(good, good, JSON_SCALARS)

    fields = {
        "subscription_id": field(st.sampled_from([ours, ours + 1])),
        "object_type": field(st.sampled_from(["activity", "athlete"])),
        "object_id": field(st.integers(min_value=1, max_value=2**64)),
        "aspect_type": field(st.sampled_from(["create", "update", "delete"])),
        "owner_id": field(st.integers(min_value=1, max_value=2**64)),
        "event_time": field(st.integers(min_value=1, max_value=2**64)),
        "updates": st.one_of(st.dictionaries(TEXT, JSON_VALUES, max_size=25), JSON_VALUES),
    }
    return st.fixed_dictionaries({}, optional=fields)


def test_the_webhook_answers_any_json_event_safely_and_queues_only_good_ones(
        db_env: WebEnv, client: TestClient) -> None:
    subscribe(db_env.runtime)
    ours = subscription_id(db_env)
    accepted: set[str] = set()

    @PROPERTY_SETTINGS
    @given(body=st.one_of(_events(ours), JSON_VALUES))
    def check(body: object) -> None:
        answer = client.post("/strava/webhook", content=json.dumps(body).encode())
        assert_safe_answer(answer)
        assert answer.status_code in (200, 400, 413), (answer.status_code, body)
        if answer.status_code == 200:
            assert answer.json()["status"] in ("queued", "duplicate", "foreign")
            if answer.json()["status"] == "queued":
                accepted.add(json.dumps(body, sort_keys=True))
        else:
            assert isinstance(answer.json()["error"], str)
        assert _queued(db_env) == len(accepted)

    check()


def test_the_webhook_answers_any_bytes_safely(db_env: WebEnv, client: TestClient) -> None:
    subscribe(db_env.runtime)

    @PROPERTY_SETTINGS
    @given(body=st.binary(max_size=2_000), content_type=st.sampled_from(
        [None, "application/json", "text/plain", "application/json; charset=latin-1", "", ";;", "\xe9/\xe9"]))
    def check(body: bytes, content_type: str | None) -> None:
        headers = {} if content_type is None else {"content-type": content_type.encode("latin-1")}
        answer = client.post("/strava/webhook", content=body, headers=headers)
        assert_safe_answer(answer)
        assert answer.status_code in (200, 400, 415)

    check()
    assert _queued(db_env) <= 1  # random bytes are at most the odd valid event


# The forms ------------------------------------------------------------------------------------

FIELDS = ["csrf", "email", "send_email", "push_url", "remove_push", "send_push", "alerts", "summaries", "units",
          "timezone", "coach", "confirm", "name", "t", "score", "finding", "note", "key", "value", "action", "next",
          "List-Unsubscribe"]


def _forms(csrf: str, token: str) -> st.SearchStrategy[list[tuple[str, str]]]:
    known = st.tuples(st.sampled_from(FIELDS), st.one_of(TEXT, NUMBERISH, st.sampled_from(
        ["on", "yes", "metric", "imperial", "UTC", "Europe/Berlin", "reset", "One-Click",
         "pain_reported.caution_score", "a@example.org", "json://localhost"])))
    right = st.sampled_from([("csrf", csrf), ("t", token)])
    return st.lists(st.one_of(known, right, right, st.tuples(TEXT, TEXT)), max_size=12)


def form_routes(env: WebEnv, athlete_id: int) -> list[str]:
    return sorted(re.sub(r"\{[^}]+\}", str(athlete_id), path) for path, ops in env.app.openapi()["paths"].items()
                  if "post" in ops and path != "/strava/webhook")


def test_every_form_answers_any_fields_safely(db_env: WebEnv, client: TestClient) -> None:
    team = squad(db_env)
    signer = Signer(LINK_SECRET, secure_cookies=False, clock=db_env.now)
    runner_cookie, runner_csrf = _runner_session(signer, team.ann, 9000)
    coach_csrf = CoachCookies(LINK_SECRET, secure=False, clock=db_env.now).csrf_token(CoachSession(team.coach_id, "test-nonce"))
    token = email_link(team.ann, purpose="checkin")
    as_coach(client, team.coach_id)  # type: ignore[arg-type]
    client.cookies.set(SESSION_COOKIE, runner_cookie)
    seen: dict[str, set[int]] = {}
    for path in form_routes(db_env, team.ann):
        if path in ("/preferences/delete", "/coach/signout"):
            continue  # they end the session the others need: tried below with bad confirmations only
        csrf = coach_csrf if path.startswith("/coach/athletes") else runner_csrf
        # Coach invitations email at once: keep them to the fixed fields' few valid addresses.

        @FORM_SETTINGS
        @given(form=_forms(csrf, token))
        def check(form: list[tuple[str, str]]) -> None:
            fields: dict[str, list[str]] = {}
            for name, text in form:
                fields.setdefault(name, []).append(text)
            answer = client.post(path, data=fields, follow_redirects=False)  # type: ignore[arg-type]
            assert_safe_answer(answer)
            seen.setdefault(path, set()).add(answer.status_code)

        check()
    refused = client.post("/preferences/delete", data={"csrf": runner_csrf, "confirm": "no"})
    assert refused.status_code == 400 and "Tick the box" in refused.text
    assert all(codes for codes in seen.values()) and len(seen) >= 11


def _runner_session(signer: Signer, athlete_id: int, strava_id: int) -> tuple[str, str]:
    from fastapi import Response

    response = Response()
    session = signer.start_session(response, athlete_id, strava_id)
    cookie = response.headers["set-cookie"].split(f"{SESSION_COOKIE}=", 1)[1].split(";", 1)[0]
    return cookie, signer.csrf_token(session)
