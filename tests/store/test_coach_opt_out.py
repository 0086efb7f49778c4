"""Migration 0005 (coaches.unsubscribed_at) and the digest's opt-out checks, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select, text

from coaching import links
from coaching.crypto import generate_key
from coaching.messages.notifier import RecordingNotifier
from coaching.runtime import Runtime
from coaching.services.coach_subscription import coach_for_link, preferences_url, set_digest
from coaching.services.notify import deliver_due
from coaching.services.weekly import queue_coach_digests
from coaching.settings import Settings
from coaching.store.athletes import CoachRepository
from coaching.store.db import current_revision, downgrade, head_revision, upgrade
from coaching.store.models import Coach, OutboxMessage

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
SECRET = "coach-links"


def _columns(engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("coaches")}


def test_0005_adds_the_opt_out_column_keeping_every_coach_subscribed_and_downgrades_cleanly(engine) -> None:
    downgrade(engine, "0004")
    assert "unsubscribed_at" not in _columns(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO coaches (name, email, timezone, created_at) "
                          "VALUES ('Old Coach', 'old@example.org', 'UTC', :now)"), {"now": NOW})
    upgrade(engine)
    assert current_revision(engine) == head_revision()  # 0005 or any later one
    assert "unsubscribed_at" in _columns(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, unsubscribed_at FROM coaches")).all() == [("Old Coach", None)]
    downgrade(engine, "0004")
    assert "unsubscribed_at" not in _columns(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM coaches")).scalars().all() == ["Old Coach"]
    upgrade(engine)


@pytest.fixture
def runtime(engine):
    rt = Runtime(Settings(database_url="sqlite://", token_key=generate_key(), link_secret=SECRET,
                          public_url="https://coach.example"))
    rt.__dict__["engine"] = engine
    rt.__dict__["notifier"] = RecordingNotifier()
    return rt


def test_the_signed_link_names_one_coach_and_stopping_twice_keeps_the_first_time(runtime: Runtime) -> None:
    with runtime.sessions.begin() as db:
        coach = CoachRepository(db).upsert(name="Carla", email="carla@example.org")
        coach.created_at = NOW - timedelta(days=30)  # links made before a coach existed are refused
        coach_id = coach.id
    url = preferences_url("https://coach.example/", SECRET, coach_id, NOW)
    assert url.startswith("https://coach.example/coach/preferences?t=coach-")
    token = url.split("t=", 1)[1]
    with runtime.sessions.begin() as db:
        linked = coach_for_link(db, SECRET, token, NOW)
        assert (linked.id, linked.name, linked.digest_on) == (coach_id, "Carla", True)
        assert set_digest(db, coach_id, on=False, now=NOW) is True
        assert set_digest(db, coach_id, on=False, now=NOW + timedelta(days=1)) is False
    with runtime.sessions.begin() as db:
        assert db.get(Coach, coach_id).unsubscribed_at == NOW
        assert coach_for_link(db, SECRET, token, NOW).digest_on is False
        with pytest.raises(links.BadLink, match="expired"):
            coach_for_link(db, SECRET, token, NOW + timedelta(days=61))
        with pytest.raises(links.BadLink, match="not valid"):
            coach_for_link(db, "another secret", token, NOW)


def test_an_opted_out_coach_is_not_queued_and_a_queued_digest_is_cancelled_at_send_time(runtime: Runtime) -> None:
    with runtime.sessions.begin() as db:
        coaches = CoachRepository(db)
        carla = coaches.upsert(name="Carla", email="carla@example.org").id
        dora = coaches.upsert(name="Dora", email="dora@example.org").id
    assert sorted(r.coach_id for r in queue_coach_digests(runtime, NOW)) == [carla, dora]
    with runtime.sessions.begin() as db:
        set_digest(db, carla, on=False, now=NOW)
    report = deliver_due(runtime, NOW)
    assert (report.sent, report.cancelled) == (1, 1)
    assert [channel.target for _, channel in runtime.notifier.sent] == ["dora@example.org"]
    with runtime.sessions.begin() as db:
        statuses = dict(db.execute(select(OutboxMessage.recipient_id, OutboxMessage.status)).all())
    assert statuses == {carla: "cancelled", dora: "sent"}

    next_week = NOW + timedelta(days=7)
    assert [(r.coach_id, r.queued) for r in queue_coach_digests(runtime, next_week)] == [(dora, 1)]
    with runtime.sessions.begin() as db:
        set_digest(db, carla, on=True, now=next_week)
    again = queue_coach_digests(runtime, next_week)
    assert {r.coach_id: r.queued for r in again} == {carla: 1, dora: 0}  # back in; Dora's was queued already
