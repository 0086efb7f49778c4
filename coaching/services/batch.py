"""Syncing and evaluating many athletes: one athlete's failure never stops the others, and a
spent Strava budget stops the syncs cleanly (the next run carries on).

The Strava calls are I/O (at 50 ms a request, 10,000 sequential list calls alone take 500 s), so
athletes go through a small thread pool, each thread with its own requests session.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping, Sequence

from coaching.runtime import Runtime
from coaching.services.capacity import place_freed
from coaching.services.claims import EVALUATION_FAILED
from coaching.services.evaluation import evaluate_athlete, evaluation_day
from coaching.services.notify import tell_disconnected
from coaching.services.strava_sources import PerThreadSources
from coaching.services.sync import SyncPolicy, SyncResult, sync_athlete
from coaching.store.athletes import AthleteRepository
from coaching.strava.budget import RequestBudget
from coaching.strava.errors import ApplicationInactive, AuthRevoked, MissingScope, RateLimited, StravaError

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
    app_inactive: bool = False  # Strava said the app is inactive: the run stopped, nobody failed
    reasons: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (athlete id, why), the first few
    unreached: list[int] = field(default_factory=list)  # skipped or disconnected: nothing to evaluate

    def merge(self, other: SyncReport) -> None:
        for name in ("synced", "quiet", "failed", "skipped", "disconnected", "new_activities", "requests"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.budget_exhausted = self.budget_exhausted or other.budget_exhausted
        self.app_inactive = self.app_inactive or other.app_inactive
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


_Outcome = SyncResult | BaseException | str | None  # str: "quiet" (no sync needed); None: not reached


def _sync_one(runtime: Runtime, sources: PerThreadSources, athlete_id: int, now: datetime, policy: SyncPolicy,
              stop: threading.Event) -> _Outcome:
    if stop.is_set():
        return None
    try:
        return sync_athlete(runtime.sessions, sources.get(runtime), runtime.box, athlete_id, now, policy)
    except (RateLimited, ApplicationInactive) as error:
        stop.set()
        return error
    except (AuthRevoked, MissingScope) as error:
        # sync.py has marked them disconnected; they are not synced again, so this is said once.
        tell_disconnected(runtime, athlete_id, now, missing_scope=isinstance(error, MissingScope))
        place_freed(runtime, now)  # their place goes to the first on the waiting list
        return error
    except Exception as error:  # one athlete's bad data must not stop the night
        return error


def _reached(outcome: _Outcome) -> bool:
    """Worth evaluating: synced, quiet, or failed for a reason that leaves the stored data usable."""
    return outcome is not None and not isinstance(outcome, (RateLimited, ApplicationInactive, AuthRevoked, MissingScope))


def _count_sync(report: SyncReport, athlete_id: int, outcome: _Outcome) -> None:
    if outcome == "quiet":
        report.quiet += 1
    elif outcome is None or isinstance(outcome, (RateLimited, ApplicationInactive)):
        report.app_inactive = report.app_inactive or isinstance(outcome, ApplicationInactive)
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
    elif isinstance(outcome, SyncResult):
        report.synced += 1
        report.new_activities += outcome.new_activities
        report.requests += outcome.requests


def _evaluate_one(runtime: Runtime, athlete_id: int, now: datetime) -> tuple[list[str], int] | Exception | None:
    """(rules found, alerts queued), the error, or None when the athlete is gone."""
    from coaching.services.notify import queue_alert

    try:
        with runtime.sessions.begin() as session:
            athlete = AthleteRepository(session).get(athlete_id)
            if athlete is None:
                return None
            result = evaluate_athlete(session, athlete, evaluation_day(now, athlete.timezone), evaluated_at=now)
            return [f.rule for f in result.evaluation.findings], queue_alert(runtime, session, athlete, result, now)
    except Exception as error:
        log.exception("evaluation failed athlete_id=%s", athlete_id)
        _record_evaluation_failure(runtime, athlete_id, error)
        return error


def _record_evaluation_failure(runtime: Runtime, athlete_id: int, error: Exception) -> None:
    """Shown by `coach status`, and keeps the night from taking the athlete again only to fail."""
    try:
        with runtime.sessions.begin() as session:
            state = AthleteRepository(session).sync_state(athlete_id)
            state.last_error = f"{EVALUATION_FAILED}: {type(error).__name__}"[:500]
    except Exception:  # the database itself may be what failed; the night goes on
        log.warning("could not record the evaluation failure athlete_id=%s", athlete_id)


def _count_evaluation(report: EvaluationReport, outcome: tuple[list[str], int] | Exception | None) -> None:
    if isinstance(outcome, Exception):
        report.failed += 1
    elif outcome is not None:
        report.evaluated += 1
        report.findings_by_rule.update(outcome[0])
        report.alerts_queued += outcome[1]


def sync_and_evaluate(
    runtime: Runtime, to_sync: Sequence[int], quiet: Sequence[int], now: datetime,
    policy: SyncPolicy = SyncPolicy(), threads: int = 1,
) -> tuple[SyncReport, EvaluationReport]:
    """Each athlete on a thread: sync (unless quiet), then evaluate. While one thread waits for
    Strava or the database, another evaluates: the night takes about the longer of the two, not
    their sum. A spent budget stops the syncs not yet started (and their evaluations)."""
    stop, sources = threading.Event(), PerThreadSources(_ThreadBudget)

    def one(athlete_id: int, needs_sync: bool) -> tuple[_Outcome, object]:
        outcome = _sync_one(runtime, sources, athlete_id, now, policy, stop) if needs_sync else "quiet"
        return outcome, _evaluate_one(runtime, athlete_id, now) if _reached(outcome) else None

    ids = [*to_sync, *quiet]
    with ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="night") as pool:
        outcomes = list(pool.map(one, ids, [True] * len(to_sync) + [False] * len(quiet)))
    sync, evaluation = SyncReport(), EvaluationReport()
    for athlete_id, (synced, evaluated) in zip(ids, outcomes):
        _count_sync(sync, athlete_id, synced)
        _count_evaluation(evaluation, evaluated)  # type: ignore[arg-type]
    if sync.app_inactive:
        # The athletes not reached were stopped by the app's state, not by the budget.
        sync.reasons["ApplicationInactive"] += sync.reasons.pop("BudgetExhausted", 0)
        log.warning("Strava says the app is inactive: %d athletes wait for the next run", sync.skipped)
    elif stop.is_set():
        sync.budget_exhausted = True
        log.warning("Strava budget spent: %d athletes wait for the next run", sync.skipped)
    return sync, evaluation


def sync_many(
    runtime: Runtime, athlete_ids: Sequence[int], now: datetime, policy: SyncPolicy = SyncPolicy(), threads: int = 1
) -> SyncReport:
    """Sync only (no evaluation), `threads` at a time."""
    stop, sources = threading.Event(), PerThreadSources(_ThreadBudget)
    with ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="strava") as pool:
        outcomes = list(pool.map(lambda i: _sync_one(runtime, sources, i, now, policy, stop), athlete_ids))
    report = SyncReport()
    for athlete_id, outcome in zip(athlete_ids, outcomes):
        _count_sync(report, athlete_id, outcome)
    report.budget_exhausted = stop.is_set() and not report.app_inactive
    return report


def evaluate_many(runtime: Runtime, athlete_ids: Sequence[int], now: datetime) -> EvaluationReport:
    report = EvaluationReport()
    for athlete_id in athlete_ids:
        _count_evaluation(report, _evaluate_one(runtime, athlete_id, now))
    return report
