"""A run's messages, counted by its own outbox rows: queued = sent + failed + cancelled + waiting,
whoever sent them, and nobody else's rows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from coaching.services.run_messages import NIGHT_KINDS, RunMessages, run_messages
from coaching.store.outbox import NewMessage, OutboxRepository

NOW = datetime(2026, 3, 18, 12, 2, tzinfo=timezone.utc)


def _queue(outbox: OutboxRepository, athlete_id: int, kind: str = "alert", at: datetime = NOW,
           recipient_type: str = "athlete") -> int:
    outbox.enqueue(NewMessage(recipient_type, athlete_id, kind, "2026-03-18", "email", "s", "b"), at)
    return outbox.due_ids(at + timedelta(days=1))[-1]


def test_a_runs_rows_add_up_by_fate_and_other_runs_kinds_and_athletes_are_left_out(sessions):
    with sessions.begin() as session:
        outbox = OutboxRepository(session)
        sent, failed, cancelled, _waiting, sending = (_queue(outbox, athlete_id) for athlete_id in (1, 2, 3, 4, 5))
        for message_id in (sent, failed, sending):
            outbox.claim(message_id, NOW)
        outbox.mark_sent(sent, NOW)
        outbox.mark_failed(failed, "smtp down", NOW + timedelta(minutes=5))
        outbox.cancel(cancelled, "alerts turned off")
        _queue(outbox, 6, kind="weekly_summary")  # another flow's kind
        _queue(outbox, 7, at=NOW - timedelta(hours=1))  # an earlier run
        _queue(outbox, 8)  # another worker's athlete
        _queue(outbox, 1, kind="coach_digest", recipient_type="coach")
    with sessions.begin() as session:
        mine = run_messages(session, NOW, NIGHT_KINDS, "athlete", [1, 2, 3, 4, 5, 7])
        everyone_now = run_messages(session, NOW, NIGHT_KINDS, "athlete")
        digests = run_messages(session, NOW, ["coach_digest"], "coach")
    assert mine == RunMessages(queued=5, sent=1, failed=1, cancelled=1, waiting=2)
    assert everyone_now.queued == 6 and everyone_now.waiting == 3
    assert digests == RunMessages(queued=1, waiting=1)
