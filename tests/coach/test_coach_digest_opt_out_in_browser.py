"""In real headless Chromium: a coach follows the unsubscribe link of a digest delivered over the
real SMTP sink, stops the digest with the button, then starts it again."""

from __future__ import annotations

from datetime import datetime

from coach_helpers import hrefs_in, link_in, mails_to, squad
from test_coach_in_browser import page  # noqa: F401  (phone-sized tab that records console errors)
from test_connect_in_browser import browser  # noqa: F401  (the web tests' Chromium, skipped when missing)
from web_helpers import WebEnv

from coaching.services.notify import deliver_due
from coaching.services.weekly import queue_coach_digests
from coaching.store.models import Coach


def _stopped_at(env: WebEnv, coach_id: int) -> datetime | None:
    with env.runtime.sessions.begin() as db:
        return db.get(Coach, coach_id).unsubscribed_at


def test_a_coach_stops_the_digest_from_the_link_in_a_delivered_digest_and_starts_it_again(
    env: WebEnv, page: object  # noqa: F811
) -> None:
    team = squad(env)
    now = env.now()
    queue_coach_digests(env.runtime, now)
    assert deliver_due(env.runtime, now).sent == 1
    (digest,) = mails_to(env, "carla@example.org")
    link = link_in(digest, "/coach/preferences")
    assert [href for href in hrefs_in(digest) if "/coach/preferences" in href] == [link]  # the HTML's too

    page.goto(link)
    page.get_by_role("heading", name="Your weekly digest, Carla Coach").wait_for()
    assert _stopped_at(env, team.coach_id) is None  # opening the link changed nothing
    page.get_by_role("button", name="Stop the weekly digest").click()
    page.wait_for_url("**/coach/preferences?t=*&done=stopped")
    assert page.get_by_role("status").inner_text() == (
        "Done: no more weekly digests. Your athletes' pages stay open to you.")
    assert _stopped_at(env, team.coach_id) is not None

    page.reload()  # post/redirect/get: a reload posts nothing again
    page.get_by_role("button", name="Start the weekly digest again").click()
    page.wait_for_url("**done=started")
    page.get_by_text("The weekly digest is back on").wait_for()
    assert _stopped_at(env, team.coach_id) is None
    assert page.problems == []
