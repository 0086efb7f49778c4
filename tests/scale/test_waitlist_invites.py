"""A place freed during a night (Strava refused a runner's token) or by a webhook revocation goes
to the first confirmed runner on the waiting list at once; `coach status` shows connected/capacity
and the list. On SQLite and PostgreSQL, against the fake and the SMTP sink."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from coaching.fake_strava import FakeStrava
from coaching.runtime import Runtime
from coaching.services.claims import Night
from coaching.services.night import NightOptions, run_worker
from coaching.services.status import format_status, pipeline_status
from coaching.services.webhooks import drain_webhook_events
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.models import Athlete, PushSubscription, WaitingRunner, WebhookEvent
from fixed_world import NOW, Clock, fixed_fake, next_run, preloaded

OPTIONS = NightOptions(batch_size=2, strava_threads=2)


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with fixed_fake(Clock(NOW), 4) as fake:
        yield fake


@pytest.fixture
def world(engine, fake, tmp_path) -> Iterator[tuple[Runtime, list[int], SmtpSink]]:
    runtime, ids = preloaded(engine, fake)
    runtime.settings.strava_athlete_capacity = 4
    with runtime.sessions.begin() as session:
        for index, address in enumerate(["ana@example.org", "ben@example.org", "cy@example.org"]):
            confirmed = NOW - timedelta(hours=3 - index) if address != "cy@example.org" else None
            session.add(WaitingRunner(email=address, created_at=NOW - timedelta(days=1), confirmed_at=confirmed))
    with SmtpSink(tmp_path) as smtp:
        runtime.settings.smtp_port = smtp.port
        yield runtime, ids, smtp
    runtime.close()


def _status(runtime: Runtime) -> str:
    with runtime.sessions.begin() as session:
        return format_status(pipeline_status(session, NOW, athlete_capacity=runtime.settings.strava_athlete_capacity))


def test_a_runner_strava_refuses_during_the_night_frees_a_place_for_the_first_confirmed(world, fake):
    runtime, ids, smtp = world
    assert "Strava athletes: 4 connected of 4" in _status(runtime)
    assert "0 free; waiting list: 2 confirmed, 1 unconfirmed" in _status(runtime)
    fake.revoke_athlete(fake.athlete_ids[1])
    report = run_worker(next_run(runtime), "w1", Night.everyone(NOW), NOW, OPTIONS)
    assert report.sync.disconnected == 1
    assert [m.rcpt_tos for m in smtp.received if "ana@example.org" in m.rcpt_tos] == [("ana@example.org",)]
    assert not [m for m in smtp.received if "ben@example.org" in m.rcpt_tos]
    with runtime.sessions.begin() as session:
        ana = session.scalar(select(WaitingRunner).where(WaitingRunner.email == "ana@example.org"))
        assert ana.invited_at == NOW and ana.invite_expires_at == NOW + timedelta(days=7)
    text = _status(runtime)
    assert "3 connected of 4" in text and "1 place(s) held for invited runners, 0 free" in text
    assert "waiting list: 1 confirmed, 1 unconfirmed" in text


def test_a_revocation_through_a_webhook_invites_the_first_confirmed_runner(world, fake):
    runtime, ids, smtp = world
    with runtime.sessions.begin() as session:
        session.add(PushSubscription(id=88, callback_url="http://127.0.0.1/strava/webhook"))
        leaving = session.get(Athlete, ids[0])
        session.add(WebhookEvent(dedupe_key="revoke", subscription_id=88, object_type="athlete",
                                 object_id=leaving.strava_id, aspect_type="update", owner_id=leaving.strava_id,
                                 updates={"authorized": "false"}, event_time=int(NOW.timestamp()),
                                 next_attempt_at=NOW))
    fake.revoke_athlete(fake.athlete_ids[0])
    report = drain_webhook_events(next_run(runtime), NOW)
    assert report.erased_athletes == 1
    assert [m.rcpt_tos for m in smtp.received] == [("ana@example.org",)]
