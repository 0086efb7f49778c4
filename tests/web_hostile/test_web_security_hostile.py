"""The webhook cannot make the app fetch (or store) another athlete's activity; cookies are Secure
behind https; every kind of answer, error pages included, carries the security headers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from coach_helpers import add_athlete, link_in, squad, wait_for_mails
from hostile_web import assert_safe_answer, event, hooked_runner
from sqlalchemy import func, select
from web_helpers import WebEnv, email_link

from coaching.runtime import Runtime
from coaching.services.webhooks import process_webhook_events
from coaching.store.models import Activity
from coaching.web import create_app
from coaching.web.coach_auth import COACH_COOKIE
from coaching.web.security import SECURITY_HEADERS, SESSION_COOKIE, STATE_COOKIE


def _owner_of(env: WebEnv, activity_id: int) -> int | None:
    with env.runtime.sessions.begin() as db:
        return db.scalar(select(Activity.athlete_id).where(Activity.id == activity_id))


def _activity_count(env: WebEnv) -> int:
    with env.runtime.sessions.begin() as db:
        return int(db.scalar(select(func.count()).select_from(Activity)) or 0)


def _post_and_process(env: WebEnv, **fields: object):  # type: ignore[no-untyped-def]
    assert env.fake.wait_for_webhooks()
    process_webhook_events(env.runtime, env.now())  # the fake's own events first
    with env.client() as client:
        assert client.post("/strava/webhook", json=event(env, **fields)).json() == {"status": "queued"}
    return process_webhook_events(env.runtime, env.now())


def test_an_event_naming_another_athletes_activity_stores_it_nowhere(db_env: WebEnv) -> None:
    env = db_env
    ann_strava, ben_strava, stranger = env.fake.athlete_ids[:3]
    ann = hooked_runner(env, ann_strava)
    ben = hooked_runner(env, ben_strava)
    strangers_run = env.fake.add_activity(stranger, distance_m=21_097.0)  # never connected here
    bens_run = env.fake.add_activity(ben_strava, distance_m=10_000.0)
    assert env.fake.wait_for_webhooks()
    process_webhook_events(env.runtime, env.now())
    assert (_owner_of(env, strangers_run), _owner_of(env, bens_run)) == (None, ben.id)
    stored = _activity_count(env)
    for victims_run in (strangers_run, bens_run):
        for aspect in ("create", "update", "delete"):
            report = _post_and_process(env, owner_id=ann_strava, object_id=victims_run, aspect_type=aspect)
            assert report.athlete_ids == [], (victims_run, aspect)  # nothing of Ann's changed
    assert (_owner_of(env, strangers_run), _owner_of(env, bens_run)) == (None, ben.id)
    assert _activity_count(env) == stored
    assert ann.id != ben.id


def test_even_a_strava_that_shows_public_activities_to_anyone_stores_nothing_under_the_wrong_owner(
        env: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    ann_strava, stranger = env.fake.athlete_ids[0], env.fake.athlete_ids[2]
    hooked_runner(env, ann_strava)
    strangers_run = env.fake.add_activity(stranger, distance_m=42_195.0)
    # Strava's API may answer another athlete's public activity to any token: ours must not trust it.
    monkeypatch.setattr(env.runtime.strava, "get_activity",
                        lambda token, activity_id: env.fake.activity_json(activity_id, detailed=True))
    stored = _activity_count(env)
    report = _post_and_process(env, owner_id=ann_strava, object_id=strangers_run)
    assert (report.processed, report.ignored, report.athlete_ids) == (0, 1, [])
    assert _owner_of(env, strangers_run) is None and _activity_count(env) == stored


# Behind https -------------------------------------------------------------------------------

HTTPS_URL = "https://coach.example.org"


@pytest.fixture
def https_app(env: WebEnv) -> Iterator[tuple[WebEnv, object]]:
    """The same database and fake Strava, served as https://coach.example.org (behind a proxy)."""
    settings = env.runtime.settings.model_copy(update={"public_url": HTTPS_URL,
                                                       "strava_redirect_uri": f"{HTTPS_URL}/strava/callback"})
    runtime = Runtime(settings, clock=env.runtime.clock)
    runtime.__dict__["engine"] = env.runtime.engine
    app = create_app(runtime)
    yield env, app
    app.state.web.backfill.shutdown()


