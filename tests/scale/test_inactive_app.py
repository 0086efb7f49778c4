"""Strava makes the app inactive (its owner's subscription lapsed, API.md §6): every call answers
403. A night then costs one request, marks nobody, tells the operator once, and the first night
Strava answers again syncs everyone. On SQLite and PostgreSQL, against the fake over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from coaching.fake_strava import FakeStrava
from coaching.runtime import Runtime
from coaching.services.app_status import app_status
from coaching.services.claims import Night
from coaching.services.night import NightOptions, run_worker
from coaching.services.notify import deliver_due
from coaching.services.status import format_status, pipeline_status
from coaching.services.webhooks import drain_webhook_events
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.models import Athlete, OutboxMessage, PushSubscription, SyncState, WebhookEvent
from coaching.strava.errors import REACTIVATE_APP
from fixed_world import NOW, Clock, fixed_fake, next_run, preloaded
from scale_helpers import CLIENT_ID

OPTIONS = NightOptions(batch_size=2, strava_threads=4)  # several threads and batches: still one request


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeStrava]:
    with fixed_fake(clock, 6) as fake:
        yield fake


@pytest.fixture
def world(engine, fake) -> Iterator[tuple[Runtime, list[int]]]:
    runtime, ids = preloaded(engine, fake)
    yield runtime, ids
    runtime.close()


def _night(runtime: Runtime, at: datetime):
    return run_worker(next_run(runtime), "w1", Night.everyone(at), at, OPTIONS)


def _sync_rows(runtime: Runtime) -> dict[int, tuple]:
    with runtime.sessions.begin() as session:
        return {row.athlete_id: (row.last_attempt_at, row.last_success_at, row.last_error)
                for row in session.scalars(select(SyncState))}


def _operator_mail(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions.begin() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_type == "operator")))


def test_a_night_with_the_app_inactive_costs_one_request_and_marks_no_runner(world, fake):
    runtime, ids = world
    before = _sync_rows(runtime)
    fake.set_app_inactive()
    fake.reset_stats()
    report = _night(runtime, NOW)
    assert fake.stats.requests_total == 1
    assert report.sync.app_inactive and not report.sync.budget_exhausted
    assert (report.sync.synced, report.sync.failed, report.sync.disconnected) == (0, 0, 0)
    assert report.batches == 1 and report.evaluation.evaluated == 0
    assert dict(report.sync.reasons) == {"ApplicationInactive": 2}
    assert _sync_rows(runtime) == before  # nobody attempted, failed or disconnected
    with runtime.sessions.begin() as session:
        assert all(a.connected for a in session.scalars(select(Athlete)))
        state = app_status(session, CLIENT_ID)
    assert state.inactive_since == NOW and state.last_refused_at == NOW


def test_the_operator_is_emailed_once_however_many_nights_the_app_stays_inactive(world, fake, tmp_path):
    runtime, _ = world
    fake.set_app_inactive()
    for night in range(3):
        fake.reset_stats()
        _night(runtime, NOW + timedelta(days=night))
        assert fake.stats.requests_total == 1
    [mail] = _operator_mail(runtime)
    assert mail.kind == "app_inactive" and REACTIVATE_APP in mail.body_text
    assert "2026-11-25 12:00 UTC" in mail.body_text
    with runtime.sessions.begin() as session:
        state = app_status(session, CLIENT_ID)
    assert state.inactive_since == NOW and state.last_refused_at == NOW + timedelta(days=2)

    with SmtpSink(tmp_path) as smtp:
        runtime.settings.smtp_port = smtp.port
        report = deliver_due(runtime, NOW + timedelta(days=2))
        assert report.sent == 1
        [sent] = smtp.received
    assert sent.rcpt_tos == ("operator@knee-coach.example.org",)
    mail_text = sent.path.read_text()
    assert "inactive" in mail_text and "strava.com/settings/api" in mail_text


def test_coach_status_says_since_when_and_what_to_do(world, fake):
    runtime, _ = world
    fake.set_app_inactive()
    _night(runtime, NOW)
    later = NOW + timedelta(hours=5)
    with runtime.sessions.begin() as session:
        text = format_status(pipeline_status(session, later, application_id=CLIENT_ID))
    line = next(line for line in text.splitlines() if line.startswith("Strava app:"))
    assert "INACTIVE since 2026-11-25 12:00 UTC (5 h ago)" in line
    assert REACTIVATE_APP in line


def test_the_first_night_strava_answers_again_syncs_everyone_and_clears_the_state(world, fake, clock):
    runtime, ids = world
    fake.set_app_inactive()
    _night(runtime, NOW)
    fake.set_app_inactive(False)
    tomorrow = NOW + timedelta(days=1)
    clock.at = tomorrow
    fake.reset_stats()
    report = _night(runtime, tomorrow)
    assert report.sync.synced == len(ids) and not report.sync.app_inactive
    assert report.evaluation.evaluated == len(ids)
    with runtime.sessions.begin() as session:
        state = app_status(session, CLIENT_ID)
        text = format_status(pipeline_status(session, tomorrow, application_id=CLIENT_ID))
    assert state.inactive_since is None and state.reactivated_at == tomorrow
    assert "Strava app: active (inactive until 2026-11-26 12:00 UTC" in text
    assert all(row[1] == tomorrow for row in _sync_rows(runtime).values())


def test_queued_webhook_events_wait_untouched_while_the_app_is_inactive(world, fake):
    runtime, ids = world
    with runtime.sessions.begin() as session:
        session.add(PushSubscription(id=77, callback_url="http://127.0.0.1/strava/webhook"))
        for index, athlete in enumerate(session.scalars(select(Athlete)).all()[:3]):
            session.add(WebhookEvent(dedupe_key=f"k{index}", subscription_id=77, object_type="activity",
                                     object_id=10_000 + index, aspect_type="create", owner_id=athlete.strava_id,
                                     updates={}, event_time=int(NOW.timestamp()), next_attempt_at=NOW))
    fake.set_app_inactive()
    fake.reset_stats()
    drained = drain_webhook_events(runtime, NOW, threads=3)
    night = run_worker(runtime, "w1", Night.everyone(NOW), NOW, OPTIONS)
    assert fake.stats.requests_total == 1  # the drain's first call; the night asks no more
    assert drained.deferred == 3 and drained.failed == 0 and night.sync.synced == 0
    with runtime.sessions.begin() as session:
        events = session.scalars(select(WebhookEvent)).all()
    assert {(e.status, e.attempts) for e in events} == {("queued", 0)}
