"""Coach sign-in: a one-time emailed link, stored hashed, spent by a POST, never by opening it."""

from __future__ import annotations

import time
from datetime import timedelta

from coach_helpers import link_in, mails_to, squad, text_of, wait_for_mails
from sqlalchemy import select
from web_helpers import WebEnv

from coaching.store.models import CoachSigninToken, OutboxMessage
from coaching.web.coach_auth import COACH_COOKIE, redeem_signin, safe_next


def _ask_for_link(env: WebEnv, address: str = "carla@example.org", next_path: str = "") -> str:
    with env.client() as client:
        answer = client.post("/coach/signin", data={"email": address, "next": next_path})
    assert answer.status_code == 200
    assert f"If {address} belongs to a coach" in answer.text
    (mail,) = wait_for_mails(env, address, 1)
    return link_in(mail, "/coach/signin/link")


def test_the_emailed_link_signs_the_coach_in_once_and_only_by_pressing_the_button(env: WebEnv) -> None:
    squad(env)
    link = _ask_for_link(env)
    token = link.split("t=", 1)[1]
    with env.client() as client:
        for _ in range(2):  # a mail scanner opening the link spends nothing
            opened = client.get(link.removeprefix(env.base_url))
            assert opened.status_code == 200 and "Sign in to Knee coach" in opened.text
        assert COACH_COOKIE not in client.cookies
        signed_in = client.post("/coach/signin/link", data={"t": token})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/coach"
        assert client.get("/coach").status_code == 200
    with env.client() as other_browser:
        again = other_browser.post("/coach/signin/link", data={"t": token})
    assert again.status_code == 400 and "no longer works" in again.text
    assert COACH_COOKIE not in again.cookies


def test_only_a_hash_of_the_token_is_kept_and_the_sent_email_body_is_not(env: WebEnv) -> None:
    squad(env)
    token = _ask_for_link(env).split("t=", 1)[1]
    deadline = time.monotonic() + 10
    while True:  # the mail arrives a moment before the outbox row is marked sent
        with env.runtime.sessions.begin() as db:
            (sent,) = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "coach_signin")).all()
            (row,) = db.scalars(select(CoachSigninToken)).all()
        if sent.status == "sent" or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert row.token_hash != token and len(row.token_hash) == 64
    assert sent.status == "sent" and token not in sent.body_text and sent.body_html is None


def test_an_unknown_address_gets_the_same_answer_and_no_email(env: WebEnv) -> None:
    squad(env)
    with env.client() as client:
        stranger = client.post("/coach/signin", data={"email": "stranger@example.org"})
        coach = client.post("/coach/signin", data={"email": "carla@example.org"})
    assert stranger.text.replace("stranger@", "carla@") == coach.text
    wait_for_mails(env, "carla@example.org", 1)  # sent after the stranger's (unsent) one
    assert [m.rcpt_tos for m in env.smtp.received] == [("carla@example.org",)]


def test_a_flood_of_requests_sends_at_most_three_open_links(env: WebEnv) -> None:
    squad(env)
    with env.client() as client:
        for sent in range(1, 6):
            assert client.post("/coach/signin", data={"email": "CARLA@example.org"}).status_code == 200
            wait_for_mails(env, "carla@example.org", min(sent, 3))
    with env.runtime.sessions.begin() as db:
        assert len(db.scalars(select(CoachSigninToken)).all()) == 3
    assert len(mails_to(env, "carla@example.org")) == 3


def test_an_expired_link_does_not_sign_in(env: WebEnv) -> None:
    squad(env)
    token = _ask_for_link(env).split("t=", 1)[1]
    later = env.now() + timedelta(minutes=16)
    assert redeem_signin(env.runtime, token, later) is None


def test_after_signing_in_the_coach_lands_where_they_were_going_and_never_off_site(env: WebEnv) -> None:
    team = squad(env)
    with env.client() as client:
        first = client.get(f"/coach/athletes/{team.ann}")
    assert first.status_code == 303 and first.headers["location"] == f"/coach/signin?next=/coach/athletes/{team.ann}"
    link = _ask_for_link(env, next_path=f"/coach/athletes/{team.ann}")
    with env.client() as client:
        landed = client.post("/coach/signin/link", data={"t": link.split("t=", 1)[1]})
    assert landed.headers["location"] == f"/coach/athletes/{team.ann}"
    assert [safe_next(p) for p in ("//evil.example/coach", "https://evil.example", "/preferences", "/coach/x")] == [
        None, None, None, "/coach/x"]


def test_the_sign_in_email_says_how_long_the_link_works(env: WebEnv) -> None:
    squad(env)
    _ask_for_link(env)
    (mail,) = wait_for_mails(env, "carla@example.org", 1)
    assert "within 15 minutes" in text_of(mail) and "works once" in text_of(mail)
