"""Messages: queue them in the outbox (rendered once, keyed so a rerun is a no-op) and deliver the
due ones through the notifier, with back-off for failures and respect for opt-outs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy.orm import Session

from coaching import links
from coaching.domain.model import Evaluation
from coaching.messages.message import RenderedMessage
from coaching.messages.notifier import Channel, DeliveryError, Notifier
from coaching.messages.views import Recipient
from coaching.runtime import Runtime
from coaching.store.athletes import AthleteRepository, CoachRepository
from coaching.store.findings import FindingRepository
from coaching.store.models import Athlete, Coach, OutboxMessage
from coaching.store.outbox import NewMessage, OutboxRepository

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(days=60)
RETRY_FIRST = timedelta(minutes=5)
RETRY_MAX = timedelta(hours=6)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0


def retry_delay(attempts: int) -> timedelta:
    """5 min, 10, 20, ... capped at 6 h: SMTP outages are usually short, but don't hammer."""
    return min(RETRY_FIRST * (2 ** max(attempts - 1, 0)), RETRY_MAX)


def recipient_for(runtime: Runtime, athlete: Athlete, now: datetime) -> Recipient:
    secret = runtime.settings.require_link_secret()
    expires = int((now + LINK_LIFETIME).timestamp())
    base = runtime.settings.public_url.rstrip("/")
    preferences = links.sign(secret, "preferences", str(athlete.id), expires)
    checkin = links.sign(secret, "checkin", str(athlete.id), expires)
    return Recipient(
        athlete_id=athlete.id,
        first_name=athlete.first_name or "runner",
        units=athlete.units,  # type: ignore[arg-type]
        tz=athlete.timezone,
        preferences_url=f"{base}/preferences?t={preferences}",
        checkin_url_template=f"{base}/checkin?t={checkin}&score={{score}}",
        web_url=None,
    )


def _channels(athlete: Athlete) -> list[str]:
    channels = []
    if athlete.send_email and athlete.email:
        channels.append("email")
    if athlete.send_push and athlete.push_url_encrypted:
        channels.append("push")
    return channels


def outbox_messages(
    recipient_type: str, recipient_id: int, kind: str, period: str, channels: Iterable[str], message: RenderedMessage
) -> list[NewMessage]:
    """One outbox row per channel: the full email, or the short push form where there is one."""
    rows = []
    for channel in channels:
        if channel == "push":
            if message.has_push_form:
                rows.append(NewMessage(recipient_type, recipient_id, kind, period, "push",
                                       message.push_title or message.subject, message.push_body or "",
                                       urgency=message.urgency))
        else:
            rows.append(NewMessage(recipient_type, recipient_id, kind, period, "email",
                                   message.subject, message.text, message.html,
                                   unsubscribe_url=message.unsubscribe_url, urgency=message.urgency))
    return rows


def _queue(
    session: Session, recipient_type: str, recipient_id: int, kind: str, period: str,
    channels: Iterable[str], message: RenderedMessage, now: datetime,
) -> int:
    outbox = OutboxRepository(session)
    return sum(outbox.enqueue(new, now)
               for new in outbox_messages(recipient_type, recipient_id, kind, period, channels, message))


def queue_alert(runtime: Runtime, session: Session, athlete: Athlete, result: object, now: datetime) -> int:
    """Alert only for findings of caution or above that are new since the last alert. After a long
    or flagged run it also queues the next morning's check-in push (not counted: it is no alert)."""
    from coaching.messages.render import render_alert
    from coaching.messages.views import alert_view
    from coaching.services.checkins import queue_checkin_prompt

    to_alert = list(getattr(result, "to_alert"))
    evaluation: Evaluation = getattr(result, "evaluation")
    queue_checkin_prompt(runtime, session, athlete, evaluation, now)
    if not to_alert or not athlete.alerts_enabled or athlete.unsubscribed_at is not None:
        return 0
    new_keys = {row.key for row in to_alert}
    new_findings = [f for f in evaluation.findings if f.key in new_keys]
    message = render_alert(alert_view(recipient_for(runtime, athlete, now), new_findings, evaluation))
    queued = _queue(session, "athlete", athlete.id, "alert", evaluation.as_of.isoformat(),
                    _channels(athlete), message, now)
    FindingRepository(session).mark_alerted(to_alert, now)
    return queued


def queue_reconnect(runtime: Runtime, session: Session, athlete: Athlete, now: datetime, *, missing_scope: bool) -> int:
    """Tell a runner once that Strava stopped answering for them: keyed by the day it happened,
    and a disconnected athlete is not synced again until they reconnect, so it is never repeated."""
    from coaching.messages.render import render_reconnect
    from coaching.messages.views.reconnect import reconnect_view

    if athlete.unsubscribed_at is not None:
        return 0
    connect_url = f"{runtime.settings.public_url.rstrip('/')}/connect"
    message = render_reconnect(
        reconnect_view(recipient_for(runtime, athlete, now), connect_url, missing_scope=missing_scope, now_utc=now)
    )
    return _queue(session, "athlete", athlete.id, "reconnect", now.date().isoformat(), _channels(athlete), message, now)


