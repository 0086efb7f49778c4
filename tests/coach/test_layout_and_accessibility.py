"""Every coach and check-in page at phone and desktop widths in real Chromium: nothing wider than
the screen (screenshots kept in COACH_SCREENSHOT_DIR when set) and no serious or critical
violation from axe-core (vendored in vendor/, MPL-2.0, run inside the page)."""

from __future__ import annotations

import os
from pathlib import Path

from coach_helpers import TODAY, VENDOR, as_coach, squad
from sqlalchemy import select
from test_connect_in_browser import browser  # noqa: F401  (the web tests' Chromium, skipped when missing)
from web_helpers import WebEnv, email_link

from coaching.services.coach_actions import acknowledge, change_threshold
from coaching.store.athletes import CheckinRepository
from coaching.store.models import Athlete, Coach, FindingRecord
from coaching.web.coach_auth import COACH_COOKIE
from coaching.web.security import SESSION_COOKIE

WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}
AXE = VENDOR / "axe.min.js"
# Elements whose box may leave the screen on purpose: the skip link waits off-screen for focus.
OFFSCREEN_OK = ".skip, .visually-hidden, .visually-hidden *"
WIDER_THAN_SCREEN = """offscreenOk => Array.from(document.querySelectorAll('body *'))
  .filter(e => !e.matches(offscreenOk) && e.getClientRects().length
               && e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className : ''))"""
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""


def _busy_athlete_page(env: WebEnv) -> dict[str, str]:
    """Ann with every part of the page filled in: the sessions (cookies) and the paths to check."""
    team = squad(env)
    now = env.now()
    with env.runtime.sessions.begin() as db:
        CheckinRepository(db).record(team.ann, TODAY, 3)
        coach, ann = db.get(Coach, team.coach_id), db.get(Athlete, team.ann)
        spike = db.scalar(select(FindingRecord).where(FindingRecord.athlete_id == team.ann,
                                                      FindingRecord.rule == "long-run-spike"))
        acknowledge(db, coach, team.ann, spike.id, "Talked to Ann about a long, rather wordy note " * 3, now)
        change_threshold(db, coach, ann, "long_run_spike.warning_pct", "200", now)
    with env.client() as client:
        as_coach(client, team.coach_id)
        coach_cookie = client.cookies[COACH_COOKIE]
        client.get("/preferences", params={"t": email_link(team.ann)})
        runner_cookie = client.cookies[SESSION_COOKIE]
    checkin = email_link(team.ann, purpose="checkin")
    paths = {
        "coach-roster": "/coach",
        "coach-athlete": f"/coach/athletes/{team.ann}",
        "checkin": f"/checkin?t={checkin}&score=3",
        "checkin-saved": f"/checkin/saved?t={checkin}",
        "runner-coaches": "/preferences/coaches",
    }
    return {"coach": coach_cookie, "runner": runner_cookie, **paths}


def test_every_page_fits_phone_and_desktop_screens_and_axe_finds_no_serious_violation(
    env: WebEnv, browser: object, tmp_path: Path  # noqa: F811
) -> None:
    setup = _busy_athlete_page(env)
    coach_cookie, runner_cookie = setup.pop("coach"), setup.pop("runner")
    # The pages forbid inline scripts (CSP script-src 'self'); the injected checker is one.
    context = browser.new_context(viewport=WIDTHS["phone"], bypass_csp=True)
    shots = Path(os.environ.get("COACH_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    findings: dict[str, object] = {}
    try:
        page = context.new_page()
        for name, path in [("coach-signin", "/coach/signin"), *setup.items()]:
            if name == "coach-roster":
                context.add_cookies([{"name": COACH_COOKIE, "value": coach_cookie, "url": env.base_url},
                                     {"name": SESSION_COOKIE, "value": runner_cookie, "url": env.base_url}])
            page.set_viewport_size(WIDTHS["phone"])
            answer = page.goto(env.base_url + path)
            assert answer is not None and answer.status == 200, (name, answer and answer.status)
            for screen, size in WIDTHS.items():  # the same page, reflowed
                page.set_viewport_size(size)
                scroll_px, inner_px = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                shot = shots / f"{name}-{screen}.png"
                page.screenshot(path=str(shot), full_page=True)
                findings[f"{name} {screen}"] = (scroll_px <= inner_px, page.evaluate(WIDER_THAN_SCREEN, OFFSCREEN_OK),
                                                shot.stat().st_size > 10_000)
            # Once, at desktop width: contrast, names, labels and roles do not change with the width.
            page.add_script_tag(path=str(AXE))
            findings[f"{name} axe"] = [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]
    finally:
        context.close()
    expected: dict[str, object] = {}
    for name in ["coach-signin", *setup]:
        expected.update({f"{name} {screen}": (True, [], True) for screen in WIDTHS})
        expected[f"{name} axe"] = []
    assert findings == expected
