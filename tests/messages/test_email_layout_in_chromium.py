"""The HTML emails in a real headless Chromium at phone and desktop widths: nothing overflows."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from message_samples import SAMPLES, alert_for, recipient, summary_for
from plan_samples import NOW_UTC, SUNDAY, chloe

from coaching.domain.model import PainCheckin
from coaching.domain.summary import weekly_summary
from coaching.messages.views import alert_view, weekly_summary_view

from coaching.messages.render import render_alert, render_coach_digest, render_weekly_summary
from coaching.messages.views import DigestAthlete, coach_digest_view

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS_PX = (375, 1024, 1280)

if not CHROMIUM.exists():
    if os.environ.get("COACH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"COACH_REQUIRE_BROWSER=1 but {CHROMIUM} is missing", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

from playwright.sync_api import Browser, Route, sync_playwright  # noqa: E402

# Long words, a long signed link and every kind of finding at once: the worst case for a phone.
STRESS_NAME = "Maximiliana-Alexandrina"
STRESS_URL = "https://coach.example/preferences?t=" + "x" * 160


@pytest.fixture(scope="module")
def emails() -> dict[str, str]:
    who = recipient(first_name=STRESS_NAME, preferences_url=STRESS_URL)
    # One finding of each rule keeps the page (and its screenshot) short enough to be quick.
    findings = list({s.finding.rule: s.finding for s in SAMPLES}.values())
    athletes = [
        DigestAthlete.from_findings(f"{STRESS_NAME} {i}", findings[i : i + 3], 30.0 + i, f"https://coach.example/a/{i}")
        for i in range(0, len(findings), 2)
    ]
    # The plan's messages, in miles: a spike, a pain stop, last week's check, the digest's plan lines.
    feet = recipient(first_name=STRESS_NAME, preferences_url=STRESS_URL, units="feet")
    spike = chloe(units="feet")
    stop = chloe(checkins=(PainCheckin(SUNDAY, 9),), units="feet")
    week = weekly_summary([], SUNDAY - timedelta(days=6))
    planned = [
        DigestAthlete.from_findings(f"{STRESS_NAME} {i}", e.findings, 37.9, f"https://coach.example/a/{i}",
                                    risk_week_ago=e.risk_score_week_ago, plan=e.plan,
                                    checks=(e.plan_check, e.plan_check), pain_score=9, pain_day=SUNDAY)
        for i, e in enumerate((spike, stop))
    ]
    return {
        "alert_plan": render_alert(alert_view(feet, spike.findings, spike, now_utc=NOW_UTC)).html,
        "alert_pain_stop": render_alert(alert_view(feet, stop.findings, stop, now_utc=NOW_UTC)).html,
        "summary_plan": render_weekly_summary(weekly_summary_view(
            feet, week, spike.findings, None, now_utc=NOW_UTC, plan=spike.plan, plan_check=spike.plan_check)).html,
        "digest_plan": render_coach_digest(coach_digest_view("Carla", planned, preferences_url=STRESS_URL, units="feet")).html,
        "alert": render_alert(alert_for(*findings, who=who)).html,
        "weekly_summary": render_weekly_summary(summary_for(*findings[:4], who=who)).html,
        "coach_digest": render_coach_digest(
            coach_digest_view("Carla", athletes, preferences_url=STRESS_URL)
        ).html,
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.mark.parametrize("width_px", WIDTHS_PX)
@pytest.mark.parametrize(
    "kind", ["alert", "weekly_summary", "coach_digest", "alert_plan", "alert_pain_stop", "summary_plan", "digest_plan"]
)
def test_the_email_fits_the_screen_without_horizontal_scrolling(
    browser: Browser, emails: dict[str, str], tmp_path: Path, kind: str, width_px: int
) -> None:
    requests: list[str] = []

    def refuse(route: Route) -> None:
        requests.append(route.request.url)
        route.abort()

    page = browser.new_page(viewport={"width": width_px, "height": 800})
    try:
        page.route("**/*", refuse)  # an email must need nothing from the network
        page.set_content(emails[kind], wait_until="load")
        scroll_width_px, inner_width_px = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        container_px = page.evaluate("document.querySelector('.container').getBoundingClientRect().width")
        screenshot = Path(os.environ.get("COACH_SCREENSHOT_DIR") or tmp_path) / f"{kind}-{width_px}.png"
        page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    assert scroll_width_px <= inner_width_px
    assert container_px <= 600
    assert requests == []
    assert screenshot.stat().st_size > 10_000
