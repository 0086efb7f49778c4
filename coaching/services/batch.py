"""A night's work over many athletes: one athlete's failure never stops the others, and a spent
Strava budget stops syncing cleanly (the next run carries on)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

from coaching.runtime import Runtime
from coaching.services.evaluation import evaluate_athlete, evaluation_day
from coaching.services.sync import SyncPolicy, sync_athlete
from coaching.store.athletes import AthleteRepository
from coaching.strava.errors import AuthRevoked, MissingScope, RateLimited, StravaError

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    synced: int = 0
    failed: int = 0
    skipped: int = 0
    disconnected: int = 0
    new_activities: int = 0
    requests: int = 0
    budget_exhausted: bool = False
    reasons: Counter[str] = field(default_factory=Counter)

    def merge(self, other: "SyncReport") -> None:
        for name in ("synced", "failed", "skipped", "disconnected", "new_activities", "requests"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.budget_exhausted = self.budget_exhausted or other.budget_exhausted
        self.reasons.update(other.reasons)


def sync_many(runtime: Runtime, athlete_ids: Sequence[int], now: datetime, policy: SyncPolicy = SyncPolicy()) -> SyncReport:
    report = SyncReport()
    for index, athlete_id in enumerate(athlete_ids):
        try:
            result = sync_athlete(runtime.sessions, runtime.strava, runtime.box, athlete_id, now, policy)
        except RateLimited as error:
            report.budget_exhausted = True
            report.skipped += len(athlete_ids) - index
            report.reasons[type(error).__name__] += len(athlete_ids) - index
            log.warning("Strava budget spent after %d athletes; the rest wait for the next run", report.synced)
            break
        except (AuthRevoked, MissingScope) as error:
            report.disconnected += 1
            report.reasons[type(error).__name__] += 1
        except StravaError as error:
            report.failed += 1
            report.reasons[type(error).__name__] += 1
            log.warning("sync failed for athlete %s: %s", athlete_id, error)
        except Exception as error:  # one athlete's bad data must not stop the night
            report.failed += 1
            report.reasons[type(error).__name__] += 1
            log.exception("unexpected sync failure for athlete %s", athlete_id)
        else:
            report.synced += 1
            report.new_activities += result.new_activities
            report.requests += result.requests
    return report


@dataclass
class EvaluationReport:
    evaluated: int = 0
    failed: int = 0
    findings_by_rule: Counter[str] = field(default_factory=Counter)
    alerts_queued: int = 0


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
            log.exception("evaluation failed for athlete %s", athlete_id)
    return report
