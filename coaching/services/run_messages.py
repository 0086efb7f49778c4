"""What became of the messages a run queued, whoever delivered them.

A run's own delivery step sends whatever is due, its own messages and other runs' alike: two flows
running together each send some of the other's, so "sent by this run" adds up to nothing (a
weekly-summaries artifact once said "messages sent 52" for 1,000 summaries). A run's artifact
counts its own outbox rows instead: the rows of its kinds stamped with its instant (`created_at`
is the run's `now`, which the workers of a night share), and for the nightly only its own athletes.
Then queued = sent + failed (retrying) + cancelled + waiting, whichever run sent them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Collection, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from coaching.store.models import OutboxMessage

NIGHT_KINDS = ("alert", "reconnect", "checkin_prompt")
_IDS_PER_QUERY = 500  # SQLite's bound-parameter limit is far away; keeps the statements small


@dataclass(frozen=True)
class RunMessages:
    queued: int = 0
    sent: int = 0
    failed: int = 0  # tried and failed, waiting for a retry
    cancelled: int = 0
    waiting: int = 0  # not tried yet, or being sent right now

    def as_summary(self) -> dict[str, int]:
        return {"messages_queued": self.queued, "messages_sent": self.sent, "messages_failed": self.failed,
                "messages_cancelled": self.cancelled, "messages_waiting": self.waiting}


def run_messages(
    session: Session, queued_at: datetime, kinds: Sequence[str], recipient_type: str,
    recipient_ids: Collection[int] | None = None,
) -> RunMessages:
    """The fate of the rows of `kinds` queued at `queued_at` (for `recipient_ids` only, if given)."""
    counts = {"sent": 0, "failed": 0, "cancelled": 0, "waiting": 0}
    ids = sorted(recipient_ids) if recipient_ids is not None else None
    chunks = [ids[i : i + _IDS_PER_QUERY] for i in range(0, len(ids), _IDS_PER_QUERY)] if ids is not None else [None]
    for chunk in chunks:
        query = (
            select(OutboxMessage.status, func.count(), func.sum(case((OutboxMessage.attempts > 0, 1), else_=0)))
            .where(OutboxMessage.created_at == queued_at, OutboxMessage.kind.in_(list(kinds)),
                   OutboxMessage.recipient_type == recipient_type)
            .group_by(OutboxMessage.status)
        )
        if chunk is not None:
            query = query.where(OutboxMessage.recipient_id.in_(chunk))
        for status, count, tried in session.execute(query):
            if status in ("sent", "cancelled"):
                counts[status] += int(count)
            elif status == "queued":  # tried before: it failed and waits for its retry
                counts["failed"] += int(tried or 0)
                counts["waiting"] += int(count) - int(tried or 0)
            else:  # sending
                counts["waiting"] += int(count)
    return RunMessages(queued=sum(counts.values()), **counts)
