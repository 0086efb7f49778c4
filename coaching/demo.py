"""`coach demo`: the whole pipeline on embedded defaults, with nothing to install or start.

A fake Strava, a local SMTP server and a local push receiver stand in for the outside world; the
runners connect through the real OAuth code flow; the flows run under Prefect's ephemeral API.
Running it again on the same directory adds no activity and sends no message twice.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import parse_qs, urlparse

import requests

from coaching.clock import Clock, wall_clock
from coaching.crypto import generate_key
from coaching.runtime import Runtime

if TYPE_CHECKING:
    from coaching.fake_strava import FakeStrava

DEMO_CLIENT_ID = 1234
DEMO_CLIENT_SECRET = "demo-client-secret"
# One story each: a runner whose training is fine, and one per common way into runner's knee.
DEMO_PERSONAS = ["steady", "long_run_spike", "ramp", "no_rest", "low_cadence", "worn_shoes"]
DEMO_SEED = 20261125


@dataclass(frozen=True)
class DemoResult:
    athletes: int
    activities: int
    findings: int
    messages_sent: int
    mail_files: int
    push_files: int
    out: Path


def _secrets(out: Path) -> dict[str, str]:
    """Kept between runs so a rerun can read the tokens it stored (they are encrypted at rest)."""
    path = out / "demo-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {"token_key": generate_key(), "link_secret": secrets.token_urlsafe(32)}
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def _configure_environment(out: Path, fake_url: str, smtp_port: int, keys: dict[str, str]) -> None:
    """The flows read their configuration from the environment, as they do when deployed."""
    os.environ.update(
        {
            "COACH_DATABASE_URL": f"sqlite:///{out / 'coach.db'}",
            "COACH_STRAVA_API_URL": fake_url,
            "COACH_STRAVA_CLIENT_ID": str(DEMO_CLIENT_ID),
            "COACH_STRAVA_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "COACH_TOKEN_KEY": keys["token_key"],
            "COACH_LINK_SECRET": keys["link_secret"],
            "COACH_SMTP_HOST": "127.0.0.1",
            "COACH_SMTP_PORT": str(smtp_port),
            "COACH_SMTP_MODE": "insecure",
            "COACH_SMTP_FROM_ADDRESS": "coach@knee-coach.example.org",
            "COACH_PUBLIC_URL": "http://127.0.0.1:8000",
        }
    )
    os.environ.setdefault("PREFECT_HOME", str(out / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def connect_through_oauth(runtime: Runtime, strava_athlete_id: int, email: str) -> int:
    """What a runner's browser does: authorize (the fake approves), follow the redirect, exchange."""
    from coaching.services.connect import connect_athlete

    state = secrets.token_urlsafe(16)
    url = runtime.strava.authorization_url(runtime.settings.strava_redirect_uri, state)
    answer = requests.get(url, params={"athlete_id": strava_athlete_id}, allow_redirects=False, timeout=10)
    if answer.status_code != 302:
        raise RuntimeError(f"authorize answered {answer.status_code}, expected a redirect")
    query = parse_qs(urlparse(answer.headers["Location"]).query)
    if query.get("state", [""])[0] != state:
        raise RuntimeError("OAuth state mismatch")
    with runtime.sessions.begin() as session:
        connected = connect_athlete(
            session, runtime.strava, runtime.box,
            code=query["code"][0], granted_scope=query.get("scope", [""])[0], email=email, now=runtime.clock(),
        )
    return connected.athlete_id


def run_demo(out: Path, *, athletes: int = len(DEMO_PERSONAS), end_date: date | None = None,
             now: datetime | None = None, echo: Callable[[str], None] = print) -> DemoResult:
    """`end_date`: the last day of the fake's history (default: each runner's own yesterday).
    `now`: the instant the demo runs at (default: the wall clock); the fake Strava, the flows and
    the database all take it, so a demo at a given instant always tells the same story."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    keys = _secrets(out)
    personas = (DEMO_PERSONAS * (athletes // len(DEMO_PERSONAS) + 1))[:athletes]

    from coaching.fake_strava import FakeStrava, FakeStravaConfig
    from coaching.sinks.push_sink import PushSink
    from coaching.sinks.smtp_sink import SmtpSink

    from coaching.fake_strava.testing import OffsetClock

    clock = OffsetClock(now) if now is not None else None
    fake = FakeStrava(FakeStravaConfig(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET),
                      **({"now": clock} if clock else {}))
    strava_ids = fake.seed(count=athletes, end_date=end_date, personas=personas, seed=DEMO_SEED)
    with fake, SmtpSink(out) as smtp, PushSink(out) as push:
        _configure_environment(out, fake.base_url, smtp.port, keys)
        return _run(out, fake, strava_ids, personas, push.apprise_url, echo, clock.now if clock else wall_clock)


def _run(
    out: Path, fake: FakeStrava, strava_ids: list[int], personas: list[str], push_url: str,
    echo: Callable[[str], None], clock: Clock,
) -> DemoResult:
    from coaching.settings import Settings
    from coaching.store.activities import ActivityRepository
    from coaching.store.athletes import AthleteRepository, CoachRepository
    from coaching.store.db import upgrade
    from coaching.store.models import FindingRecord

    runtime = Runtime(Settings(), clock=clock)
    upgrade(runtime.engine)
    echo(f"fake Strava at {fake.base_url}; mail and push sinks writing under {out}")
    athlete_ids = []
    for index, strava_id in enumerate(strava_ids):
        athlete_id = connect_through_oauth(runtime, strava_id, f"runner{index + 1}.{personas[index]}@example.org")
        athlete_ids.append(athlete_id)
    with runtime.sessions.begin() as session:
        athletes = AthleteRepository(session)
        # The first runner also wants push messages.
        first = athletes.get(athlete_ids[0])
        assert first is not None
        first.push_url_encrypted = runtime.box.encrypt(push_url)
        first.send_push = True
        coaches = CoachRepository(session)
        coach = coaches.upsert(name="Carla Coach", email="carla.coach@example.org", timezone="Europe/Berlin",
                                now=runtime.clock())
        # The coach sees two runners who agreed: one who is fine and one who is not.
        for athlete_id in athlete_ids[:2]:
            coaches.grant_consent(coach.id, athlete_id, runtime.clock())
    echo(f"connected {len(athlete_ids)} runners through Strava OAuth; coach {coach.name} follows 2 of them")

    from flows.nightly import nightly
    from flows.weekly import coach_digests, weekly_summaries

    night = nightly(now_iso=clock().isoformat())
    echo(f"nightly: {night['new_activities']} new activities, {night['alerts_queued']} alerts queued, "
         f"{night['messages_sent']} sent, {night['strava_requests']} Strava requests")
    weekly = weekly_summaries(now_iso=clock().isoformat())
    echo(f"weekly summaries: {weekly['summaries_queued']} queued, {weekly['messages_sent']} sent")
    digest = coach_digests(now_iso=clock().isoformat())
    echo(f"coach digest: {digest['digests_queued']} queued, {digest['messages_sent']} sent")

    with runtime.sessions.begin() as session:
        activities = ActivityRepository(session).count()
        findings = session.query(FindingRecord).count()
    runtime.close()
    sent = night["messages_sent"] + weekly["messages_sent"] + digest["messages_sent"]
    mail = len(list((out / "mail").glob("*.eml"))) if (out / "mail").exists() else 0
    pushes = len(list((out / "push").glob("*.json"))) if (out / "push").exists() else 0
    return DemoResult(len(athlete_ids), activities, findings, sent, mail, pushes, out)
