"""In real headless Chromium: a coach signs in from the emailed link, sees exactly the consenting
athletes, acknowledges a finding and changes a threshold the next evaluation uses; a runner checks
in from the scale in a delivered email, with the keyboard, and the pain rule sees it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from coach_helpers import (
    TODAY,
    add_athlete,
    add_run,
    add_steady_training,
    evaluate,
    hrefs_in,
    link_in,
    mails_to,
    squad,
    wait_for_mails,
)
from sqlalchemy import select
from test_connect_in_browser import browser  # noqa: F401  (the web tests' Chromium, skipped when missing)
from web_helpers import WebEnv

from coaching.domain.model import Severity
from coaching.services.notify import deliver_due, queue_alert
from coaching.store.models import Athlete, FindingAcknowledgement, PainCheckin

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(browser: object) -> Iterator[object]:  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []  # console errors (a CSP violation shows up here) and failed answers
    tab.on("console", lambda message: problems.append(message.text)
           if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    tab.on("response", lambda response: problems.append(f"{response.status} {urlsplit(response.url).path}")
           if response.status >= 400 else None)
    tab.problems = problems
    yield tab
    context.close()


def test_a_coach_signs_in_sees_only_consenting_athletes_acknowledges_and_tunes_a_threshold(
    env: WebEnv, page: object
) -> None:
    team = squad(env)
    page.goto(env.base_url + "/coach")
    page.get_by_label("Your email address").fill("carla@example.org")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("a sign-in link is on its way").wait_for()
    (mail,) = wait_for_mails(env, "carla@example.org", 1)
    page.goto(link_in(mail, "/coach/signin/link"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(env.base_url + "/coach")

    assert page.locator(".roster h3 a").all_inner_texts() == ["Ann Runner", "Ben Runner"]
    page.get_by_role("link", name="Ann Runner").click()
    page.get_by_role("heading", name="Ann Runner", level=1).wait_for()
    assert page.get_by_role("img", name="Weekly running distance over 12 weeks").is_visible()

    page.get_by_label("Note on “Long-run spike”").fill("Talked to Ann: easy week")
    page.get_by_role("button", name="Acknowledge Long-run spike").click()
    page.get_by_text("Finding acknowledged").wait_for()
    assert page.get_by_text("Acknowledged by Carla Coach").is_visible()
    with env.runtime.sessions.begin() as db:
        assert [a.note for a in db.scalars(select(FindingAcknowledgement))] == ["Talked to Ann: easy week"]

    page.get_by_label("Threshold", exact=True).select_option("long_run_spike.warning_pct")
    page.get_by_label("New value").fill("5000")
    page.get_by_role("button", name="Save threshold").click()
    assert "is outside 0.0..1000.0" in page.get_by_role("alert").inner_text()
    page.get_by_label("New value").fill("200")
    page.get_by_role("button", name="Save threshold").click()
    page.get_by_text("Threshold saved").wait_for()
    assert page.get_by_text("Long-run spike: warning pct: 100 → 200, by Carla Coach").is_visible()

    spike = next(f for f in evaluate(env, team.ann).evaluation.findings if f.rule == "long-run-spike")
    assert spike.severity == Severity.CAUTION  # the athlete's own warning bar is now 200 %
    assert page.problems == [f"400 /coach/athletes/{team.ann}/thresholds"]  # the refused value, explained


def test_a_runner_checks_in_from_the_scale_in_a_delivered_email_with_the_keyboard(env: WebEnv, page: object) -> None:
    athlete_id = add_athlete(env, 7002, "Eve", "Runner", email_address="eve@example.org")
    add_steady_training(env, athlete_id)
    add_run(env, athlete_id, TODAY, 20.0)
    now = env.now()
    result = evaluate(env, athlete_id)
    with env.runtime.sessions.begin() as db:
        assert queue_alert(env.runtime, db, db.get(Athlete, athlete_id), result, now) == 1
    deliver_due(env.runtime, now)
    (alert,) = mails_to(env, "eve@example.org")
    (link,) = [href for href in hrefs_in(alert) if "/checkin?" in href and href.endswith("score=3")]

    page.goto(link)
    three = page.get_by_label("3", exact=True)
    assert three.is_checked()
    with env.runtime.sessions.begin() as db:
        assert db.scalars(select(PainCheckin)).all() == []  # opening the link recorded nothing
    three.focus()
    page.keyboard.press("ArrowRight")  # a radio group: the arrows move the choice
    assert page.get_by_label("4", exact=True).is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Save my answer"
    page.keyboard.press("Enter")
    page.wait_for_url("**/checkin/saved?t=*")
    assert page.get_by_role("heading", level=1).inner_text() == "Saved, Eve: knee pain 4 of 10"
    assert page.get_by_text("back off for the next runs").is_visible()
    assert page.get_by_text("of cycling or swimming").is_visible()

    finding = next(f for f in evaluate(env, athlete_id).evaluation.findings if f.rule == "pain-reported")
    assert (finding.severity, finding.metrics["pain_score"]) == (Severity.CAUTION, 4)
    assert page.problems == []
