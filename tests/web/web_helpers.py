"""The web app running for real: uvicorn on 127.0.0.1, the fake Strava, local mail and push sinks."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, func, select

from coaching import links
from coaching.crypto import generate_key
from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.fake_strava.testing import OffsetClock
from coaching.runtime import Runtime
from coaching.services.notify import LINK_LIFETIME
from coaching.settings import Settings
from coaching.sinks import PushSink, SmtpSink
from coaching.store.db import make_engine, upgrade
from coaching.store.models import Base
from coaching.web import create_app
from tests.clock import TEST_NOW_S, make_clock

CLIENT_ID = 4321
SECRET = "web-test-client-secret"
LINK_SECRET = "web-test-link-secret-0123456789"


class AppSwitch:
    """One uvicorn for the whole test session (stopping one takes 0.15 s): each test plugs in its
    own app, built on its own database and fake Strava."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self.app is None:
            raise RuntimeError("no app plugged in")
        await self.app(scope, receive, send)


class LiveServer:
    """uvicorn in a background thread on a socket bound before the app is built (so the app's
    public URL, which Strava redirects to, already knows the port)."""

    def __init__(self) -> None:
        self.switch = AppSwitch()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        # The apps' lifespans are not run: web_env shuts each app's back-fill pool down itself.
        self.server = uvicorn.Server(uvicorn.Config(self.switch, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


@dataclass
class WebEnv:
    fake: FakeStrava
    runtime: Runtime
    app: FastAPI
    base_url: str
    smtp: SmtpSink
    push: PushSink
    clock: OffsetClock

    def client(self) -> httpx.Client:
        # A new connection per request: on this loopback a kept-alive one waits ~40 ms per answer
        # (delayed ACKs), which would make up most of the suite's time.
        return httpx.Client(base_url=self.base_url, timeout=10, limits=httpx.Limits(max_keepalive_connections=0))

    def now(self) -> datetime:
        return self.clock.now()

    def now_s(self) -> float:
        return self.clock()


def migrated_sqlite_file(directory: Path) -> Path:
    """A migrated SQLite database to copy for each test: migrating takes longer than the test."""
    path = directory / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@contextlib.contextmanager
def web_env(tmp_path: Path, *, server: LiveServer | None = None, engine: Engine | None = None,
            template_db: Path | None = None, athletes: int = 3, days: int = 45,
            end_date: date | None = None) -> Iterator[WebEnv]:
    """`end_date`: the last day of the fake's history (default: each runner's own yesterday)."""
    clock = make_clock()
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=SECRET, webhook_retry_delay_s=0.05,
                                       timeout_fault_s=2.0), now=clock)
    fake.seed(count=athletes, end_date=end_date, personas=["steady"], seed=7, days=days)
    own_server = server is None
    live = server or LiveServer()
    base_url = live.base_url
    with fake, SmtpSink(tmp_path) as smtp, PushSink(tmp_path) as push:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'web.db'}",
            strava_api_url=fake.base_url,
            strava_client_id=CLIENT_ID,
            strava_client_secret=SECRET,
            token_key=generate_key(),
            link_secret=LINK_SECRET,
            public_url=base_url,
            strava_redirect_uri=f"{base_url}/strava/callback",
            strava_request_timeout_s=5.0,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_mode="insecure",
            smtp_from_address="coach@knee-coach.example.org",
        )
        runtime = Runtime(settings, clock=clock.now)
        if engine is not None:
            runtime.__dict__["engine"] = engine  # the database fixture's, already migrated
        elif template_db is not None:
            shutil.copyfile(template_db, tmp_path / "web.db")
        else:
            upgrade(runtime.engine)
        app = create_app(runtime)
        live.switch.app = app
        if own_server:
            live.start()
        try:
            yield WebEnv(fake, runtime, app, base_url, smtp, push, clock)
        finally:
            if own_server:
                live.stop()
            live.switch.app = None
            app.state.web.backfill.shutdown()
            if engine is None:
                runtime.close()


@contextlib.contextmanager
def sign_in_through_strava(env: WebEnv, strava_id: int | None = None) -> Iterator[httpx.Client]:
    """What a browser does: /connect, Strava's consent (the fake approves), the callback. Yields a
    client holding the session cookie, on the preferences page."""
    with env.client() as client:
        yield _sign_in(env, client, strava_id)


def _sign_in(env: WebEnv, client: httpx.Client, strava_id: int | None) -> httpx.Client:
    to_strava = client.get("/connect")
    assert to_strava.status_code == 303
    location = to_strava.headers["location"]
    if strava_id is not None:
        location += "&" + urlencode({"athlete_id": strava_id})
    consent = httpx.get(location, follow_redirects=False, timeout=10)
    assert consent.status_code == 302
    callback = consent.headers["location"]
    assert callback.startswith(env.base_url)
    landed = client.get(callback.removeprefix(env.base_url), follow_redirects=True)
    assert landed.status_code == 200, landed.text
    return client


def email_link(athlete_id: int, *, purpose: str = "preferences", secret: str = LINK_SECRET,
               issued_ago_s: float = 0.0, now_s: float | None = None) -> str:
    """The signed token of a link in one of our emails, made `issued_ago_s` seconds before
    `now_s` (default: the suite's instant)."""
    expires = int((TEST_NOW_S if now_s is None else now_s) - issued_ago_s + LINK_LIFETIME.total_seconds())
    return links.sign(secret, purpose, str(athlete_id), expires)


def callback_query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def csrf_of(page_html: str) -> str:
    marker = 'name="csrf" value="'
    start = page_html.index(marker) + len(marker)
    return page_html[start : page_html.index('"', start)]


def wait_for_backfill(env: WebEnv, athlete_id: int, timeout_s: float = 20) -> None:
    env.app.state.web.backfill.wait(athlete_id, timeout_s)


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(engine)
    return engine
