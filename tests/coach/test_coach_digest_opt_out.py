"""A coach stops (and restarts) the weekly digest from the signed link in a delivered digest: over
real HTTP to the app served by uvicorn, with the digest delivered through the real SMTP sink."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import Message
from urllib.parse import urlsplit

import pytest
from coach_helpers import link_in, mails_to, parsed, squad
from sqlalchemy import select
from web_helpers import LINK_SECRET, WebEnv, email_link

from coaching import links
from coaching.services.notify import LINK_LIFETIME, deliver_due
from coaching.services.weekly import queue_coach_digests
from coaching.store.models import Coach, OutboxMessage
from tests.clock import TEST_NOW_S

STOP, START = "Stop the weekly digest", "Start the weekly digest again"


def _deliver_digest(env: WebEnv, now: datetime) -> Message:
    before = len(mails_to(env, "carla@example.org"))
    queue_coach_digests(env.runtime, now)
    deliver_due(env.runtime, now)
    (mail,) = mails_to(env, "carla@example.org")[before:]
    return parsed(mail)


def _digest_link(env: WebEnv) -> str:
    """The preferences link in the delivered digest's text, as a path with its query."""
    now = env.now()
    _deliver_digest(env, now)
    url = link_in(mails_to(env, "carla@example.org")[-1], "/coach/preferences")
    assert url.startswith(env.base_url)
    return url.removeprefix(env.base_url)


def _stopped_at(env: WebEnv, coach_id: int) -> datetime | None:
    with env.runtime.sessions.begin() as db:
        return db.get(Coach, coach_id).unsubscribed_at


def _token(path: str) -> str:
    return dict(pair.split("=", 1) for pair in urlsplit(path).query.split("&"))["t"]


def test_opening_the_link_changes_nothing_and_the_button_stops_then_restarts_the_digest(env: WebEnv) -> None:
    team = squad(env)
    path = _digest_link(env)
    with env.client() as client:
        page = client.get(path)
        assert page.status_code == 200 and STOP in page.text and "Carla Coach" in page.text
        assert _stopped_at(env, team.coach_id) is None  # a mail scanner opening it stops nothing

        stopped = client.post("/coach/preferences", data={"t": _token(path), "digest": "stop"})
        assert stopped.status_code == 303 and stopped.headers["location"].endswith("&done=stopped")
        after = client.get(stopped.headers["location"])
        assert "Done: no more weekly digests" in after.text and START in after.text
        first_stop = _stopped_at(env, team.coach_id)
        assert first_stop is not None

        client.post("/coach/preferences", data={"t": _token(path), "digest": "stop"})  # a second press
        assert _stopped_at(env, team.coach_id) == first_stop

        started = client.post("/coach/preferences", data={"t": _token(path), "digest": "start"})
        assert "The weekly digest is back on" in client.get(started.headers["location"]).text
        assert _stopped_at(env, team.coach_id) is None

        unclear = client.post("/coach/preferences", data={"t": _token(path), "digest": "maybe"})
        assert unclear.status_code == 400 and "Choose whether to stop or start" in unclear.text


def _bad_tokens(coach_id: int) -> dict[str, tuple[str, str]]:
    """name -> (token, the page's title)."""
    valid = links.sign(LINK_SECRET, "coach-preferences", f"coach-{coach_id}", TEST_NOW_S + 3600)
    issued_before_the_coach = int(TEST_NOW_S + LINK_LIFETIME.total_seconds() - 2 * 86400)
    return {
        "expired": (links.sign(LINK_SECRET, "coach-preferences", f"coach-{coach_id}", TEST_NOW_S - 60),
                    "This link has expired"),
        "tampered": (valid[:-2] + ("AA" if not valid.endswith("AA") else "BB"), "This link does not work"),
        "another coach's id": (valid.replace(f"coach-{coach_id}.", f"coach-{coach_id + 1}.", 1),
                               "This link does not work"),
        "a runner's preferences link": (email_link(coach_id, purpose="preferences"), "This link does not work"),
        "a coach who does not exist": (links.sign(LINK_SECRET, "coach-preferences", "coach-999", TEST_NOW_S + 60),
                                       "This link does not work"),
        "made before this coach existed": (
            links.sign(LINK_SECRET, "coach-preferences", f"coach-{coach_id}", issued_before_the_coach),
            "This link does not work"),
        "signed with another secret": (
            links.sign("another-secret", "coach-preferences", f"coach-{coach_id}", TEST_NOW_S + 60),
            "This link does not work"),
        "cut short": (valid.rsplit(".", 1)[0], "This link does not work"),
    }


