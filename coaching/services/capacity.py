"""How many runners the Strava app may still take, and the waiting list past that (API.md §6).

A Standard Tier app serves at most 10 athletes (`COACH_STRAVA_ATHLETE_CAPACITY`); past that Strava
refuses the authorization on its own page and we never hear of it, so we count. A place is taken by
a connected runner or held for an invited one until the invitation expires. When a place frees up
(a disconnect, a revocation, a deletion) the first confirmed runner on the list is invited by email,
through the outbox, and the invitation is sent at once.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coaching import links
from coaching.messages.message import RenderedMessage
from coaching.runtime import Runtime
from coaching.store.models import Athlete, OutboxMessage, WaitingRunner
from coaching.store.outbox import NewMessage, OutboxRepository

log = logging.getLogger(__name__)

WAITING = "waiting"  # outbox recipient_type: a waiting runner has no athlete row yet
CONFIRM_PURPOSE, INVITE_PURPOSE = "waitlist-confirm", "waitlist-invite"
CONFIRM_LIFETIME = timedelta(days=2)
INVITE_LIFETIME = timedelta(days=7)  # the place is held this long


@dataclass(frozen=True)
class Capacity:
    capacity: int
    connected: int
    held: int  # for invited runners who have not connected yet
    waiting: int  # confirmed, not invited yet
    unconfirmed: int

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.connected - self.held)


def capacity_now(session: Session, capacity: int, now: datetime) -> Capacity:
    connected = session.scalar(select(func.count()).select_from(Athlete).where(Athlete.connected.is_(True))) or 0
    rows = session.execute(select(WaitingRunner.confirmed_at, WaitingRunner.invited_at,
                                  WaitingRunner.invite_expires_at, WaitingRunner.joined_at)).all()
    held = sum(1 for r in rows if r.invited_at and r.joined_at is None and r.invite_expires_at > now)
    waiting = sum(1 for r in rows if r.confirmed_at and r.invited_at is None)
    unconfirmed = sum(1 for r in rows if r.confirmed_at is None)
    return Capacity(capacity, int(connected), held, waiting, unconfirmed)


def capacity_line(state: Capacity) -> str:
    return (f"Strava athletes: {state.connected} connected of {state.capacity} "
            f"(COACH_STRAVA_ATHLETE_CAPACITY), {state.held} place(s) held for invited runners, "
            f"{state.places_left} free; waiting list: {state.waiting} confirmed, {state.unconfirmed} unconfirmed")


def _message(subject: str, paragraphs: list[str], url: str, button: str) -> RenderedMessage:
    text = "\n\n".join([*paragraphs, f"{button}: {url}"]) + "\n"
    link = html.escape(url, quote=True)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + f'<p><a href="{link}">{html.escape(button)}</a></p>'
    return RenderedMessage(subject=subject, html=body, text=text, kind="waitlist")


def _link(runtime: Runtime, path: str, purpose: str, waiting_id: int, expires: datetime) -> str:
    token = links.sign(runtime.settings.require_link_secret(), purpose, str(waiting_id), int(expires.timestamp()))
    return f"{runtime.settings.public_url.rstrip('/')}{path}?t={token}"


def join_waiting_list(runtime: Runtime, email: str, now: datetime) -> int | None:
    """Put `email` on the list (once) and queue its confirmation link; returns the outbox message
    to send now, or None when the address is confirmed already (nothing to send)."""
    with runtime.sessions.begin() as session:
        row = session.scalar(select(WaitingRunner).where(WaitingRunner.email == email))
        if row is None:
            row = WaitingRunner(email=email, created_at=now)
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:  # the same address from two tabs at once
                row = session.scalar(select(WaitingRunner).where(WaitingRunner.email == email))
        if row is None or row.confirmed_at is not None:
            return None
        url = _link(runtime, "/waitlist/confirm", CONFIRM_PURPOSE, row.id, now + CONFIRM_LIFETIME)
        message = _message("Confirm your place on the Knee coach waiting list", [
            "Knee coach can follow only a few runners through Strava at a time, and all places are taken.",
            "Confirm this address and we will email you as soon as a place is free. "
            "If you did not ask for this, ignore this email: nothing happens without the click.",
        ], url, "Confirm my place on the waiting list")
        # One confirmation per hour at most, however often the form is sent.
        period = f"confirm-{now:%Y%m%d%H}"
        return _enqueue(session, row.id, "waitlist_confirm", period, message, now)


def confirm(runtime: Runtime, token: str | None, now: datetime) -> WaitingRunner:
    """Raises links.BadLink for a bad, expired or unknown link."""
    waiting_id = _verified(runtime, CONFIRM_PURPOSE, token, now)
    with runtime.sessions.begin() as session:
        row = session.get(WaitingRunner, waiting_id)
        if row is None:
            raise links.BadLink("this link is not valid")
        if row.confirmed_at is None:
            row.confirmed_at = now
            session.flush()
        session.expunge(row)
    return row


def _verified(runtime: Runtime, purpose: str, token: str | None, now: datetime) -> int:
    subject = links.verify(runtime.settings.require_link_secret(), purpose, token or "", now.timestamp())
    if not subject.isdigit() or len(subject) > 10:
        raise links.BadLink("this link is not valid")
    return int(subject)


def valid_invitation(runtime: Runtime, token: str | None, now: datetime) -> int | None:
    """The waiting runner an invitation link names, while the place is still held for them."""
    try:
        waiting_id = _verified(runtime, INVITE_PURPOSE, token, now)
    except links.BadLink:
        return None
    with runtime.sessions.begin() as session:
        row = session.get(WaitingRunner, waiting_id)
        usable = row is not None and row.joined_at is None and row.invite_expires_at is not None \
            and row.invite_expires_at > now
    return waiting_id if usable else None


def mark_joined(session: Session, waiting_id: int, athlete: Athlete, now: datetime) -> None:
    row = session.get(WaitingRunner, waiting_id)
    if row is not None and row.joined_at is None:
        row.joined_at = now
        athlete.email = athlete.email or row.email


def invite_next(runtime: Runtime, now: datetime) -> list[int]:
    """Invite as many confirmed waiting runners as there are free places, first confirmed first,
    and send the invitations now. Returns the waiting runners invited."""
    capacity = runtime.settings.strava_athlete_capacity
    invited: list[tuple[int, int | None]] = []
    with runtime.sessions.begin() as session:
        left = capacity_now(session, capacity, now).places_left
        if left <= 0:
            return []
        rows = session.scalars(
            select(WaitingRunner).where(WaitingRunner.confirmed_at.is_not(None), WaitingRunner.invited_at.is_(None))
            .order_by(WaitingRunner.confirmed_at, WaitingRunner.id).limit(left).with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.invited_at, row.invite_expires_at = now, now + INVITE_LIFETIME
            url = _link(runtime, "/connect", INVITE_PURPOSE, row.id, row.invite_expires_at)
            message = _message("A place is free for you on Knee coach", [
                "A place has freed up and we are holding it for you for 7 days.",
                "Connect your Strava account with the link below; after that it works like for everyone else.",
            ], url, "Connect with Strava")
            invited.append((row.id, _enqueue(session, row.id, "waitlist_invite", "invite", message, now)))
    from coaching.services.notify import deliver_message

    for _, message_id in invited:
        if message_id is not None:
            deliver_message(runtime, message_id, now)
    if invited:
        log.info("a place freed up: %d waiting runner(s) invited", len(invited))
    return [waiting_id for waiting_id, _ in invited]


def place_freed(runtime: Runtime, now: datetime) -> None:
    """Call after a runner leaves (disconnect, revocation, deletion). A courtesy to the waiting
    list: a failure here is logged and never stops what freed the place."""
    try:
        invite_next(runtime, now)
    except Exception as error:
        log.warning("could not invite the next waiting runner: %s", type(error).__name__)


def _enqueue(session: Session, waiting_id: int, kind: str, period: str, message: RenderedMessage,
             now: datetime) -> int | None:
    new = NewMessage(WAITING, waiting_id, kind, period, "email", message.subject, message.text, message.html)
    if not OutboxRepository(session).enqueue(new, now):
        return None
    return session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.recipient_type == WAITING, OutboxMessage.recipient_id == waiting_id,
        OutboxMessage.kind == kind, OutboxMessage.period == period, OutboxMessage.channel == "email"))
