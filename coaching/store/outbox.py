"""The outbox: every message is written here before it is sent.

The unique key (recipient, kind, period, channel) makes a rerun of a flow a no-op; a failed send
stays queued with a back-off; a row stuck in `sending` (the process died mid-send) is retried after
a lease expires, which is the one place a duplicate can happen (see README, "Delivery guarantee").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coaching.store.models import OutboxMessage

SENDING_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class NewMessage:
    recipient_type: str  # athlete | coach
    recipient_id: int
    kind: str
    period: str
    channel: str  # email | push
    subject: str
    body_text: str
    body_html: str | None = None
    unsubscribe_url: str | None = None
    urgency: str = "info"


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, message: NewMessage, now: datetime) -> bool:
        """Queue unless the same (recipient, kind, period, channel) exists. True when queued."""
        if self._find(message) is not None:
            return False
        row = OutboxMessage(**self._row_values(message, now))
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return False  # another worker queued it between our check and insert
        return True

    def enqueue_many(self, messages: Sequence[NewMessage], now: datetime) -> int:
        """Queue a batch in one statement; if another worker raced us to one of them, fall back to
        one at a time so the others still go in. Returns how many were queued."""
        if not messages:
            return 0
        rows = [self._row_values(message, now) for message in messages]
        try:
            with self.session.begin_nested():
                # A Core executemany on the session's connection: the ORM's bulk path adds
                # nothing for plain rows and cost a third of the insert at 10,000 summaries.
                self.session.connection().execute(insert(OutboxMessage.__table__), rows)
        except IntegrityError:
            return sum(self.enqueue(message, now) for message in messages)
        return len(rows)

    def recipients_with(
        self, recipient_type: str, kind: str, period: str, among: Sequence[int] | None = None
    ) -> set[int]:
        """Who already has this message queued or sent; `among` narrows it to a batch, so that a
        batch does not read the whole period's recipients (50 batches of 10,000 summaries did)."""
        query = select(OutboxMessage.recipient_id).where(
            OutboxMessage.recipient_type == recipient_type,
            OutboxMessage.kind == kind,
            OutboxMessage.period == period,
        )
        if among is not None:
            query = query.where(OutboxMessage.recipient_id.in_(list(among)))
        return set(self.session.scalars(query))

    def exists(self, recipient_type: str, recipient_id: int, kind: str, period: str) -> bool:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.recipient_type == recipient_type,
                    OutboxMessage.recipient_id == recipient_id,
                    OutboxMessage.kind == kind,
                    OutboxMessage.period == period,
                )
            )
            or 0
        ) > 0

    @staticmethod
    def _row_values(message: NewMessage, now: datetime) -> dict:
        return dict(
            recipient_type=message.recipient_type,
            recipient_id=message.recipient_id,
            kind=message.kind,
            period=message.period,
            channel=message.channel,
            subject=message.subject[:300],
            body_text=message.body_text,
            body_html=message.body_html,
            unsubscribe_url=message.unsubscribe_url,
            urgency=message.urgency,
            status="queued",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )

    def _find(self, message: NewMessage) -> OutboxMessage | None:
        return self.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.recipient_type == message.recipient_type,
                OutboxMessage.recipient_id == message.recipient_id,
                OutboxMessage.kind == message.kind,
                OutboxMessage.period == message.period,
                OutboxMessage.channel == message.channel,
            )
        )

    def due_ids(self, now: datetime, limit: int = 500) -> list[int]:
        return list(
            self.session.scalars(
                select(OutboxMessage.id)
                .where(
                    or_(
                        (OutboxMessage.status == "queued") & (OutboxMessage.next_attempt_at <= now),
                        (OutboxMessage.status == "sending") & (OutboxMessage.next_attempt_at <= now - SENDING_LEASE),
                    )
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )

    def claim(self, message_id: int, now: datetime) -> OutboxMessage | None:
        """Move one due row to `sending`; None when another worker claimed it first."""
        result = self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                or_(
                    (OutboxMessage.status == "queued") & (OutboxMessage.next_attempt_at <= now),
                    (OutboxMessage.status == "sending") & (OutboxMessage.next_attempt_at <= now - SENDING_LEASE),
                ),
            )
            .values(status="sending", next_attempt_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
        return self.session.get(OutboxMessage, message_id, populate_existing=True)

    def mark_sent(self, message_id: int, now: datetime) -> None:
        self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="sent", sent_at=now, last_error=None)
            .execution_options(synchronize_session=False)
        )

    def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="queued", last_error=error[:500], next_attempt_at=retry_at)
            .execution_options(synchronize_session=False)
        )

    def cancel(self, message_id: int, reason: str) -> None:
        self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="cancelled", last_error=reason[:500])
            .execution_options(synchronize_session=False)
        )

    def counts_by_status(self) -> dict[str, int]:
        rows = self.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
        return {status: int(count) for status, count in rows}
