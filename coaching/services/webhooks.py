"""Strava push events (API.md §4), queued on receipt (`webhook_receipt.py`), applied here by
re-fetching through the API.

Events are not signed: an event naming another subscription is dropped, and no event is trusted
for its content. Every activity event, whatever its aspect, becomes "fetch the activity with
its owner's token": found means store it, not found (deleted, or made private without
`activity:read_all`) means remove it. A revocation is believed only once Strava refuses the
athlete's token. Processing the same event twice therefore changes nothing.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from coaching.runtime import Runtime
from coaching.services.app_status import remember_app_state
from coaching.services.capacity import place_freed
from coaching.services.notify import tell_disconnected
from coaching.services.strava_sources import PerThreadSources
from coaching.services.tokens import NotConnected, fresh_access_token
from coaching.services.webhook_receipt import our_subscription_id
from coaching.store.activities import ActivityRepository, GearRepository
from coaching.store.athlete_data import erase_athlete
from coaching.store.athletes import AthleteRepository
from coaching.store.models import Activity, Athlete, WebhookEvent
from coaching.store.tokens import TokenRepository
from coaching.strava.client import StravalibSource
from coaching.strava.errors import (
    ApplicationInactive,
    AuthRevoked,
    BadRequest,
    MissingScope,
    NotFound,
    RateLimited,
    StravaError,
)
from coaching.strava.parse import ParseError, parse_activity, parse_gear

log = logging.getLogger(__name__)

PROCESSING_LEASE = timedelta(minutes=10)  # a worker that died mid-event gives it back after this
MAX_ATTEMPTS = 6
RETRY_FIRST = timedelta(minutes=2)
KEEP_PROCESSED = timedelta(days=30)


@dataclass
class WebhookReport:
    processed: int = 0  # applied: stored, updated, removed or erased
    ignored: int = 0  # nothing to do (unknown athlete, another subscription, a forged revocation)
    failed: int = 0  # given up on
    deferred: int = 0  # left queued for a later run (Strava down, budget spent)
    erased_athletes: int = 0
    budget_exhausted: bool = False
    athlete_ids: list[int] = field(default_factory=list)  # whose activities changed: sync them first

    def merge(self, other: WebhookReport) -> None:
        for name in ("processed", "ignored", "failed", "deferred", "erased_athletes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.athlete_ids.extend(i for i in other.athlete_ids if i not in self.athlete_ids)
        self.budget_exhausted = other.budget_exhausted


@dataclass(frozen=True)
class _Outcome:
    status: str  # done | ignored | failed
    note: str
    athlete_id: int | None = None
    erased: bool = False


def _due_events(now: datetime):  # noqa: ANN202
    return or_(
        (WebhookEvent.status == "queued") & (WebhookEvent.next_attempt_at <= now),
        (WebhookEvent.status == "processing") & (WebhookEvent.next_attempt_at <= now - PROCESSING_LEASE),
    )


_BUDGET_SPENT = "budget spent"
_DEFERRED = "deferred"


def _process_one(runtime: Runtime, source: StravalibSource, event_id: int, now: datetime) -> _Outcome | str | None:
    """Claim and apply one event: its outcome, _DEFERRED, _BUDGET_SPENT, or None (another worker has it)."""
    due = _due_events(now)
    with runtime.sessions.begin() as session:
        claimed = session.execute(
            update(WebhookEvent).where(WebhookEvent.id == event_id, due)
            .values(status="processing", next_attempt_at=now, attempts=WebhookEvent.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        row = session.get(WebhookEvent, event_id, populate_existing=True) if claimed == 1 else None
        if row is None:
            return None
        session.expunge(row)
    try:
        outcome = _apply(runtime, source, row, now)
    except (RateLimited, ApplicationInactive) as error:
        # Not this event's fault: it waits, its attempts untouched, for a run Strava serves.
        _requeue(runtime, row, now, str(error), retry_at=now, count_attempt=False)
        return _BUDGET_SPENT
    except StravaError as error:
        if error.retryable and row.attempts < MAX_ATTEMPTS:
            _requeue(runtime, row, now, str(error), retry_at=now + RETRY_FIRST * 2 ** (row.attempts - 1))
            return _DEFERRED
        outcome = _Outcome("failed", str(error))
    except Exception as error:  # one bad event must not stop the others
        log.exception("webhook event %s could not be processed", event_id)
        outcome = _Outcome("failed", f"{type(error).__name__}")
    _finish(runtime, event_id, outcome, now)
    return outcome


def process_webhook_events(runtime: Runtime, now: datetime, limit: int = 500, threads: int = 1) -> WebhookReport:
    """Apply the queued events, oldest first. Idempotent: an event processed twice changes nothing.

    With `threads` > 1 the athletes' events go to a thread pool, each athlete's in order on one
    thread (so that a revocation and an activity of the same runner never race): each event waits
    on Strava for one or two requests, so one thread applies about five a second (50 ms a request),
    far too few for a night with thousands of uploads."""
    report = WebhookReport()
    with runtime.sessions.begin() as session:
        due = session.execute(
            select(WebhookEvent.id, WebhookEvent.owner_id).where(_due_events(now)).order_by(WebhookEvent.id).limit(limit)
        ).all()
    stop = threading.Event()

    def one_athlete(source_of, event_ids: list[int]) -> list[_Outcome | str | None]:  # noqa: ANN001
        outcomes: list[_Outcome | str | None] = []
        for event_id in event_ids:
            if stop.is_set():
                break  # the budget is spent: the rest stay queued, unclaimed, for the next run
            outcome = _process_one(runtime, source_of(), event_id, now)
            outcomes.append(outcome)
            if outcome == _BUDGET_SPENT:
                stop.set()
        return outcomes

    if threads <= 1:
        results = [one_athlete(lambda: runtime.strava, [row.id for row in due])]
    else:
        by_owner: dict[int, list[int]] = {}
        for row in due:
            by_owner.setdefault(row.owner_id, []).append(row.id)
        sources = PerThreadSources()
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhooks") as pool:
            results = list(pool.map(lambda ids: one_athlete(lambda: sources.get(runtime), ids), by_owner.values()))
    for outcome in (outcome for outcomes in results for outcome in outcomes):
        if outcome is None:
            continue
        if outcome == _BUDGET_SPENT:
            report.deferred += 1
            report.budget_exhausted = True
        elif outcome == _DEFERRED:
            report.deferred += 1
        else:
            assert isinstance(outcome, _Outcome)
            if outcome.status == "done":
                report.processed += 1
            elif outcome.status == "ignored":
                report.ignored += 1
            else:
                report.failed += 1
            report.erased_athletes += outcome.erased
            if outcome.athlete_id is not None and outcome.athlete_id not in report.athlete_ids:
                report.athlete_ids.append(outcome.athlete_id)
    with runtime.sessions.begin() as session:
        # Applied events are only a record (they name athletes and activities): keep a month of it.
        session.execute(delete(WebhookEvent).where(
            WebhookEvent.status.in_(("done", "ignored", "failed")), WebhookEvent.processed_at < now - KEEP_PROCESSED
        ))
    return report


def drain_webhook_events(runtime: Runtime, now: datetime, chunk: int = 500, threads: int = 8) -> WebhookReport:
    """Apply every event due at `now`, `chunk` at a time on `threads` threads, until none is left
    or the Strava budget is spent (what is left waits for the next run). The nightly flow calls
    this before its batches, so the athletes the events name are current when they are evaluated."""
    total = WebhookReport()
    while True:
        part = process_webhook_events(runtime, now, chunk, threads)
        total.merge(part)
        handled = part.processed + part.ignored + part.failed + part.deferred
        if part.budget_exhausted or handled < chunk:
            remember_app_state(runtime, now)
            return total


def _requeue(runtime: Runtime, row: WebhookEvent, now: datetime, note: str, *, retry_at: datetime,
             count_attempt: bool = True) -> None:
    with runtime.sessions.begin() as session:
        values: dict[str, Any] = {"status": "queued", "next_attempt_at": retry_at, "outcome": note[:500]}
        if not count_attempt:
            values["attempts"] = WebhookEvent.attempts - 1
        session.execute(update(WebhookEvent).where(WebhookEvent.id == row.id).values(**values)
                        .execution_options(synchronize_session=False))


def _finish(runtime: Runtime, event_id: int, outcome: _Outcome, now: datetime) -> None:
    with runtime.sessions.begin() as session:
        session.execute(
            update(WebhookEvent).where(WebhookEvent.id == event_id)
            .values(status=outcome.status, processed_at=now, outcome=outcome.note[:500])
            .execution_options(synchronize_session=False)
        )


def _apply(runtime: Runtime, source: StravalibSource, row: WebhookEvent, now: datetime) -> _Outcome:
    with runtime.sessions.begin() as session:
        if row.subscription_id != our_subscription_id(session):
            return _Outcome("ignored", "sent to another subscription")
        athlete = AthleteRepository(session).by_strava_id(row.owner_id)
        athlete_id = athlete.id if athlete is not None else None
        connected = athlete is not None and athlete.connected
        tokens = TokenRepository(session, runtime.box).load(athlete_id) if athlete_id is not None else None
        scopes = {s.strip() for s in tokens.scopes.split(",")} if tokens is not None else set()
    if athlete_id is None:
        return _Outcome("ignored", "athlete not stored")
    if row.object_type == "athlete":
        if row.updates.get("authorized") != "false":
            return _Outcome("ignored", "athlete change we do not act on")
        return _revoke(runtime, source, athlete_id, now)
    if not connected:
        return _Outcome("ignored", "athlete disconnected")
    return _refetch_activity(runtime, source, athlete_id, row, scopes, now)


def _revoke(runtime: Runtime, source: StravalibSource, athlete_id: int, now: datetime) -> _Outcome:
    """Erase everything of the athlete, but only once Strava itself refuses their token: an
    unsigned event alone must not be able to delete an account."""
    try:
        token = fresh_access_token(runtime.sessions, source, runtime.box, athlete_id, now.timestamp())
        source.get_athlete(token)
        still_authorized = True
    except MissingScope:  # the token works; it only lacks a scope
        still_authorized = True
    except (AuthRevoked, BadRequest, NotConnected):
        still_authorized = False
    if still_authorized:
        return _Outcome("ignored", "Strava still accepts the athlete's token: not a revocation")
    with runtime.sessions.begin() as session:
        erased = erase_athlete(session, athlete_id)
    log.info("athlete %s revoked access on Strava: %s rows erased", athlete_id, sum(erased.values()))
    place_freed(runtime, now)
    return _Outcome("done", "athlete revoked access: all their data erased", erased=True)


def _refetch_activity(runtime: Runtime, source: StravalibSource, athlete_id: int, row: WebhookEvent,
                      scopes: set[str], now: datetime) -> _Outcome:
    try:
        token = fresh_access_token(runtime.sessions, source, runtime.box, athlete_id, now.timestamp())
        raw: dict | None = source.get_activity(token, row.object_id)
    except NotFound:
        raw = None
    except NotConnected:
        return _Outcome("ignored", "athlete has no Strava tokens")
    except (AuthRevoked, MissingScope) as error:
        with runtime.sessions.begin() as session:
            AthleteRepository(session).mark_disconnected(athlete_id, str(error))
        tell_disconnected(runtime, athlete_id, now, missing_scope=isinstance(error, MissingScope))
        place_freed(runtime, now)
        return _Outcome("failed", str(error))
    parsed = None
    if raw is not None:
        try:
            parsed = parse_activity(raw)
        except ParseError as error:
            return _Outcome("failed", f"activity {row.object_id}: {error}")
        if parsed.activity.id != row.object_id:
            return _Outcome("failed", "Strava answered with another activity")
        if parsed.athlete_strava_id is not None and parsed.athlete_strava_id != row.owner_id:
            # An event may name anyone's activity: Strava may show a public one to any token, but it
            # is not the owner's training and must not be stored under them.
            return _Outcome("ignored", "activity belongs to another athlete")
        if parsed.private and "activity:read_all" not in scopes:
            parsed = None  # API.md §5: a private activity we may not read is dropped
    with runtime.sessions.begin() as session:
        stored = session.get(Activity, row.object_id)
        if stored is not None and stored.athlete_id != athlete_id:
            return _Outcome("ignored", "activity belongs to another athlete")
        if parsed is None:
            if stored is None:
                return _Outcome("done", "activity not stored and not readable: nothing to remove")
            session.delete(stored)
            return _Outcome("done", "activity removed", athlete_id)
        is_new = ActivityRepository(session).upsert(athlete_id, parsed.activity, private=parsed.private, raw=parsed.raw)
    if is_new and parsed.activity.gear_id:
        # The new activity moved the shoe's distance; the nightly sync will not see it as new.
        gear = parse_gear(source.get_gear(token, parsed.activity.gear_id))
        if gear is not None:
            with runtime.sessions.begin() as session:
                GearRepository(session).upsert_many(athlete_id, [gear])
    return _Outcome("done", "activity stored" if is_new else "activity updated", athlete_id)


def athletes_with_pending_events(session: Session) -> list[int]:
    """Internal ids of athletes with queued events (the nightly flow syncs them first)."""
    owners = select(WebhookEvent.owner_id).where(WebhookEvent.status.in_(("queued", "processing"))).distinct()
    return list(session.scalars(select(Athlete.id).where(Athlete.strava_id.in_(owners)).order_by(Athlete.id)))


def webhook_events_pending(session: Session, now: datetime) -> int:
    """Events a drain at `now` would still take, or is applying right now: a nightly worker waits
    for none to be left before its first batch."""
    in_flight = (WebhookEvent.status == "processing") & (WebhookEvent.next_attempt_at > now - PROCESSING_LEASE)
    return int(session.scalar(select(func.count()).select_from(WebhookEvent).where(
        or_(_due_events(now), in_flight))) or 0)