def tell_disconnected(runtime: Runtime, athlete_id: int, now: datetime, *, missing_scope: bool) -> int:
    """Queue the reconnect message in a transaction of its own, for a runner Strava just refused.
    It is a courtesy: a failure to queue it is logged (without detail) and never stops the caller."""
    try:
        with runtime.sessions.begin() as session:
            athlete = session.get(Athlete, athlete_id)
            return queue_reconnect(runtime, session, athlete, now, missing_scope=missing_scope) if athlete else 0
    except Exception as error:
        log.warning("could not queue the reconnect message athlete_id=%s reason=%s", athlete_id, type(error).__name__)
        return 0


def deliver_due(runtime: Runtime, now: datetime, limit: int = 1000) -> DeliveryReport:
    with runtime.sessions.begin() as session:
        due = OutboxRepository(session).due_ids(now, limit)
    return deliver_messages(runtime, now, due)


def deliver_messages(runtime: Runtime, now: datetime, message_ids: Iterable[int]) -> DeliveryReport:
    """Send these queued messages now (a message already taken, sent or not yet due is skipped:
    `claim` decides, as for the scheduled delivery). A failure stays queued with the usual
    back-off, for the next delivery run."""
    notifier = runtime.notifier
    report = DeliveryReport()
    for message_id in message_ids:
        _deliver_one(runtime, notifier, message_id, now, report)
    return report


def deliver_message(runtime: Runtime, message_id: int, now: datetime) -> bool:
    """Deliver one queued message now (someone is waiting for it); True when it was sent."""
    return deliver_messages(runtime, now, [message_id]).sent == 1


def _deliver_one(runtime: Runtime, notifier: Notifier, message_id: int, now: datetime, report: DeliveryReport) -> None:
    with runtime.sessions.begin() as session:
        outbox = OutboxRepository(session)
        row = outbox.claim(message_id, now)
        if row is None:
            return
        address, reason = _address(runtime, session, row)
        if address is None:
            outbox.cancel(row.id, reason)
            report.cancelled += 1
            return
        message = _as_rendered(row)
    # The send happens outside any transaction: the row is `sending`, so no other worker
    # takes it; if we die here, the lease expires and it is sent again (at-least-once).
    try:
        notifier.send(message, Channel(address))
    except (DeliveryError, ValueError) as error:
        with runtime.sessions.begin() as session:
            outbox = OutboxRepository(session)
            if isinstance(error, DeliveryError) and error.retryable:
                outbox.mark_failed(message_id, str(error), now + retry_delay(row.attempts))
            else:  # a malformed address or URL will not get better by waiting
                outbox.cancel(message_id, f"undeliverable: {error}")
        report.failed += 1
        log.warning("delivery of message %s failed (attempt %s): %s", message_id, row.attempts, error)
        return
    with runtime.sessions.begin() as session:
        OutboxRepository(session).mark_sent(message_id, now)
    report.sent += 1


def _address(runtime: Runtime, session: Session, row: OutboxMessage) -> tuple[str | None, str]:
    """Where this message goes now, or None and why not (opt-outs are checked at send time)."""
    if row.recipient_type == "operator":
        address = runtime.settings.operator_email
        return (address, "") if address else (None, "COACH_OPERATOR_EMAIL not set")
    if row.recipient_type == "waiting":
        from coaching.store.models import WaitingRunner

        waiting = session.get(WaitingRunner, row.recipient_id)
        return (waiting.email, "") if waiting is not None else (None, "left the waiting list")
    if row.recipient_type == "coach":
        coach = CoachRepository(session).get(row.recipient_id)
        if coach is None:
            return None, "coach deleted"
        if coach.unsubscribed_at is not None and row.kind == "coach_digest":
            return None, "coach unsubscribed"
        return coach.email, ""
    athlete = AthleteRepository(session).get(row.recipient_id)
    if athlete is None:
        return None, "athlete deleted"
    if athlete.unsubscribed_at is not None:
        return None, "athlete unsubscribed"
    if row.kind in ("alert", "checkin_prompt", "plan_change") and not athlete.alerts_enabled:
        return None, "alerts turned off"
    if row.kind == "checkin_prompt":
        from coaching.services.checkins import prompt_still_wanted

        if not prompt_still_wanted(session, athlete, row.period):
            return None, "already checked in that morning"
    if row.kind == "weekly_summary" and not athlete.summaries_enabled:
        return None, "weekly summaries turned off"
    if row.channel == "email":
        return (athlete.email, "") if athlete.email and athlete.send_email else (None, "email turned off")
    if athlete.push_url_encrypted and athlete.send_push:
        return runtime.box.decrypt(athlete.push_url_encrypted), ""
    return None, "push turned off"


def _as_rendered(row: OutboxMessage) -> RenderedMessage:
    if row.channel == "push":
        return RenderedMessage(kind=row.kind, subject=row.subject, html="", text=row.body_text,
                               push_title=row.subject, push_body=row.body_text, urgency=row.urgency)
    return RenderedMessage(kind=row.kind, subject=row.subject, html=row.body_html or "", text=row.body_text,
                           unsubscribe_url=row.unsubscribe_url, urgency=row.urgency)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def coach_recipients(session: Session) -> Sequence[Coach]:
    return CoachRepository(session).all()
