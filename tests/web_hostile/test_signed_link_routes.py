"""Expired, tampered, wrong-athlete and wrong-purpose signed links on every route that takes one
(preferences, unsubscribe and its one-click POST, the check-in, the coach sign-in and coach pages):
each is refused with a clear page, no session is started and nothing is stored."""

from __future__ import annotations

import httpx
from coach_helpers import add_athlete, as_coach, squad
from hostile_web import assert_clean_refusal, nothing_stored
from web_helpers import LINK_SECRET, WebEnv, email_link

from coaching import links
from coaching.services.coach_subscription import PURPOSE as COACH_PREFERENCES
from coaching.services.notify import LINK_LIFETIME
from coaching.store.models import Athlete, Coach
from coaching.web.coach_auth import COACH_COOKIE, CoachCookies, CoachSession
from coaching.web.security import SESSION_COOKIE
from tests.clock import TEST_NOW_S

EXPIRED_S = LINK_LIFETIME.total_seconds() + 1


def _edited(token: str, *, subject: str | None = None, expires: int | None = None) -> str:
    old_subject, old_expires, mac = token.rsplit(".", 2)
    return f"{subject or old_subject}.{expires or old_expires}.{mac}"


def bad_tokens(athlete_id: int, other_id: int, purpose: str) -> dict[str, str]:
    """Every way a link can be wrong for `athlete_id` and `purpose`, by name."""
    good = email_link(athlete_id, purpose=purpose)
    wrong_purpose = "checkin" if purpose != "checkin" else "preferences"
    mac_flipped = good[:-1] + ("A" if good[-1] != "A" else "B")
    return {
        "expired": email_link(athlete_id, purpose=purpose, issued_ago_s=EXPIRED_S),
        "edited to another athlete": _edited(good, subject=str(other_id)),
        "edited to expire later": _edited(good, expires=int(TEST_NOW_S + 10 * LINK_LIFETIME.total_seconds())),
        "signature changed": mac_flipped,
        "signature cut": good.rsplit(".", 1)[0] + ".",
        "signed elsewhere": email_link(athlete_id, purpose=purpose, secret="someone-elses-secret"),
        "for a runner who does not exist": email_link(987_654, purpose=purpose),
        "for an id no table holds (validly signed)": email_link(10**30, purpose=purpose),
        "made before the runner existed": email_link(athlete_id, purpose=purpose, issued_ago_s=3600),
        f"a {wrong_purpose} link": email_link(athlete_id, purpose=wrong_purpose),
        "an unsubscribe-purpose link": email_link(athlete_id, purpose="unsubscribe"),
        "a session cookie's value": links.sign(LINK_SECRET, "web-session", f"{athlete_id}:1:n", TEST_NOW_S + 600),
        "a coach session's value": links.sign(LINK_SECRET, "coach-session", f"{athlete_id}:n", TEST_NOW_S + 600),
        "an oauth state's value": links.sign(LINK_SECRET, "oauth-state", str(athlete_id), TEST_NOW_S + 600),
        "empty": "",
        "dots": "...",
        "garbage": "a.b.c",
        "long": "7." + "9" * 4_000 + ".x",
        "non-ASCII": f"{athlete_id}.{TEST_NOW_S + 600}.é€",
    }


def _runner_made_an_hour_ago(env: WebEnv) -> tuple[int, int]:
    """Two runners; links "made before the runner existed" are signed an hour ago."""
    first = add_athlete(env, 8101, "Ann", "Runner", email_address="ann@example.org")
    second = add_athlete(env, 8102, "Ben", "Runner", email_address="ben@example.org")
    return first, second


def _assert_no_session(answer: httpx.Response) -> None:
    cookies = answer.headers.get_list("set-cookie")
    assert not any(c.startswith((f"{SESSION_COOKIE}=", f"{COACH_COOKIE}=")) for c in cookies), cookies


def test_bad_preferences_and_unsubscribe_links_open_nothing(env: WebEnv) -> None:
    ann, ben = _runner_made_an_hour_ago(env)
    tried = 0
    with nothing_stored(env), env.client() as client:
        for path in ("/preferences", "/unsubscribe"):
            for label, token in bad_tokens(ann, ben, "preferences").items():
                answer = client.get(path, params={"t": token})
                assert answer.status_code == 400, (path, label)
                assert_clean_refusal(answer)
                assert "This link has expired" in answer.text and "connect with Strava again" in answer.text
                _assert_no_session(answer)
                if len(token) > 8:
                    assert token not in answer.text
                tried += 1
    assert tried == 38


def test_bad_one_click_unsubscribe_posts_unsubscribe_nobody(env: WebEnv) -> None:
    ann, ben = _runner_made_an_hour_ago(env)
    with nothing_stored(env), env.client() as mail_provider:
        for path in ("/preferences", "/unsubscribe"):
            for label, token in bad_tokens(ann, ben, "preferences").items():
                answer = mail_provider.post(path, params={"t": token}, data={"List-Unsubscribe": "One-Click"})
                assert (answer.status_code, answer.text) == (400, "this link has expired"), (path, label)
                assert_clean_refusal(answer)
                _assert_no_session(answer)
    with env.runtime.sessions.begin() as db:
        assert [db.get(Athlete, i).unsubscribed_at for i in (ann, ben)] == [None, None]


def test_bad_checkin_links_show_nothing_and_record_nothing(env: WebEnv) -> None:
    ann, ben = _runner_made_an_hour_ago(env)
    with nothing_stored(env), env.client() as client:
        for label, token in bad_tokens(ann, ben, "checkin").items():
            for answer in (client.get("/checkin", params={"t": token, "score": "3"}),
                           client.get("/checkin/saved", params={"t": token}),
                           client.post("/checkin", data={"t": token, "score": "3"})):
                assert answer.status_code == 400, (answer.request.url.path, label)
                assert_clean_refusal(answer)
                assert "This link has expired" in answer.text and "Ann" not in answer.text
                _assert_no_session(answer)


