"""Forged, expired, wrong-purpose and replayed OAuth `state`: each callback is refused with a page
that says so, and no athlete, token or anything else is stored."""

from __future__ import annotations

import httpx
import pytest
from hostile_web import assert_clean_refusal, nothing_stored
from web_helpers import LINK_SECRET, WebEnv, callback_query, email_link

from coaching import links
from coaching.fake_strava.testing import follow_authorize
from coaching.store.athletes import AthleteRepository
from coaching.web.security import STATE_COOKIE, SpentStates

REFUSED = "does not belong to the connection started in this browser"


def _fresh_code(env: WebEnv, state: str, strava_id: int) -> dict[str, str]:
    """A new, unused code from Strava's consent page carrying `state` (what an attacker can get
    for their own Strava account at any time)."""
    return follow_authorize(env.fake.authorize_url(env.runtime.settings.strava_redirect_uri, athlete_id=strava_id,
                                                   scopes=("read", "activity:read_all"), state=state))


def _callback(env: WebEnv, cookie: str | None, query: dict[str, str]) -> httpx.Response:
    with env.client() as client:
        if cookie is not None:
            client.cookies.set(STATE_COOKIE, cookie)
        return client.get("/strava/callback", params=query)


def _stored_strava_ids(env: WebEnv) -> list[int]:
    with env.runtime.sessions.begin() as db:
        return [a.strava_id for a in AthleteRepository(db).all()]


def _assert_refused(answer: httpx.Response) -> None:
    assert_clean_refusal(answer)
    assert answer.status_code == 400 and REFUSED in answer.text and "Nothing was stored" in answer.text
    assert "coach_session" not in answer.headers.get("set-cookie", "")


def _started(env: WebEnv) -> tuple[str, str]:
    """(the state cookie, the state) of a connection started in a browser."""
    with env.client() as browser:
        to_strava = browser.get("/connect")
        return browser.cookies[STATE_COOKIE], callback_query(to_strava.headers["location"])["state"]


def test_a_replayed_state_is_refused_even_with_a_fresh_code(env: WebEnv) -> None:
    first, second = env.fake.athlete_ids[:2]
    cookie, state = _started(env)  # the cookie: what an observer of the browser or the network keeps
    used = _callback(env, cookie, _fresh_code(env, state, first))
    assert used.status_code == 303 and _stored_strava_ids(env) == [first]
    env.app.state.web.backfill.wait(1, 20)
    with nothing_stored(env):
        for strava_id in (second, first):
            _assert_refused(_callback(env, cookie, _fresh_code(env, state, strava_id)))
    assert _stored_strava_ids(env) == [first]


@pytest.mark.parametrize("answer", ["denied", "missing scope"])
def test_a_state_spent_on_a_refusal_cannot_be_used_again(env: WebEnv, answer: str) -> None:
    cookie, state = _started(env)
    query = {"state": state, "error": "access_denied"} if answer == "denied" else \
        {**_fresh_code(env, state, env.fake.athlete_ids[0]), "scope": "read"}
    assert _callback(env, cookie, query).status_code == 200  # the page explaining the refusal
    with nothing_stored(env):
        _assert_refused(_callback(env, cookie, _fresh_code(env, state, env.fake.athlete_ids[0])))


def test_forged_expired_and_wrong_purpose_states_are_refused(env: WebEnv) -> None:
    _, state = _started(env)
    strava_id = env.fake.athlete_ids[0]
    expired = links.sign(LINK_SECRET, "oauth-state", state, int(env.now_s()) - 1)
    other_secret = links.sign("not-our-secret", "oauth-state", state, int(env.now_s()) + 600)
    as_session = links.sign(LINK_SECRET, "web-session", state, int(env.now_s()) + 600)
    tampered = links.sign(LINK_SECRET, "oauth-state", state, int(env.now_s()) + 600)[:-2] + "AA"
    cases = {
        "no cookie": (None, state),
        "expired cookie": (expired, state),
        "cookie signed elsewhere": (other_secret, state),
        "a session cookie's value": (as_session, state),
        "an email link as cookie": (email_link(1), "1"),
        "tampered cookie": (tampered, state),
        "made-up state and cookie": ("abc.123.def", "abc"),
        "state edited": (links.sign(LINK_SECRET, "oauth-state", state, int(env.now_s()) + 600), state + "x"),
        "empty state": (links.sign(LINK_SECRET, "oauth-state", "", int(env.now_s()) + 600), ""),
        "huge state": (None, "s" * 5_000),
        "non-ASCII state": (links.sign(LINK_SECRET, "oauth-state", "e", int(env.now_s()) + 600), "é"),
    }
    with nothing_stored(env):
        for label, (cookie, sent_state) in cases.items():
            query = {**_fresh_code(env, state, strava_id), "state": sent_state}
            answer = _callback(env, cookie, query)
            assert answer.status_code == 400, label
            _assert_refused(answer)
        with env.client() as client:  # bytes that are not UTF-8, percent-encoded
            _assert_refused(client.get("/strava/callback?state=%C3%A9%FF%00&code=x&scope=read,activity:read_all"))


def test_spent_states_are_forgotten_once_they_would_have_expired_anyway() -> None:
    spent = SpentStates(lifetime_s=900)
    assert spent.spend("a", now_s=1_000) and not spent.spend("a", now_s=1_001)
    assert spent.spend("b", now_s=1_500)
    assert not spent.spend("a", now_s=1_900) and len(spent) == 2  # at its expiry it still counts
    assert spent.spend("c", now_s=1_901) and len(spent) == 2  # "a" is gone: its signature expired too
