"""Outbox delivery through Apprise to a real SMTP server on localhost."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest

from coaching.crypto import generate_key
from coaching.runtime import Runtime
from coaching.services.notify import deliver_due, retry_delay
from coaching.settings import Settings
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.athletes import AthleteRepository
from coaching.store.db import upgrade
from coaching.store.models import utcnow
from coaching.store.outbox import NewMessage, OutboxRepository

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    return _free_port()


@pytest.fixture
def runtime(tmp_path, smtp_port):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'coach.db'}", token_key=generate_key(), link_secret="s3cret",
        smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_mode="insecure", smtp_from_address="coach@example.org",
    )
    rt = Runtime(settings)
    upgrade(rt.engine)
    with rt.sessions.begin() as s:
        athlete = AthleteRepository(s).upsert_from_strava(11, first_name="Ana", last_name="", timezone=None, units=None)
        athlete.email = "ana@example.org"
    yield rt
    rt.close()


def _queue(rt: Runtime, kind: str = "alert", period: str = "2026-11-23") -> None:
    with rt.sessions.begin() as s:
        OutboxRepository(s).enqueue(
            NewMessage("athlete", 1, kind, period, "email", f"Knee check {period}", "text", "<p>Hello Ana</p>"), NOW
        )


def _mails(directory) -> list:
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted((directory / "mail").glob("*.eml"))]


def test_a_queued_email_is_delivered_once_even_when_delivery_runs_twice(runtime, tmp_path, smtp_port):
    _queue(runtime)
    with SmtpSink(tmp_path, port=smtp_port):
        first = deliver_due(runtime, NOW)
        second = deliver_due(runtime, NOW + timedelta(hours=1))
    assert (first.sent, second.sent) == (1, 0)
    [mail] = _mails(tmp_path)
    assert mail["To"] == "ana@example.org" and mail["Subject"] == "Knee check 2026-11-23"


def test_smtp_down_keeps_the_message_queued_and_the_next_run_sends_it_once(runtime, tmp_path, smtp_port):
    _queue(runtime)
    down = deliver_due(runtime, NOW)  # nothing listens on the port
    assert (down.sent, down.failed) == (0, 1)
    with runtime.sessions.begin() as s:
        assert OutboxRepository(s).counts_by_status() == {"queued": 1}
        assert OutboxRepository(s).due_ids(NOW + timedelta(minutes=1)) == []  # backing off
    with SmtpSink(tmp_path, port=smtp_port):
        later = NOW + retry_delay(1)
        assert deliver_due(runtime, later).sent == 1
        assert deliver_due(runtime, later + timedelta(days=1)).sent == 0
    assert len(_mails(tmp_path)) == 1
    with runtime.sessions.begin() as s:
        assert OutboxRepository(s).counts_by_status() == {"sent": 1}


def test_a_runner_who_unsubscribed_after_queueing_is_never_sent_the_message(runtime, tmp_path, smtp_port):
    _queue(runtime)
    with runtime.sessions.begin() as s:
        AthleteRepository(s).get(1).unsubscribed_at = utcnow()
    with SmtpSink(tmp_path, port=smtp_port):
        report = deliver_due(runtime, NOW)
    assert (report.sent, report.cancelled) == (0, 1)
    assert _mails(tmp_path) == []


def test_a_crash_between_sending_and_recording_resends_only_after_the_lease(runtime, tmp_path, smtp_port):
    """The documented at-least-once window: the row stays `sending`; it is retried after 10 min."""
    _queue(runtime)
    with runtime.sessions.begin() as s:
        outbox = OutboxRepository(s)
        [message_id] = outbox.due_ids(NOW)
        outbox.claim(message_id, NOW)  # ... and the process died before mark_sent
    with SmtpSink(tmp_path, port=smtp_port):
        assert deliver_due(runtime, NOW + timedelta(minutes=5)).sent == 0
        assert deliver_due(runtime, NOW + timedelta(minutes=11)).sent == 1
    assert len(_mails(tmp_path)) == 1


def test_back_off_doubles_and_is_capped_at_six_hours():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert retry_delay(20) == timedelta(hours=6)
