"""The OAuth callback's checks, reconnecting, signed links and sessions, over real HTTP."""

from __future__ import annotations

import httpx
from web_helpers import (
    LINK_SECRET,
    WebEnv,
    callback_query,
    csrf_of,
    email_link,
    sign_in_through_strava,
    wait_for_backfill,
)

from coaching import links
from coaching.services.notify import LINK_LIFETIME
from coaching.store.athlete_data import erase_athlete
from coaching.store.athletes import AthleteRepository
from coaching.store.models import Athlete, StravaToken


def _athletes(env: WebEnv) -> list[Athlete]:
    with env.runtime.sessions.begin() as db:
        return AthleteRepository(db).all()


def test_connect_sends_the_runner_to_strava_with_our_scopes_and_a_browser_bound_state(env: WebEnv) -> None:
    with env.client() as client:
        answer = client.get("/connect")
    assert answer.status_code == 303
    query = callback_query(answer.headers["location"])
    assert answer.headers["location"].startswith(env.fake.base_url + "/oauth/authorize?")
    assert query["scope"] == "read,activity:read_all"
    assert (query["approval_prompt"], query["response_type"]) == ("auto", "code")
    assert query["redirect_uri"] == env.base_url + "/strava/callback"
    cookie = answer.headers["set-cookie"]
    assert "coach_oauth_state=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    # The cookie is the state signed for this purpose: no other site can make a browser hold one.
    signed = cookie.split("coach_oauth_state=", 1)[1].split(";", 1)[0]
    assert links.verify(LINK_SECRET, "oauth-state", signed, env.now_s()) == query["state"]


def test_a_callback_whose_state_was_not_started_in_this_browser_stores_nothing(env: WebEnv) -> None:
    with env.client() as victim, env.client() as attacker:
        location = attacker.get("/connect").headers["location"]
        consent = httpx.get(location, follow_redirects=False, timeout=10)
        # The attacker's finished callback, opened in someone else's browser (login CSRF).
        answer = victim.get(consent.headers["location"].removeprefix(env.base_url))
    assert answer.status_code == 400
    assert "does not belong to the connection started in this browser" in answer.text
    assert _athletes(env) == []


def test_reconnecting_the_same_athlete_updates_the_row_and_replaces_the_tokens(env: WebEnv) -> None:
    strava_id = env.fake.athlete_ids[0]
    with sign_in_through_strava(env, strava_id):
        pass
    (first,) = _athletes(env)
    wait_for_backfill(env, first.id)
    with env.runtime.sessions.begin() as db:
        first_version = db.get(StravaToken, first.id).version
    with sign_in_through_strava(env, strava_id):
        pass
    (again,) = _athletes(env)
    assert again.id == first.id and again.strava_id == strava_id
    with env.runtime.sessions.begin() as db:
        assert db.get(StravaToken, first.id).version == first_version + 1


def test_reloading_the_callback_after_the_code_was_used_asks_to_connect_again(env: WebEnv) -> None:
    with env.client() as client:
        location = client.get("/connect").headers["location"]
        callback = httpx.get(location, follow_redirects=False, timeout=10).headers["location"]
        path = callback.removeprefix(env.base_url)
        assert client.get(path).status_code == 303
        # The state cookie was spent with the first use: a reload cannot replay the code.
        reload = client.get(path)
    assert reload.status_code == 400
    assert len(_athletes(env)) == 1


def test_the_signed_link_from_an_email_opens_the_page_and_leaves_the_address_bar(env: WebEnv) -> None:
    with sign_in_through_strava(env):
        pass
    (athlete,) = _athletes(env)
    token = email_link(athlete.id)
    with env.client() as client:
        answer = client.get(f"/preferences?t={token}")
        assert answer.status_code == 303 and answer.headers["location"] == "/preferences"
        page = client.get("/preferences")
    assert page.status_code == 200 and f"Hi {athlete.first_name}" in page.text


def test_expired_forged_or_other_purpose_links_open_nothing(env: WebEnv) -> None:
    with sign_in_through_strava(env):
        pass
    (athlete,) = _athletes(env)
    expired = email_link(athlete.id, issued_ago_s=LINK_LIFETIME.total_seconds() + 1)
    checkin = email_link(athlete.id, purpose="checkin")
    forged = email_link(athlete.id, secret="not-our-secret")
    with env.client() as client:
        for token in (expired, checkin, forged, "garbage"):
            answer = client.get(f"/preferences?t={token}")
            assert answer.status_code == 400, token
        assert client.get("/preferences").status_code == 401
        assert client.get("/connect/progress").status_code == 401
        assert client.get("/preferences/export").status_code == 401


def test_the_progress_endpoint_reports_the_history_import(env: WebEnv) -> None:
    with sign_in_through_strava(env) as client:
        (athlete,) = _athletes(env)
        wait_for_backfill(env, athlete.id)
        progress = client.get("/connect/progress").json()
    stored = len(env.fake.activities(athlete.strava_id))
    assert progress == {"activities": stored, "done": True, "percent": 100, "stalled": False, "running": False}


def test_a_failed_import_shows_as_stalled_and_the_page_still_works(env: WebEnv) -> None:
    env.fake.inject_fault(r"/athlete/activities", "500", count=5)
    with sign_in_through_strava(env) as client:
        (athlete,) = _athletes(env)
        wait_for_backfill(env, athlete.id)
        progress = client.get("/connect/progress").json()
        page = client.get("/preferences")
    assert progress["stalled"] is True and progress["done"] is False
    assert "the rest comes overnight" in page.text
    assert csrf_of(page.text)


def test_every_answer_carries_the_security_headers_and_unknown_pages_are_404(env: WebEnv) -> None:
    with env.client() as client:
        for path in ("/", "/nowhere", "/static/style.css", "/strava/webhook"):
            headers = client.get(path).headers
            assert headers["x-frame-options"] == "DENY", path
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert client.get("/nowhere").status_code == 404


def test_an_old_link_or_session_never_opens_a_later_account_that_got_the_same_id(env: WebEnv) -> None:
    with sign_in_through_strava(env, env.fake.athlete_ids[0]) as first_browser:
        (first,) = _athletes(env)
        wait_for_backfill(env, first.id)
        with env.runtime.sessions.begin() as db:
            erase_athlete(db, first.id)
        with sign_in_through_strava(env, env.fake.athlete_ids[1]):
            pass
        (second,) = _athletes(env)
        assert second.id == first.id  # SQLite hands the highest id out again
        assert first_browser.get("/preferences").status_code == 401
    made_before_second_existed = email_link(second.id, issued_ago_s=600)
    made_now = email_link(second.id)
    with env.client() as client:
        assert client.get(f"/preferences?t={made_before_second_existed}").status_code == 400
        assert client.post(f"/preferences?t={made_before_second_existed}",
                           data={"List-Unsubscribe": "One-Click"}).status_code == 400
        assert client.get(f"/preferences?t={made_now}").status_code == 303
