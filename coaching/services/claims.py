"""Which athletes a night owes a sync, and leases so that two workers never take the same one.

An athlete is *due* when their last sync attempt is older than their night's cutoff: for the
scheduled run, the most recent 03:00 on their own clock; for a run started by hand, the run's
start. A sync attempt (successful or not) moves `sync_state.last_attempt_at` past the cutoff, so
an athlete is taken once per night however many workers share it and however often the hourly
schedule fires; a missed hour, a DST gap or a half-hour zone is caught up by the next run.

`claim_batch` leases due athletes in one statement: on PostgreSQL the candidates are locked with
`FOR UPDATE SKIP LOCKED` (a second worker skips them instead of waiting), on SQLite the single
writer makes the conditional UPDATE atomic. Either way the UPDATE re-checks that the lease is free,
and a worker that dies leaves its athletes to others once `lease_until` passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Collection, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, false, func, insert, literal, nulls_first, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from coaching.store.models import Athlete, EvaluationRecord, SyncState, UtcDateTime

DEFAULT_LEASE = timedelta(minutes=30)  # far longer than a batch takes; a dead worker's athletes wait this long
# A run that stopped on the request budget never synced the athlete: they stay due for the next run.
RETRY_SAME_NIGHT_ERRORS = ("RateLimited", "BudgetExhausted")
# Set on the sync state when an athlete's evaluation raised: such an athlete is not taken again the
# same night only to fail again (a bug in one athlete's data must not cost a list call an hour).
EVALUATION_FAILED = "EvaluationFailed"


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # an unknown zone name must not stop the night: treat it as UTC
        return ZoneInfo("UTC")


def latest_local_time(now_utc: datetime, zone_name: str, at: time) -> datetime:
    """The most recent instant, at or before `now_utc`, when the zone's clocks showed `at`.
    In a DST gap (03:00 may not exist) the wall time is read with the offset before the change."""
    zone = zone_of(zone_name)
    local_day = now_utc.astimezone(zone).date()
    for day in (local_day, local_day - timedelta(days=1)):
        candidate = datetime.combine(day, at, tzinfo=zone)
        if candidate <= now_utc:
            return candidate.astimezone(now_utc.tzinfo)
    return datetime.combine(local_day - timedelta(days=2), at, tzinfo=zone).astimezone(now_utc.tzinfo)


@dataclass(frozen=True)
class Night:
    """The due rule of one night's run: a cutoff per time zone (or one for everybody), optionally
    narrowed to some athletes or zones."""

    default_cutoff: datetime | None
    zone_cutoffs: Mapping[str, datetime] = field(default_factory=dict)
    athlete_ids: frozenset[int] | None = None
    time_zones: frozenset[str] | None = None

    @classmethod
    def everyone(
        cls, now: datetime, athlete_ids: Collection[int] | None = None, time_zones: Collection[str] | None = None
    ) -> Night:
        """A run started by hand: everybody not attempted since it started."""
        return cls(now, {}, _frozen(athlete_ids), _frozen(time_zones))

    @classmethod
    def at_local_hour(
        cls, now: datetime, local_hour: int, zones: Iterable[str],
        athlete_ids: Collection[int] | None = None, time_zones: Collection[str] | None = None,
    ) -> Night:
        """The scheduled run: each athlete once a day, after `local_hour`:00 on their own clock."""
        if not 0 <= local_hour <= 23:
            raise ValueError("local_hour must be between 0 and 23")
        cutoffs = {zone: latest_local_time(now, zone, time(local_hour)) for zone in set(zones)}
        return cls(None, cutoffs, _frozen(athlete_ids), _frozen(time_zones))

    def cutoff_for(self, zone_name: str) -> datetime | None:
        return self.zone_cutoffs.get(zone_name, self.default_cutoff)


def _frozen(values: Collection | None) -> frozenset | None:
    return frozenset(values) if values is not None else None


def connected_zones(session: Session) -> list[str]:
    return sorted(session.scalars(select(Athlete.timezone).where(Athlete.connected.is_(True)).distinct()))


def _due(night: Night) -> ColumnElement[bool]:
    """SQL for "connected, in the night's selection and not attempted since the cutoff"."""
    typed = {zone: literal(cutoff, UtcDateTime()) for zone, cutoff in night.zone_cutoffs.items()}
    default = literal(night.default_cutoff, UtcDateTime()) if night.default_cutoff is not None else None
    cutoff: ColumnElement = (
        case(typed, value=Athlete.timezone, else_=default) if typed else (default if default is not None else literal(None))
    )
    retry = or_(*(SyncState.last_error.like(f"{name}%") for name in RETRY_SAME_NIGHT_ERRORS))
    clauses = [
        Athlete.connected.is_(True),
        cutoff.is_not(None),
        or_(SyncState.last_attempt_at.is_(None), SyncState.last_attempt_at < cutoff, retry,
            _synced_but_not_evaluated(cutoff)),
    ]
    if night.athlete_ids is not None:
        clauses.append(Athlete.id.in_(sorted(night.athlete_ids)))
    if night.time_zones is not None:
        clauses.append(Athlete.timezone.in_(sorted(night.time_zones)))
    return and_(*clauses)


def _synced_but_not_evaluated(cutoff: ColumnElement) -> ColumnElement[bool]:
    """Synced tonight, but no evaluation recorded since: the process died between the sync's commit
    and the evaluation's. Taking the athlete again costs one list call and gives them their alert."""
    evaluated_since_sync = exists().where(
        EvaluationRecord.athlete_id == SyncState.athlete_id,
        EvaluationRecord.evaluated_at >= SyncState.last_success_at,
    )
    return and_(
        SyncState.last_success_at >= cutoff,
        or_(SyncState.last_error.is_(None), ~SyncState.last_error.like(f"{EVALUATION_FAILED}%")),
        ~evaluated_since_sync,
    )


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(SyncState.lease_until.is_(None), SyncState.lease_until < now)


