"""The nightly flow: sync every connected athlete, evaluate, queue alerts, deliver."""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from coaching.runtime import Runtime
from coaching.services.batch import EvaluationReport, SyncReport, evaluate_many, sync_many
from coaching.services.notify import DeliveryReport, deliver_due
from coaching.store.athletes import AthleteRepository
from flows._runtime import batches, build_runtime


@task(cache_policy=NO_CACHE, task_run_name="sync-{first_id}-{count}")
def sync_batch(runtime: Runtime, athlete_ids: list[int], now: datetime, first_id: int, count: int) -> SyncReport:
    return sync_many(runtime, athlete_ids, now)


@task(cache_policy=NO_CACHE, task_run_name="evaluate-{first_id}-{count}")
def evaluate_batch(runtime: Runtime, athlete_ids: list[int], now: datetime, first_id: int, count: int) -> EvaluationReport:
    return evaluate_many(runtime, athlete_ids, now)


@task(cache_policy=NO_CACHE)
def deliver(runtime: Runtime, now: datetime) -> DeliveryReport:
    return deliver_due(runtime, now)


def select_athletes(runtime: Runtime, athlete_ids: list[int] | None, time_zones: list[str] | None) -> list[int]:
    with runtime.sessions.begin() as session:
        athletes = AthleteRepository(session).connected()
    return [
        a.id for a in athletes
        if (athlete_ids is None or a.id in athlete_ids) and (time_zones is None or a.timezone in time_zones)
    ]


@flow(name="nightly", log_prints=False)
def nightly(
    athlete_ids: list[int] | None = None,
    time_zones: list[str] | None = None,
    now_iso: str | None = None,
) -> dict:
    """Sync, evaluate and alert. `time_zones` lets one deployment per zone run at 03:00 local."""
    logger = get_run_logger()
    now = datetime.fromisoformat(now_iso) if now_iso else datetime.now(timezone.utc)
    runtime = build_runtime()
    try:
        ids = select_athletes(runtime, athlete_ids, time_zones)
        size = runtime.settings.sync_batch_size
        sync_report = SyncReport()
        for batch in batches(ids, size):
            if sync_report.budget_exhausted:
                sync_report.skipped += len(batch)
                continue
            sync_report.merge(sync_batch(runtime, batch, now, batch[0], len(batch)))
        evaluation = EvaluationReport()
        for batch in batches(ids, size):
            part = evaluate_batch(runtime, batch, now, batch[0], len(batch))
            evaluation.evaluated += part.evaluated
            evaluation.failed += part.failed
            evaluation.alerts_queued += part.alerts_queued
            evaluation.findings_by_rule.update(part.findings_by_rule)
        delivery = deliver(runtime, now)
        summary = {
            "athletes": len(ids),
            "synced": sync_report.synced,
            "sync_failed": sync_report.failed,
            "sync_skipped": sync_report.skipped,
            "disconnected": sync_report.disconnected,
            "failure_reasons": dict(sync_report.reasons),
            "new_activities": sync_report.new_activities,
            "strava_requests": sync_report.requests,
            "budget_exhausted": sync_report.budget_exhausted,
            "evaluated": evaluation.evaluated,
            "findings_by_rule": dict(evaluation.findings_by_rule),
            "alerts_queued": evaluation.alerts_queued,
            "messages_sent": delivery.sent,
            "messages_failed": delivery.failed,
            "messages_cancelled": delivery.cancelled,
        }
        logger.info("nightly run: %s", summary)
        create_markdown_artifact(key="nightly-summary", markdown=_summary_markdown(summary), description="Nightly run")
        return summary
    finally:
        runtime.close()


def _summary_markdown(summary: dict) -> str:
    lines = ["# Nightly run", "", "| what | value |", "|---|---|"]
    lines += [f"| {key.replace('_', ' ')} | {value} |" for key, value in summary.items()]
    return "\n".join(lines)
