"""The connect flow in real headless Chromium: landing page, Strava's consent (the fake), callback,
history import, choices saved, a test message delivered to the local mail and push sinks."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import WebEnv

from coaching.store.athletes import AthleteRepository, CoachRepository
from coaching.store.models import Athlete, CoachAthlete

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("COACH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"COACH_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)  # a phone
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_runner_connects_chooses_channels_and_receives_a_test_message(env: WebEnv, page: object) -> None:
    with env.runtime.sessions.begin() as db:
        coach = CoachRepository(db).upsert(name="Carla Coach", email="carla@example.org")
        coach_id = coach.id
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: errors.append(response.url) if response.status >= 400 else None)
    landing = page.goto(env.base_url + "/")
    assert landing.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in landing.headers["content-security-policy"]

    page.get_by_role("link", name="Connect with STRAVA").click()
    page.wait_for_url("**/preferences?welcome=1")
    assert page.get_by_text("You're connected").is_visible()
    assert page.get_by_text("Powered by Strava").is_visible()
    # The page polls the import's progress until the history is in.
    page.get_by_text("Done:").wait_for()
    assert page.locator("#backfill-bar").evaluate("bar => bar.value") == 100

    # The runner knows this coach (an earlier invite they withdrew): only their own coaches are listed.
    with env.runtime.sessions.begin() as db:
        (athlete,) = AthleteRepository(db).all()
        db.add(CoachAthlete(coach_id=coach_id, athlete_id=athlete.id))
    page.reload()
    page.get_by_label("Email address").fill("runner@example.org")
    page.get_by_label("Send me emails").check()
    page.get_by_label("Push URL").fill(env.push.apprise_url)
    page.get_by_label("Send me push messages").check()
    page.get_by_label("Miles").check()
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Carla Coach").check()
    page.get_by_role("button", name="Save my choices").click()
    page.get_by_text("Your choices are saved.").wait_for()
    assert env.push.apprise_url not in page.content()  # a push URL is a secret: never shown back

    with env.runtime.sessions.begin() as db:
        (athlete,) = AthleteRepository(db).all()
        assert (athlete.email, athlete.send_email, athlete.send_push) == ("runner@example.org", True, True)
        assert (athlete.units, athlete.timezone) == ("imperial", "Europe/Berlin")
        assert env.runtime.box.decrypt(athlete.push_url_encrypted) == env.push.apprise_url
        assert db.get(CoachAthlete, (coach_id, athlete.id)).consent_active

    page.get_by_role("button", name="Send me a test message").click()
    page.get_by_text("Test email sent").wait_for()
    assert page.get_by_text("Test push message sent.").is_visible()
    (mail,) = env.smtp.received
    assert mail.rcpt_tos == ("runner@example.org",)
    assert "Test message from your knee coach" in mail.path.read_text()
    (push,) = env.push.received
    assert push.payload["title"] == "Knee coach: test message"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything we store about you (JSON)").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["tables"]["athletes"][0]["email"] == "runner@example.org"
    assert len(exported["tables"]["activities"]) == len(env.fake.activities(athlete.strava_id))
    assert env.push.apprise_url not in json.dumps(exported)
    assert errors == []


def test_a_runner_who_refuses_on_strava_is_told_nothing_was_stored(env: WebEnv, page: object) -> None:
    env.fake.deny_next_authorize()
    page.goto(env.base_url + "/")
    page.get_by_role("link", name="Connect with STRAVA").click()
    page.get_by_role("heading", name="You did not connect").wait_for()
    assert page.get_by_text("nothing was stored").is_visible()
    with env.runtime.sessions.begin() as db:
        assert db.query(Athlete).count() == 0


def test_a_runner_who_unticks_private_activities_is_told_why_and_can_retry(env: WebEnv, page: object) -> None:
    env.fake.grant_scopes_next(["read", "activity:read"])
    page.goto(env.base_url + "/")
    page.get_by_role("link", name="Connect with STRAVA").click()
    page.get_by_role("heading", name="We need to see all your activities").wait_for()
    with env.runtime.sessions.begin() as db:
        assert db.query(Athlete).count() == 0
    # The retry shows Strava's consent page again (approval_prompt=force); this time all is ticked.
    page.get_by_role("link", name="Connect with STRAVA").click()
    page.wait_for_url("**/preferences?welcome=1")
    with env.runtime.sessions.begin() as db:
        assert db.query(Athlete).count() == 1