def ensure_sync_states(session: Session) -> int:
    """Give every connected athlete a sync_state row (the row the lease lives on)."""
    missing = select(Athlete.id, false()).where(
        Athlete.connected.is_(True), ~exists().where(SyncState.athlete_id == Athlete.id)
    )
    try:
        with session.begin_nested():
            return len(session.execute(
                insert(SyncState).from_select(["athlete_id", "backfill_done"], missing).returning(SyncState.athlete_id)
            ).all())
    except IntegrityError:  # another worker inserted the same rows first: theirs will do
        return 0


def claim_batch(
    session: Session, worker_id: str, now: datetime, limit: int, lease: timedelta = DEFAULT_LEASE,
    night: Night | None = None,
) -> list[int]:
    """Lease up to `limit` due athletes whose lease is free or expired; returns their ids.
    `now` is the wall clock (leases must expire in real time); `night` says who is due (default:
    everybody not attempted since `now`)."""
    if limit <= 0:
        return []
    night = night or Night.everyone(now)
    candidates = (
        select(SyncState.athlete_id)
        .join(Athlete, Athlete.id == SyncState.athlete_id)
        .where(_due(night), _lease_free(now))
        # Longest-waiting first, so that a night cut short by the budget starts where it stopped.
        .order_by(nulls_first(SyncState.last_attempt_at.asc()), SyncState.athlete_id)
        .limit(limit)
        .with_for_update(of=SyncState, skip_locked=True)
    )
    claimed = session.execute(
        update(SyncState)
        .where(SyncState.athlete_id.in_(candidates.scalar_subquery()), _lease_free(now))
        .values(lease_owner=worker_id[:100], lease_until=now + lease)
        .returning(SyncState.athlete_id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed.scalars())


def release(session: Session, worker_id: str, athlete_ids: Sequence[int],
            handled_without_sync: Collection[int] = (), handled_at: datetime | None = None) -> int:
    """Give our leases back. Athletes handled without a Strava call (webhooks keep them current)
    get `last_attempt_at = handled_at` so that the night does not take them again."""
    if handled_without_sync and handled_at is not None:
        session.execute(
            update(SyncState)
            .where(SyncState.athlete_id.in_(sorted(handled_without_sync)), SyncState.lease_owner == worker_id[:100])
            .values(last_attempt_at=handled_at)
            .execution_options(synchronize_session=False)
        )
    if not athlete_ids:
        return 0
    return session.execute(
        update(SyncState)
        .where(SyncState.athlete_id.in_(list(athlete_ids)), SyncState.lease_owner == worker_id[:100])
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount or 0


def due_count(session: Session, night: Night) -> int:
    """How many athletes the night still owes a sync (leased ones included)."""
    return int(
        session.scalar(
            select(func.count()).select_from(SyncState).join(Athlete, Athlete.id == SyncState.athlete_id).where(_due(night))
        )
        or 0
    )
