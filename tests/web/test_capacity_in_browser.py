"""The connect page in headless Chromium at a phone's and a laptop's width: places left, full (the
waiting list, filled in and sent), and paused (the app inactive). Screenshots go to the test's
folder, or to $COACH_SCREENSHOTS when set (to look at them)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from test_connect_in_browser import browser  # noqa: F401  (the module's Chromium, reused)
from web_helpers import WebEnv

from coaching.store.models import Athlete, StravaAppStatus

WIDTHS = (390, 1280)


def _connected(env: WebEnv, count: int) -> None:
    with env.runtime.sessions.begin() as db:
        first = db.query(Athlete).count()
        db.add_all(Athlete(strava_id=7_000_000 + i, first_name=f"R{i}", threshold_overrides={})
                   for i in range(first, first + count))


def _shoot(browser, env: WebEnv, folder: Path, name: str, width: int, path: str = "/"):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(env.base_url + path)
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    return context, page


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    chosen = Path(os.environ.get("COACH_SCREENSHOTS") or tmp_path)
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def test_the_connect_page_with_places_left_full_and_paused(env: WebEnv, browser, folder: Path) -> None:  # noqa: ANN001
    _connected(env, 7)
    for width in WIDTHS:
        context, page = _shoot(browser, env, folder, "connect-places-left", width)
        assert page.get_by_text("3 of 10 places left").is_visible()
        assert page.get_by_role("link", name="Connect with STRAVA").is_visible()
        context.close()
    _connected(env, 3)
    for width in WIDTHS:
        context, page = _shoot(browser, env, folder, "connect-full", width)
        assert page.get_by_role("heading", name="All 10 places are taken").is_visible()
        assert page.get_by_role("link", name="Connect with STRAVA").count() == 0
        page.get_by_label("Your email address").fill(f"wait{width}@example.org")
        page.get_by_role("button", name="Put me on the waiting list").click()
        page.get_by_text("Check your inbox").wait_for()
        page.screenshot(path=str(folder / f"waitlist-sent-{width}.png"), full_page=True)
        context.close()
    with env.runtime.sessions.begin() as db:
        db.add(StravaAppStatus(application_id=env.runtime.settings.strava_client_id,
                               inactive_since=datetime(2026, 11, 25, 3, tzinfo=timezone.utc)))
    for width in WIDTHS:
        context, page = _shoot(browser, env, folder, "connect-paused", width)
        assert page.get_by_role("heading", name="Connecting is paused").is_visible()
        assert page.get_by_role("button", name="Put me on the waiting list").count() == 0
        context.close()
