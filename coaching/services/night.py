"""A night's work in leased batches that several workers can share.

A batch is: lease up to N due athletes (`claims.py`), sync and evaluate them on a few threads
(`batch.py`), give the leases back. A worker takes batches until the night owes nobody, or until
the Strava budget is spent (the athletes it did not reach stay due for the next run). With
webhooks on, athletes whose changes the events already brought in cost no request at all.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Sequence

from sqlalchemy import select

from coaching.runtime import Runtime
from coaching.services.app_status import remember_app_state
from coaching.services.batch import EvaluationReport, SyncReport, sync_and_evaluate
from coaching.services.claims import DEFAULT_LEASE, Night, claim_batch, ensure_sync_states, release
from coaching.services.sync import SyncPolicy
from coaching.services.webhook_receipt import our_subscription_id
from coaching.store.models import SyncState

log = logging.getLogger(__name__)


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
            "budget_exhausted": s.budget_exhausted, "strava_app_inactive": s.app_inactive,
            "evaluated": e.evaluated, "evaluation_failed": e.failed,
            "findings_by_rule": dict(sorted(e.findings_by_rule.items())), "alerts_queued": e.alerts_queued,
        }




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


def take_batch(
    runtime: Runtime, worker_id: str, night: Night, now: datetime, options: NightOptions = NightOptions(),
    clock: Callable[[], datetime] | None = None,
) -> NightReport | None:
    """Lease, sync and evaluate, release one batch; None when the night owes nobody else, or when
    Strava said the app is inactive (everybody stays due for the next run, which asks once first).
    `clock` runs the leases (default: the runtime's)."""
    clock = clock or runtime.clock
    started = time.monotonic()
    if runtime.strava_gate.inactive:
        remember_app_state(runtime, now)
        return None
    with runtime.sessions.begin() as session:
        ids = claim_batch(session, worker_id, clock(), options.batch_size, options.lease, night)
    if not ids:
        return None
    report = NightReport(batches=1, athlete_ids=list(ids))
    quiet: list[int] = []
    try:
        to_sync = needing_list_call(runtime, ids, now, options.webhook_reconcile)
        quiet = [athlete_id for athlete_id in ids if athlete_id not in set(to_sync)]
        report.sync, report.evaluation = sync_and_evaluate(
            runtime, to_sync, quiet, now, options.policy, options.strava_threads)
    finally:
        with runtime.sessions.begin() as session:
            release(session, worker_id, ids, handled_without_sync=quiet, handled_at=now)
    remember_app_state(runtime, now)
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
    clock: Callable[[], datetime] | None = None,
) -> NightReport:
    """Take batches until the night owes nobody (or the budget is spent). What the nightly flow
    does batch by batch as Prefect tasks, and what the benchmark runs in each worker process."""
    with runtime.sessions.begin() as session:
        ensure_sync_states(session)
    total = NightReport()
    while (batch := take_batch(runtime, worker_id, night, now, options, clock)) is not None:
        total.add(batch)
        if batch.sync.budget_exhausted or batch.sync.app_inactive:
            break
    return total
