"""A night's work over many athletes, in leased batches that several workers can share.

A batch is: lease up to N due athletes (`claims.py`), sync them on a few threads (the calls are
I/O: at 50 ms a request, 10,000 sequential list calls alone take 500 s), evaluate them and queue
their alerts, give the leases back. One athlete's failure never stops the others; a spent Strava
budget stops the worker cleanly (the athletes it did not reach stay due for the next run).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping, Sequence

from sqlalchemy import select

from coaching.runtime import Runtime
from coaching.services.claims import DEFAULT_LEASE, Night, claim_batch, ensure_sync_states, release, renew
from coaching.services.evaluation import evaluate_athlete, evaluation_day
from coaching.services.sync import SyncPolicy, SyncResult, sync_athlete
from coaching.services.webhooks import our_subscription_id
from coaching.store.athletes import AthleteRepository
from coaching.store.models import SyncState
from coaching.strava.budget import RequestBudget
from coaching.strava.client import StravalibSource
from coaching.strava.errors import AuthRevoked, MissingScope, RateLimited, StravaError

log = logging.getLogger(__name__)

MAX_FAILURES_LISTED = 50  # the run summary names this many failed athletes; the counts cover all


@dataclass
class SyncReport:
    synced: int = 0
    quiet: int = 0  # webhooks keep them current: evaluated without a Strava request
    failed: int = 0
    skipped: int = 0  # not reached: the budget was spent
    disconnected: int = 0
    new_activities: int = 0
    requests: int = 0
    budget_exhausted: bool = False
    reasons: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (athlete id, why), the first few
    unreached: list[int] = field(default_factory=list)  # skipped or disconnected: nothing to evaluate

    def merge(self, other: SyncReport) -> None:
        for name in ("synced", "quiet", "failed", "skipped", "disconnected", "new_activities", "requests"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.budget_exhausted = self.budget_exhausted or other.budget_exhausted
        self.reasons.update(other.reasons)
        self.failures.extend(other.failures[: MAX_FAILURES_LISTED - len(self.failures)])
        self.unreached.extend(other.unreached)

    def _fail(self, athlete_id: int, error: BaseException) -> None:
        self.reasons[type(error).__name__] += 1
        if len(self.failures) < MAX_FAILURES_LISTED:
            self.failures.append((athlete_id, f"{type(error).__name__}: {error}"[:300]))


@dataclass
class EvaluationReport:
    evaluated: int = 0
    failed: int = 0
    findings_by_rule: Counter[str] = field(default_factory=Counter)
    alerts_queued: int = 0

    def merge(self, other: EvaluationReport) -> None:
        self.evaluated += other.evaluated
        self.failed += other.failed
        self.findings_by_rule.update(other.findings_by_rule)
        self.alerts_queued += other.alerts_queued


@dataclass(frozen=True)
class NightOptions:
    batch_size: int = 100
    strava_threads: int = 8  # the fake and Strava answer in parallel; requests sessions are per thread
    lease: timedelta = DEFAULT_LEASE
    # With webhooks on, an athlete whose last list call is older than this gets one anyway, in case
    # an event was lost (Strava gives up after 3 tries). None: never.
    webhook_reconcile: timedelta | None = timedelta(days=7)
    policy: SyncPolicy = SyncPolicy()


@dataclass
class NightReport:
    """What one worker did in one run (several batches)."""

    batches: int = 0
    athlete_ids: list[int] = field(default_factory=list)
    sync: SyncReport = field(default_factory=SyncReport)
    evaluation: EvaluationReport = field(default_factory=EvaluationReport)

    def add(self, other: NightReport) -> None:
        self.batches += other.batches
        self.athlete_ids.extend(other.athlete_ids)
        self.sync.merge(other.sync)
        self.evaluation.merge(other.evaluation)

    def as_summary(self) -> dict[str, object]:
        s, e = self.sync, self.evaluation
        return {
            "athletes": len(self.athlete_ids), "batches": self.batches,
            "synced": s.synced, "quiet_by_webhook": s.quiet, "sync_failed": s.failed, "sync_skipped": s.skipped,
            "disconnected": s.disconnected, "failure_reasons": dict(s.reasons),
            "failures": [f"athlete {athlete_id}: {why}" for athlete_id, why in s.failures],
            "new_activities": s.new_activities, "strava_requests": s.requests,
            "budget_exhausted": s.budget_exhausted,
            "evaluated": e.evaluated, "evaluation_failed": e.failed,
            "findings_by_rule": dict(sorted(e.findings_by_rule.items())), "alerts_queued": e.alerts_queued,
        }


class _ThreadBudget(RequestBudget):
    """One per Strava client thread: counts its own requests (so each athlete's sync knows what it
    spent) while the shared budget keeps the reserve for all threads."""

    def __init__(self, shared: RequestBudget) -> None:
        super().__init__(shared.margin)
        self.shared = shared

    @property
    def usage(self):  # type: ignore[override]
        return self.shared.usage

    def record(self, headers: Mapping[str, str]) -> None:
        self.shared.record(headers)
        self.requests_made += 1

    def remaining(self) -> tuple[int, int] | None:
        return self.shared.remaining()

    def check(self) -> None:
        self.shared.check()


class _Sources(threading.local):
    """A StravalibSource (and so a requests session) per thread: sessions are not thread-safe."""

    def get(self, runtime: Runtime) -> StravalibSource:
        source = getattr(self, "source", None)
        if source is None:
            client_id, client_secret = runtime.settings.require_strava_app()
            source = self.source = StravalibSource(
                client_id=client_id, client_secret=client_secret, api_url=runtime.settings.strava_api_url,
                budget=_ThreadBudget(runtime.budget), timeout_s=runtime.settings.strava_request_timeout_s,
            )
        return source


def sync_many(
    runtime: Runtime, athlete_ids: Sequence[int], now: datetime, policy: SyncPolicy = SyncPolicy(), threads: int = 1
) -> SyncReport:
    report = SyncReport()
    stop = threading.Event()
    sources = _Sources()

    def one(athlete_id: int) -> SyncResult | BaseException | None:
        if stop.is_set():
            return None
        try:
            return sync_athlete(runtime.sessions, sources.get(runtime), runtime.box, athlete_id, now, policy)
        except RateLimited as error:
            stop.set()
            return error
        except Exception as error:  # one athlete's bad data must not stop the night
            return error

    with ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="strava") as pool:
        outcomes = list(pool.map(one, athlete_ids))
    for athlete_id, outcome in zip(athlete_ids, outcomes):
        if outcome is None or isinstance(outcome, RateLimited):
            report.skipped += 1
            report.unreached.append(athlete_id)
            report.reasons["BudgetExhausted" if outcome is None else type(outcome).__name__] += 1
        elif isinstance(outcome, (AuthRevoked, MissingScope)):
            report.disconnected += 1
            report.unreached.append(athlete_id)
            report._fail(athlete_id, outcome)
        elif isinstance(outcome, BaseException):
            report.failed += 1
            report._fail(athlete_id, outcome)
            log.warning("sync failed athlete_id=%s reason=%s", athlete_id, type(outcome).__name__,
                        exc_info=None if isinstance(outcome, StravaError) else outcome)
        else:
            report.synced += 1
            report.new_activities += outcome.new_activities
            report.requests += outcome.requests
    if stop.is_set():
        report.budget_exhausted = True
        log.warning("Strava budget spent: %d athletes wait for the next run", report.skipped)
    return report


def evaluate_many(runtime: Runtime, athlete_ids: Sequence[int], now: datetime) -> EvaluationReport:
    from coaching.services.notify import queue_alert

    report = EvaluationReport()
    for athlete_id in athlete_ids:
        try:
            with runtime.sessions.begin() as session:
                athlete = AthleteRepository(session).get(athlete_id)
                if athlete is None:
                    continue
                result = evaluate_athlete(session, athlete, evaluation_day(now, athlete.timezone))
                report.findings_by_rule.update(f.rule for f in result.evaluation.findings)
                report.alerts_queued += queue_alert(runtime, session, athlete, result, now)
            report.evaluated += 1
        except Exception:
            report.failed += 1
            log.exception("evaluation failed athlete_id=%s", athlete_id)
    return report


def needing_list_call(runtime: Runtime, athlete_ids: Sequence[int], now: datetime,
                      reconcile: timedelta | None) -> list[int]:
    """Without webhooks everybody needs one list call. With them, only athletes still back-filling
    or not listed within `reconcile`: the events have already brought in everyone else's changes."""
    with runtime.sessions.begin() as session:
        if our_subscription_id(session) is None:
            return list(athlete_ids)
        states = session.execute(
            select(SyncState.athlete_id, SyncState.backfill_done, SyncState.last_success_at)
            .where(SyncState.athlete_id.in_(list(athlete_ids)))
        ).all()
    known = {row.athlete_id: row for row in states}
    return [
        athlete_id for athlete_id in athlete_ids
        if (row := known.get(athlete_id)) is None or not row.backfill_done or row.last_success_at is None
        or (reconcile is not None and row.last_success_at < now - reconcile)
    ]


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def take_batch(
    runtime: Runtime, worker_id: str, night: Night, now: datetime, options: NightOptions = NightOptions(),
    clock: Callable[[], datetime] = wall_clock,
) -> NightReport | None:
    """Lease, sync, evaluate and release one batch; None when the night owes nobody else."""
    started = time.monotonic()
    with runtime.sessions.begin() as session:
        ids = claim_batch(session, worker_id, clock(), options.batch_size, options.lease, night)
    if not ids:
        return None
    report = NightReport(batches=1, athlete_ids=list(ids))
    quiet: list[int] = []
    try:
        to_sync = needing_list_call(runtime, ids, now, options.webhook_reconcile)
        quiet = sorted(set(ids) - set(to_sync))
        report.sync = sync_many(runtime, to_sync, now, options.policy, options.strava_threads)
        report.sync.quiet = len(quiet)
        with runtime.sessions.begin() as session:
            renew(session, worker_id, ids, clock(), options.lease)
        unreached = set(report.sync.unreached)  # evaluated once they are synced
        report.evaluation = evaluate_many(runtime, [i for i in ids if i not in unreached], now)
    finally:
        with runtime.sessions.begin() as session:
            release(session, worker_id, ids, handled_without_sync=quiet, handled_at=now)
    s, e = report.sync, report.evaluation
    log.info(
        "night batch worker=%s athletes=%d synced=%d quiet=%d failed=%d skipped=%d disconnected=%d "
        "requests=%d new_activities=%d evaluated=%d alerts_queued=%d elapsed_s=%.2f",
        worker_id, len(ids), s.synced, s.quiet, s.failed, s.skipped, s.disconnected, s.requests,
        s.new_activities, e.evaluated, e.alerts_queued, time.monotonic() - started,
    )
    return report


def run_worker(
    runtime: Runtime, worker_id: str, night: Night, now: datetime, options: NightOptions = NightOptions(),
    clock: Callable[[], datetime] = wall_clock,
) -> NightReport:
    """Take batches until the night owes nobody (or the budget is spent). What the nightly flow
    does batch by batch as Prefect tasks, and what the benchmark runs in each worker process."""
    with runtime.sessions.begin() as session:
        ensure_sync_states(session)
    total = NightReport()
    while (batch := take_batch(runtime, worker_id, night, now, options, clock)) is not None:
        total.add(batch)
        if batch.sync.budget_exhausted:
            break
    return total