@pytest.mark.parametrize("case", list(_bad_tokens(1)))
def test_expired_tampered_and_wrong_links_get_a_clear_page_and_change_nothing(env: WebEnv, case: str) -> None:
    team = squad(env)
    token, title = _bad_tokens(team.coach_id)[case]
    with env.client() as client:
        opened = client.get("/coach/preferences", params={"t": token})
        posted = client.post("/coach/preferences", data={"t": token, "digest": "stop"})
        one_click = client.post("/coach/preferences", params={"t": token}, data={"List-Unsubscribe": "One-Click"})
    for page in (opened, posted):
        assert page.status_code == 400
        assert f"<h1>{title}</h1>" in page.text and "newest digest" in page.text
        assert "Traceback" not in page.text and "BadLink" not in page.text
    assert one_click.status_code == 400 and "nothing changed" in one_click.text
    assert _stopped_at(env, team.coach_id) is None


def test_no_link_at_all_is_a_clear_page(env: WebEnv) -> None:
    with env.client() as client:
        page = client.get("/coach/preferences")
    assert page.status_code == 400 and "This link does not work" in page.text


def test_a_mail_clients_one_click_post_to_the_list_unsubscribe_url_stops_the_digest(env: WebEnv) -> None:
    team = squad(env)
    mail = _deliver_digest(env, env.now())
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip("<>")
    assert url.startswith(f"{env.base_url}/coach/preferences?t=")
    with env.client() as client:  # no cookie, no page: what Gmail or Apple Mail send
        not_one_click = client.post(url.removeprefix(env.base_url), data={"List-Unsubscribe": "Maybe"})
        assert _stopped_at(env, team.coach_id) is None
        answer = client.post(url.removeprefix(env.base_url), data={"List-Unsubscribe": "One-Click"})
    assert not_one_click.status_code == 400
    assert answer.status_code == 200 and "unsubscribed" in answer.text
    assert _stopped_at(env, team.coach_id) is not None


def test_an_opted_out_coach_gets_no_digest_and_one_already_queued_is_never_sent(env: WebEnv) -> None:
    team = squad(env)
    now = env.now()
    assert [r.queued for r in queue_coach_digests(env.runtime, now)] == [1]  # queued while still subscribed
    with env.runtime.sessions.begin() as db:
        queued_url = db.scalar(select(OutboxMessage.unsubscribe_url).where(OutboxMessage.kind == "coach_digest"))
    with env.client() as client:
        client.post("/coach/preferences", data={"t": _token(queued_url), "digest": "stop"})
    assert _stopped_at(env, team.coach_id) is not None

    report = deliver_due(env.runtime, now)  # the send-time check
    assert (report.sent, report.cancelled) == (0, 1)
    assert mails_to(env, "carla@example.org") == []
    with env.runtime.sessions.begin() as db:
        row = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "coach_digest"))
        assert (row.status, row.last_error) == ("cancelled", "coach unsubscribed")

    next_week = now + timedelta(days=7)
    assert queue_coach_digests(env.runtime, next_week) == []  # the queue-time check
    deliver_due(env.runtime, next_week)
    assert mails_to(env, "carla@example.org") == []

    with env.client() as client:  # back in: the following week's digest arrives
        client.post("/coach/preferences", data={"t": _token(queued_url), "digest": "start"})
    mail = _deliver_digest(env, now + timedelta(days=14))
    assert mail["Subject"].startswith("Coach digest")
