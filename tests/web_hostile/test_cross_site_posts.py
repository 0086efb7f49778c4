"""Forms posted from another site (cross-site request forgery) are refused on every form route,
before the form is read, even with a signed-in browser: nothing is changed. Strava's events and
mail providers' one-click unsubscribes, which come from servers, still get through."""

from __future__ import annotations

import re

import httpx
import pytest
from coach_helpers import as_coach, link_in, squad, wait_for_mails
from hostile_web import assert_clean_refusal, nothing_stored, signed_in_runner
from sqlalchemy import select
from web_helpers import WebEnv, csrf_of

from coaching.store.models import Athlete, CoachSigninToken
from coaching.web.guards import ONE_CLICK_PATHS

CROSS_SITE = {
    "another origin": {"origin": "https://evil.example"},
    "a look-alike origin": {"origin": "http://127.0.0.1.evil.example"},
    "another port": {"origin": "http://127.0.0.1:1"},
    "sandboxed frame": {"origin": "null", "sec-fetch-site": "cross-site"},
    "no origin, cross-site": {"sec-fetch-site": "cross-site"},
    "no origin, same-site": {"sec-fetch-site": "same-site"},
}
EXEMPT = {"/strava/webhook"}


def form_paths(env: WebEnv) -> list[str]:
    paths = [re.sub(r"\{[^}]+\}", "1", path) for path, operations in env.app.openapi()["paths"].items()
             if "post" in operations and path not in EXEMPT]
    assert len(paths) >= 12
    return sorted(paths)


def _refused(answer: httpx.Response) -> None:
    assert answer.status_code == 403, (answer.request.url.path, answer.status_code)
    assert_clean_refusal(answer)
    assert "This form came from another site" in answer.text and "Nothing was changed" in answer.text


def test_every_form_route_refuses_a_cross_site_post(env: WebEnv) -> None:
    squad(env)
    with nothing_stored(env), env.client() as client:
        for path in form_paths(env):
            for label, headers in CROSS_SITE.items():
                answer = client.post(path, data={"csrf": "x", "email": "carla@example.org", "t": "x", "score": "1"},
                                     headers=headers)
                _refused(answer)


def test_a_signed_in_runner_changes_nothing_through_another_sites_form(env: WebEnv) -> None:
    with signed_in_runner(env) as browser:
        token = csrf_of(browser.get("/preferences").text)  # even were the token leaked
        with nothing_stored(env):
            for path, form in (("/preferences", {"csrf": token, "email": "evil@example.org", "send_email": "on"}),
                               ("/preferences/stop", {"csrf": token}), ("/preferences/delete",
                                                                      {"csrf": token, "confirm": "yes"}),
                               ("/preferences/coaches/invite", {"csrf": token, "name": "Eve",
                                                                "email": "eve@example.org"})):
                _refused(browser.post(path, data=form, headers=CROSS_SITE["another origin"]))
        with env.runtime.sessions.begin() as db:
            (athlete,) = db.scalars(select(Athlete)).all()
            assert athlete.email is None and athlete.unsubscribed_at is None
        # The same form from our own page (Chromium sends `Origin: null` under no-referrer) works.
        saved = browser.post("/preferences", data={"csrf": token, "email": "ann@example.org", "send_email": "on",
                                                   "units": "metric", "timezone": "UTC"},
                             headers={"origin": "null", "sec-fetch-site": "same-origin"})
        assert saved.status_code == 303, saved.text[:300]
        assert browser.post("/preferences/stop", data={"csrf": token}, headers={"origin": env.base_url}).status_code == 303


def test_another_site_cannot_sign_a_browser_in_as_its_own_coach(env: WebEnv) -> None:
    """Login CSRF: the attacker's own valid sign-in token, posted from their page."""
    squad(env)
    with env.client() as attacker:
        attacker.post("/coach/signin", data={"email": "carla@example.org"})
    (mail,) = wait_for_mails(env, "carla@example.org", 1)
    token = link_in(mail, "/coach/signin/link").split("t=", 1)[1]
    with env.client() as victim:
        _refused(victim.post("/coach/signin/link", data={"t": token}, headers=CROSS_SITE["another origin"]))
        assert victim.get("/coach").status_code == 303
    with env.runtime.sessions.begin() as db:
        assert db.scalar(select(CoachSigninToken.used_at)) is None  # not spent by the refused post


@pytest.mark.parametrize("headers", [{}, CROSS_SITE["another origin"], {"origin": "null"}])
def test_server_to_server_posts_are_not_taken_for_forms(env: WebEnv, headers: dict[str, str]) -> None:
    with env.client() as client:
        event = client.post("/strava/webhook", json={"object_type": "activity"}, headers=headers)
        one_click = client.post("/unsubscribe?t=1.2.x", data={"List-Unsubscribe": "One-Click"}, headers=headers)
        other_one_clicks = [client.post(f"{path}?t=1.2.x", data={"List-Unsubscribe": "One-Click"}, headers=headers)
                            for path in sorted(ONE_CLICK_PATHS)]
        # A `t` in the query opens the guard on those paths only: not, say, on the coach sign-in.
        signin = client.post("/coach/signin/link?t=x", data={"t": "x"}, headers=headers)
    assert event.status_code == 400 and "error" in event.json()  # judged on its content, not its origin
    assert (one_click.status_code, one_click.text) == (400, "this link has expired")
    assert all("came from another site" not in answer.text for answer in other_one_clicks)
    assert ("came from another site" in signin.text) == bool(headers.get("origin", "null") != "null")


def test_a_non_ascii_csrf_token_is_refused_like_any_wrong_one_not_a_crash(env: WebEnv) -> None:
    """Found by the schema fuzz: hmac.compare_digest raised TypeError on non-ASCII text (a 500)."""
    team = squad(env)
    with signed_in_runner(env) as browser:
        as_coach(browser, team.coach_id)
        with nothing_stored(env):
            _post_bad_tokens(env, browser, team.ann)


def _post_bad_tokens(env: WebEnv, browser: httpx.Client, ann: int) -> None:
    for path in form_paths(env):
        if path in ("/checkin", "/coach/signin", "/coach/signin/link"):
            continue  # no CSRF token: they take a signed token or nothing that changes anything
        path = path.replace("/athletes/1/", f"/athletes/{ann}/")
        answer = browser.post(path, data={"csrf": "é€\u0080", "confirm": "yes"})
        assert answer.status_code in (303, 400, 403), (path, answer.status_code)  # 400: a form with a signed token
        if answer.status_code != 303:
            assert_clean_refusal(answer)