def test_bad_coach_sign_in_links_sign_nobody_in(env: WebEnv) -> None:
    squad(env)
    tokens = {"made up": "x" * 43, "empty": "", "too long": "x" * 101, "a runner's link": email_link(1),
              "non-ASCII": "é" * 20, "dots": "..."}
    with nothing_stored(env), env.client() as client:
        for label, token in tokens.items():
            answer = client.post("/coach/signin/link", data={"t": token})
            assert answer.status_code == 400, label
            assert_clean_refusal(answer)
            assert "This sign-in link no longer works" in answer.text
            _assert_no_session(answer)
            assert client.get("/coach").status_code == 303  # still to the sign-in page


def test_forged_expired_or_borrowed_coach_sessions_open_no_coach_page(env: WebEnv) -> None:
    team = squad(env)
    now = TEST_NOW_S
    cookies = {
        "expired": links.sign(LINK_SECRET, "coach-session", f"{team.coach_id}:n", now - 1),
        "signed elsewhere": links.sign("someone-elses-secret", "coach-session", f"{team.coach_id}:n", now + 600),
        "edited to another coach": _edited(links.sign(LINK_SECRET, "coach-session", f"{team.coach_id}:n",
                                                      now + 600), subject=f"{team.coach_id + 1}:n"),
        "a runner's session": links.sign(LINK_SECRET, "web-session", f"{team.coach_id}:1:n", now + 600),
        "a preferences link": email_link(team.coach_id),
        "a coach that does not exist": links.sign(LINK_SECRET, "coach-session", "4242:n", now + 600),
        "garbage": "garbage",
    }
    with nothing_stored(env):
        for label, value in cookies.items():
            with env.client() as client:
                client.cookies.set(COACH_COOKIE, value)
                for answer in (client.get("/coach"), client.get(f"/coach/athletes/{team.ann}"),
                               client.post(f"/coach/athletes/{team.ann}/acknowledge", data={"finding": "1"}),
                               client.post(f"/coach/athletes/{team.ann}/thresholds",
                                           data={"key": "pain_reported.caution_score", "value": "1"})):
                    assert answer.status_code == 303, (label, answer.request.url.path)
                    assert answer.headers["location"].startswith("/coach/signin?next=/coach"), label


def test_a_real_coach_session_opens_no_athlete_who_did_not_consent(env: WebEnv) -> None:
    team = squad(env)
    with nothing_stored(env), env.client() as client:
        as_coach(client, team.coach_id)
        csrf = CoachCookies(LINK_SECRET, secure=False, clock=env.now).csrf_token(CoachSession(team.coach_id, "test-nonce"))
        for athlete_id in (team.cleo, team.dan, 987_654, 2**31 - 1, 2**31, 2**63, 10**30):
            for answer in (client.get(f"/coach/athletes/{athlete_id}"),
                           client.post(f"/coach/athletes/{athlete_id}/acknowledge",
                                       data={"finding": "1", "csrf": csrf})):
                assert answer.status_code == 404, (athlete_id, answer.request.url.path, answer.text[:200])
                assert_clean_refusal(answer)
                assert "There is nothing at this address" in answer.text


def test_bad_coach_digest_links_change_no_coachs_digest(env: WebEnv) -> None:
    team = squad(env)
    now = TEST_NOW_S
    good = links.sign(LINK_SECRET, COACH_PREFERENCES, f"coach-{team.coach_id}", now + 3600)
    tokens = {
        "expired": links.sign(LINK_SECRET, COACH_PREFERENCES, f"coach-{team.coach_id}", now - 1),
        "edited to another coach": _edited(good, subject=f"coach-{team.coach_id + 1}"),
        "signature changed": good[:-1] + ("A" if good[-1] != "A" else "B"),
        "signed elsewhere": links.sign("someone-elses-secret", COACH_PREFERENCES, f"coach-{team.coach_id}", now + 600),
        "made before the coach existed": links.sign(LINK_SECRET, COACH_PREFERENCES, f"coach-{team.coach_id}",
                                                    int(now - 3600 + LINK_LIFETIME.total_seconds())),
        "a coach who does not exist": links.sign(LINK_SECRET, COACH_PREFERENCES, "coach-4242", now + 600),
        "a runner's preferences link": email_link(team.coach_id),
        "a coach session's value": links.sign(LINK_SECRET, "coach-session", f"{team.coach_id}:n", now + 600),
        "no prefix": links.sign(LINK_SECRET, COACH_PREFERENCES, str(team.coach_id), now + 600),
        "huge id (validly signed)": links.sign(LINK_SECRET, COACH_PREFERENCES, "coach-" + "9" * 30, now + 600),
        "empty": "", "garbage": "a.b.c", "non-ASCII": f"coach-1.{now + 600}.é€",
    }
    with nothing_stored(env), env.client() as client:
        for label, token in tokens.items():
            for answer in (client.get("/coach/preferences", params={"t": token}),
                           client.post("/coach/preferences", data={"t": token, "digest": "stop"}),
                           client.post("/coach/preferences", params={"t": token},
                                       data={"List-Unsubscribe": "One-Click"})):
                assert answer.status_code == 400, (label, answer.request.method, answer.status_code)
                assert_clean_refusal(answer)
                _assert_no_session(answer)
                assert "Carla" not in answer.text
    with env.runtime.sessions.begin() as db:
        assert db.get(Coach, team.coach_id).unsubscribed_at is None