def _visit(app: object, calls: list[tuple[str, str, dict]]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url=HTTPS_URL) as client:
            answers = []
            for method, path, kwargs in calls:
                answers.append(await client.request(method, path, **kwargs))
            return answers

    return asyncio.run(run())


def _cookie(answer: httpx.Response, name: str) -> str:
    (found,) = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    return found


def test_every_cookie_is_secure_httponly_and_samesite_behind_https(https_app: tuple[WebEnv, object]) -> None:
    env, app = https_app
    team = squad(env)
    runner = add_athlete(env, 8201, "Ria", "Runner")
    _visit(app, [("POST", "/coach/signin", {"data": {"email": "carla@example.org"}})])
    (mail,) = wait_for_mails(env, "carla@example.org", 1)
    signin_token = link_in(mail, "/coach/signin/link").split("t=", 1)[1]
    connect, callback, session, coach = _visit(app, [
        ("GET", "/connect", {}),
        ("GET", "/strava/callback", {"params": {"state": "forged"}}),  # clears the state cookie
        ("GET", "/preferences", {"params": {"t": email_link(runner)}}),
        ("POST", "/coach/signin/link", {"data": {"t": signin_token}}),
    ])
    assert coach.status_code == 303 and team.coach_id
    for answer, name in ((connect, STATE_COOKIE), (callback, STATE_COOKIE), (session, SESSION_COOKIE),
                         (coach, COACH_COOKIE)):
        cookie = _cookie(answer, name)
        for flag in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
            assert flag in cookie, (name, cookie)
        assert "Domain=" not in cookie  # host-only: no sibling subdomain gets it


def test_every_kind_of_answer_carries_the_security_headers(https_app: tuple[WebEnv, object]) -> None:
    env, app = https_app
    runner = add_athlete(env, 8202, "Ria", "Runner")

    def boom() -> None:
        raise RuntimeError("database password is hunter2")

    app.add_api_route("/boom", boom)  # type: ignore[attr-defined]
    pages = {
        "landing": ("GET", "/", {}),
        "redirect to Strava": ("GET", "/connect", {}),
        "bad query (400)": ("GET", "/connect", {"params": {"force": "lots"}}),
        "expired link (400)": ("GET", "/preferences", {"params": {"t": "1.2.x"}}),
        "signed out (401)": ("GET", "/preferences", {}),
        "JSON 401": ("GET", "/connect/progress", {}),
        "cross-site form (403)": ("POST", "/preferences/stop", {"headers": {"origin": "https://evil.example"}}),
        "CSRF (403)": ("POST", "/preferences/stop", {"params": {}, "data": {"csrf": "x"},
                                                      "cookies": {}}),
        "webhook verify token (403)": ("GET", "/strava/webhook", {"params": {"hub.verify_token": "x"}}),
        "not found (404)": ("GET", "/nowhere", {}),
        "bad path id (404)": ("GET", "/coach/athletes/99999999999999999999", {}),
        "wrong method (405)": ("PUT", "/", {}),
        "too large (413)": ("POST", "/coach/signin", {"content": b"x" * 70_000}),
        "webhook bad JSON (400)": ("POST", "/strava/webhook", {"content": b"{"}),
        "webhook wrong type (415)": ("POST", "/strava/webhook", {"content": b"{}",
                                                                 "headers": {"content-type": "text/plain"}}),
        "static file": ("GET", "/static/style.css", {}),
        "check-in page": ("GET", "/checkin", {"params": {"t": email_link(runner, purpose="checkin")}}),
        "coach sign-in page": ("GET", "/coach/signin", {}),
        "crash (500)": ("GET", "/boom", {}),
    }
    answers = dict(zip(pages, _visit(app, list(pages.values()))))
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses["crash (500)"] == 500 and statuses["wrong method (405)"] == 405
    assert statuses["bad query (400)"] == 400 and statuses["bad path id (404)"] == 404
    for name, answer in answers.items():
        for header, value in SECURITY_HEADERS.items():
            assert answer.headers.get(header) == value, (name, header)
        if name != "static file":
            assert answer.headers.get("cache-control") == "no-store", name
        if answer.status_code < 500:
            assert_safe_answer(answer)
    crash = answers["crash (500)"]
    assert "Something went wrong" in crash.text and "hunter2" not in crash.text and "Traceback" not in crash.text
