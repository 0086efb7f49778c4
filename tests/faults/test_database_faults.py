"""The database briefly unavailable: PostgreSQL unreachable (the proxy in front of it cut) or its
backends terminated in the middle of a transaction, and SQLite locked by another writer for longer
than the busy timeout. The run fails cleanly (nothing half-stored), and the next run completes with
nothing doubled; a delivery whose "sent" could not be recorded is re-sent once, after the lease."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from coaching.crypto import generate_key
from coaching.messages.message import RenderedMessage
from coaching.messages.notifier import Channel
from coaching.runtime import Runtime
from coaching.services.notify import deliver_due
from coaching.services.sync import SyncPolicy, sync_athlete
from coaching.settings import Settings
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.athletes import AthleteRepository
from coaching.store.models import OutboxMessage
from coaching.store.outbox import SENDING_LEASE, NewMessage, OutboxRepository
from tests.faults.db_outage import (
    PgThroughProxy,
    SqliteWriteLock,
    postgres_admin_url,
    postgres_through_proxy,
    sqlite_engine_with_busy_timeout,
    terminate_backends,
)
from tests.faults.fault_env import (
    DELIVERY_NOW,
    PAGE_SIZE,
    assert_store_mirrors_fake,
    connect,
    on_call,
    stored_ids,
)

POLICY = SyncPolicy(page_size=PAGE_SIZE)


@pytest.fixture
def pg() -> Iterator[PgThroughProxy]:
    url = postgres_admin_url()
    if url is None:
        if os.environ.get("COACH_REQUIRE_POSTGRES") == "1":
            pytest.fail("COACH_REQUIRE_POSTGRES=1 but COACH_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL not configured (set COACH_TEST_DATABASE_URL)")
    with postgres_through_proxy(url) as running:
        yield running


def _pages_ids(pages: list[list[dict]]) -> set[int]:
    return {item["id"] for page in pages for item in page}


def test_postgres_unreachable_in_the_middle_of_a_back_fill_keeps_whole_pages_and_the_next_run_completes(
    pg, box, fake, source, clock
):
    sessions = sessionmaker(pg.engine, expire_on_commit=False)
    strava_id = fake.athlete_ids[0]
    athlete_id = connect(sessions, source, box, strava_id)
    pages = on_call(source, "list_activities", 3, pg.proxy.cut)  # Strava answers; the database is gone

    with pytest.raises(OperationalError):
        sync_athlete(sessions, source, box, athlete_id, clock.now(), POLICY)
    committed = _pages_ids(pages[:2])
    pg.proxy.restore()

    assert stored_ids(sessions, athlete_id) == committed  # pages one and two, nothing of the third
    sync_athlete(sessions, source, box, athlete_id, clock.now(), POLICY)
    assert_store_mirrors_fake(sessions, fake, strava_id, athlete_id)


def test_postgres_terminating_our_connection_mid_transaction_rolls_the_page_back_and_the_next_run_completes(
    pg, box, fake, source, clock
):
    sessions = sessionmaker(pg.engine, expire_on_commit=False)
    strava_id = fake.athlete_ids[1]
    athlete_id = connect(sessions, source, box, strava_id)
    pages = on_call(source, "list_activities", 99, lambda: None)
    inserts = {"n": 0, "terminated": 0}

    @event.listens_for(pg.engine, "before_cursor_execute")
    def _terminate_on_the_25th_insert(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.startswith("INSERT INTO activities"):
            inserts["n"] += 1
            if inserts["n"] == 25:  # the middle of the third page's transaction
                inserts["terminated"] = terminate_backends(postgres_admin_url() or "", pg.application_name)

    with pytest.raises(DBAPIError):
        sync_athlete(sessions, source, box, athlete_id, clock.now(), POLICY)
    event.remove(pg.engine, "before_cursor_execute", _terminate_on_the_25th_insert)
    assert inserts["terminated"] >= 1
    assert stored_ids(sessions, athlete_id) == _pages_ids(pages[:2])
    with sessions.begin() as s:
        # The failure was recorded on a fresh connection (pool_pre_ping), for the status page.
        assert "Error" in (AthleteRepository(s).sync_state(athlete_id).last_error or "")

    sync_athlete(sessions, source, box, athlete_id, clock.now(), POLICY)
    assert_store_mirrors_fake(sessions, fake, strava_id, athlete_id)


def test_sqlite_locked_by_another_writer_past_the_busy_timeout_fails_the_run_cleanly_and_the_next_completes(
    tmp_path, box, fake, source, clock
):
    engine = sqlite_engine_with_busy_timeout(tmp_path / "coach.db", busy_timeout_ms=200)
    sessions = sessionmaker(engine, expire_on_commit=False)
    lock = SqliteWriteLock(tmp_path / "coach.db")
    try:
        strava_id = fake.athlete_ids[0]
        athlete_id = connect(sessions, source, box, strava_id)
        pages = on_call(source, "list_activities", 3, lock.take)

        with pytest.raises(OperationalError, match="database is locked"):
            sync_athlete(sessions, source, box, athlete_id, clock.now(), POLICY)
        lock.release()
        assert stored_ids(sessions, athlete_id) == _pages_ids(pages[:2])

        sync_athlete(sessions, source, box, athlete_id, clock.now(), POLICY)
        assert_store_mirrors_fake(sessions, fake, strava_id, athlete_id)
    finally:
        lock.close()
        engine.dispose()


def _queue_three(sessions: sessionmaker[Session], now: datetime) -> None:
    with sessions.begin() as s:
        athlete = AthleteRepository(s).upsert_from_strava(31, first_name="Ana", last_name="", timezone=None, units=None)
        athlete.email = "ana@example.org"
        s.flush()
        for day in ("2026-11-21", "2026-11-22", "2026-11-23"):
            OutboxRepository(s).enqueue(NewMessage("athlete", athlete.id, "alert", day, "email", f"alert {day}",
                                                   "text", "<p>html</p>"), now)


def _delivery_runtime(database_url: str, smtp: SmtpSink) -> Runtime:
    return Runtime(Settings(database_url=database_url, token_key=generate_key(), link_secret="db-fault-links",
                            smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_mode="insecure",
                            smtp_from_address="coach@example.org"))


def _after_the_first_send(runtime: Runtime, outage: Callable[[], None]) -> None:
    """The mail server accepts the first message; then the database goes away."""
    notifier = runtime.notifier
    original = notifier.send
    calls = {"n": 0}

    def send(message: RenderedMessage, channel: Channel) -> None:
        original(message, channel)
        calls["n"] += 1
        if calls["n"] == 1:
            outage()

    notifier.send = send  # type: ignore[method-assign]


def _assert_one_resend_after_the_lease(runtime: Runtime, smtp: SmtpSink, now: datetime,
                                       restore: Callable[[], None]) -> None:
    with pytest.raises(DBAPIError):
        deliver_due(runtime, now)
    restore()
    runtime.__dict__.pop("notifier")
    with runtime.sessions.begin() as s:
        statuses = dict(s.execute(select(OutboxMessage.subject, OutboxMessage.status)).all())
    assert statuses == {"alert 2026-11-21": "sending", "alert 2026-11-22": "queued", "alert 2026-11-23": "queued"}
    assert deliver_due(runtime, now).sent == 2  # the rest; the unrecorded one waits for its lease
    assert deliver_due(runtime, now + SENDING_LEASE + timedelta(minutes=1)).sent == 1
    subjects = sorted(str(message_from_bytes(m.path.read_bytes(), policy=policy.default)["Subject"])
                      for m in smtp.received)
    assert subjects == ["alert 2026-11-21", "alert 2026-11-21", "alert 2026-11-22", "alert 2026-11-23"]
    with runtime.sessions.begin() as s:
        assert OutboxRepository(s).counts_by_status() == {"sent": 3}


def test_postgres_unreachable_after_the_mail_server_accepted_resends_that_message_once_after_the_lease(pg, tmp_path):
    now = DELIVERY_NOW
    with SmtpSink(tmp_path) as smtp:
        runtime = _delivery_runtime(pg.url, smtp)
        try:
            _queue_three(runtime.sessions, now)
            _after_the_first_send(runtime, pg.proxy.cut)
            _assert_one_resend_after_the_lease(runtime, smtp, now, pg.proxy.restore)
        finally:
            runtime.close()


def test_sqlite_locked_after_the_mail_server_accepted_resends_that_message_once_after_the_lease(tmp_path: Path):
    now = DELIVERY_NOW
    path = tmp_path / "coach.db"
    sqlite_engine_with_busy_timeout(path, busy_timeout_ms=200).dispose()
    lock = SqliteWriteLock(path)
    with SmtpSink(tmp_path) as smtp:
        runtime = _delivery_runtime(f"sqlite:///{path}", smtp)
        runtime.__dict__["engine"] = sqlite_engine_with_busy_timeout(path, busy_timeout_ms=200)
        try:
            _queue_three(runtime.sessions, now)
            _after_the_first_send(runtime, lock.take)
            _assert_one_resend_after_the_lease(runtime, smtp, now, lock.release)
        finally:
            lock.close()
            runtime.close()
