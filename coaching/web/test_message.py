""""Send me a test": one short message to each channel the runner switched on, sent at once.

It goes through the outbox like every message (kind "test"), so it is on record, and its unique
key (runner, kind, second, channel) makes a double click send it once. A failed test is cancelled
rather than retried: the runner is looking at the page now, not in six hours.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coaching.messages.message import RenderedMessage
from coaching.messages.notifier import Channel, DeliveryError
from coaching.runtime import Runtime
from coaching.services.notify import recipient_for
from coaching.store.models import Athlete, OutboxMessage
from coaching.store.outbox import NewMessage, OutboxRepository


@dataclass(frozen=True)
class TestResult:
    channel: str  # email | push
    delivered: bool
    detail: str  # safe to show: never the address or URL


def test_message(first_name: str, preferences_url: str) -> RenderedMessage:
    name = html.escape(first_name or "runner")
    link = html.escape(preferences_url, quote=True)
    text = (f"Hi {first_name or 'runner'}, this is the test message you asked for: your knee coach can reach you "
            f"here. Change or stop messages: {preferences_url}")
    body = (
        f"<p>Hi {name},</p><p>This is the test message you asked for: your knee coach can reach you here.</p>"
        f'<p>Change or stop messages: <a href="{link}">{link}</a></p>'
    )
    return RenderedMessage(
        subject="Test message from your knee coach",
        html=body,
        text=text,
        push_title="Knee coach: test message",
        push_body="This is the test message you asked for: your knee coach can reach you here.",
        kind="test",
        unsubscribe_url=preferences_url,
    )


def send_test_messages(runtime: Runtime, athlete_id: int, now: datetime) -> list[TestResult]:
    with runtime.sessions.begin() as session:
        athlete = session.get(Athlete, athlete_id)
        if athlete is None:
            return []
        targets: list[tuple[str, str]] = []
        if athlete.send_email and athlete.email:
            targets.append(("email", athlete.email))
        if athlete.send_push and athlete.push_url_encrypted:
            targets.append(("push", runtime.box.decrypt(athlete.push_url_encrypted)))
        message = test_message(athlete.first_name, recipient_for(runtime, athlete, now).preferences_url)
    return [_send_one(runtime, athlete_id, kind, address, message, now) for kind, address in targets]


def _send_one(runtime: Runtime, athlete_id: int, kind: str, address: str, message: RenderedMessage,
              now: datetime) -> TestResult:
    period = now.strftime("%Y-%m-%dT%H:%M:%S")
    if kind == "push":
        assert message.push_title is not None and message.push_body is not None
        new = NewMessage("athlete", athlete_id, "test", period, "push", message.push_title, message.push_body)
    else:
        new = NewMessage("athlete", athlete_id, "test", period, "email", message.subject, message.text,
                         message.html, unsubscribe_url=message.unsubscribe_url)
    with runtime.sessions.begin() as session:
        outbox = OutboxRepository(session)
        if not outbox.enqueue(new, now):
            return TestResult(kind, True, "already sent a moment ago")
        message_id = session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.recipient_type == "athlete", OutboxMessage.recipient_id == athlete_id,
                OutboxMessage.kind == "test", OutboxMessage.period == period, OutboxMessage.channel == kind,
            )
        )
        if message_id is None or outbox.claim(message_id, now) is None:
            return TestResult(kind, False, "could not be queued")
    try:
        runtime.notifier.send(message, Channel(address))
    except (DeliveryError, ValueError) as error:
        with runtime.sessions.begin() as session:
            OutboxRepository(session).cancel(message_id, f"test not delivered: {error}")
        return TestResult(kind, False, str(error) if isinstance(error, DeliveryError) else "the address is not valid")
    with runtime.sessions.begin() as session:
        OutboxRepository(session).mark_sent(message_id, now)
    return TestResult(kind, True, "sent")
