"""The nightly flow: sync every due athlete, evaluate, queue alerts, deliver.

Deployed hourly with `local_hour=3`: each run takes the athletes whose clock has passed 03:00 since
their last sync (Sydney at 16:00 UTC, Denver at 09:00 or 10:00 UTC), so everyone is synced once a
day, in the early morning where they live. Athletes go to Prefect tasks in leased batches, never
one task per athlete (a task run costs ~10 ms in the client and 40-60 ms of server CPU); with
`fan_out=N` the run also starts N `nightly-worker` runs that share the same batches from other
machines (the leases keep any athlete from being taken twice).
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from coaching.runtime import Runtime
from coaching.services.night import NightOptions, NightReport, take_batch
from coaching.services.claims import Night, connected_zones, due_count, ensure_sync_states
from coaching.services.notify import DeliveryReport
from coaching.services.status import budget_line, stored_budget, summary_markdown
from coaching.services.webhooks import WebhookReport, drain_webhook_events, webhook_events_pending
from coaching.services.run_messages import NIGHT_KINDS, run_messages
from flows._runtime import RETRIES, build_runtime, deliver, delivery_summary, run_now, worker_id

log = logging.getLogger(__name__)

WORKER_DEPLOYMENT = "nightly-worker/nightly-worker"
BATCHES_PER_RUN = 4
MIN_BATCH = 20  # a batch is a task run: 40-60 ms of the Prefect server's CPU
WEBHOOK_WAIT_S = 300.0


@task(cache_policy=NO_CACHE, task_run_name="batch-{index}", **RETRIES)
def night_batch(runtime: Runtime, worker: str, night: Night, now: datetime, options: NightOptions,
                index: int) -> NightReport | None:
    return take_batch(runtime, worker, night, now, options)


@task(cache_policy=NO_CACHE, **RETRIES)
def apply_webhook_events(runtime: Runtime, now: datetime) -> WebhookReport:
    return drain_webhook_events(runtime, now)


def plan_night(runtime: Runtime, now: datetime, local_hour: int | None,
               athlete_ids: list[int] | None, time_zones: list[str] | None) -> Night:
    if local_hour is None:
        return Night.everyone(now, athlete_ids, time_zones)
    with runtime.sessions.begin() as session:
        zones = connected_zones(session)
    return Night.at_local_hour(now, local_hour, zones, athlete_ids, time_zones)


def batch_size_for(runtime: Runtime, night: Night, runs: int) -> int:
    """About four batches per run, so that the runs finish close together (the last batch is the
    tail), and never more than the configured size (a batch is held in memory; one athlete's
    lease waits for the whole batch)."""
    with runtime.sessions.begin() as session:
        ensure_sync_states(session)
        due = due_count(session, night)
    return max(MIN_BATCH, min(runtime.settings.sync_batch_size, math.ceil(due / (BATCHES_PER_RUN * runs))))


def wait_for_webhook_events(runtime: Runtime, now: datetime, timeout_s: float = WEBHOOK_WAIT_S,
                            every_s: float = 1.0) -> bool:
    """A worker run begins its batches once the parent has applied the night's webhook events
    (concurrent drains could apply one runner's events out of order). False if it gave up
    waiting (a parent that died mid-drain leaves its events for the next run)."""
    deadline = time.monotonic() + timeout_s
    while True:
        with runtime.sessions.begin() as session:
            pending = webhook_events_pending(session, now)
        if not pending:
            return True
        if time.monotonic() > deadline:
            log.warning("webhook events still pending after %.0f s: starting the batches", timeout_s)
            return False
        time.sleep(every_s)


def work_the_night(runtime: Runtime, night: Night, now: datetime, options: NightOptions) -> NightReport:
    """Batch after batch until the night owes nobody, or the Strava budget is spent."""
    worker = worker_id()
    with runtime.sessions.begin() as session:
        ensure_sync_states(session)
    total = NightReport()
    while (part := night_batch(runtime, worker, night, now, options, total.batches)) is not None:
        total.add(part)
        if part.sync.budget_exhausted:
            break
    return total


def _options(batch_size: int | None, strava_threads: int, webhook_reconcile_days: float | None,
             runtime: Runtime) -> NightOptions:
    return NightOptions(
        batch_size=batch_size or runtime.settings.sync_batch_size,
        strava_threads=max(1, strava_threads),
        webhook_reconcile=timedelta(days=webhook_reconcile_days) if webhook_reconcile_days is not None else None,
    )


def _finish(runtime: Runtime, title: str, key: str, report: NightReport, delivery: DeliveryReport,
            now: datetime, extra: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = report.as_summary()
    athletes = summary["athletes"] or 0
    summary["requests_per_athlete"] = round(summary["strava_requests"] / athletes, 3) if athletes else 0.0
    client_id = runtime.settings.strava_client_id
    with runtime.sessions.begin() as session:
        # The messages this run queued for its own athletes, whichever run sent them.
        own = run_messages(session, now, NIGHT_KINDS, "athlete", report.athlete_ids)
        summary.update(own.as_summary(), **delivery_summary(session, delivery))
        # What every worker together has left, as `coach status` shows it.
        budget = stored_budget(session, client_id, runtime.clock()) if client_id is not None else None
    summary.update(strava_budget=budget_line(budget, runtime.settings.strava_budget_margin), **extra)
    get_run_logger().info("%s: %s", title, {k: v for k, v in summary.items() if k != "failures"})
    create_markdown_artifact(key=key, markdown=summary_markdown(title, summary, summary["failures"]),
                             description=title)
    return summary


@flow(name="nightly", log_prints=False)
def nightly(
    athlete_ids: list[int] | None = None,
    time_zones: list[str] | None = None,
    now_iso: str | None = None,
    local_hour: int | None = None,
    batch_size: int | None = None,
    strava_threads: int = 8,
    webhook_reconcile_days: float | None = 7,
    fan_out: int = 0,
) -> dict[str, Any]:
    """Sync, evaluate and alert. Without `local_hour`: everybody (or `athlete_ids`) now. With it:
    the athletes whose local clock passed `local_hour`:00 since their last sync."""
    now = run_now(now_iso)
    runtime = build_runtime()
    try:
        night = plan_night(runtime, now, local_hour, athlete_ids, time_zones)
        batch_size = batch_size or batch_size_for(runtime, night, runs=1 + max(0, fan_out))
        # The worker runs first: a run on the pool takes a worker's next poll plus a process
        # start-up (seconds) to begin, which would otherwise come after the webhook events.
        workers = _start_workers(fan_out, {
            "now_iso": now.isoformat(), "local_hour": local_hour, "athlete_ids": athlete_ids,
            "time_zones": time_zones, "batch_size": batch_size, "strava_threads": strava_threads,
            "webhook_reconcile_days": webhook_reconcile_days,
        })
        # Queued Strava webhook events are applied before any batch (the workers wait for them),
        # so that the athletes they name are current when evaluated.
        events = apply_webhook_events(runtime, now)
        report = work_the_night(runtime, night, now, _options(batch_size, strava_threads, webhook_reconcile_days, runtime))
        delivery = deliver(runtime, now)
        return _finish(runtime, "Nightly run", "nightly-summary", report, delivery, now, {
            "worker_runs": workers, "webhook_events_applied": events.processed,
            "webhook_events_ignored": events.ignored, "webhook_events_failed": events.failed,
            "webhook_events_deferred": events.deferred,
        })
    finally:
        runtime.close()


@flow(name="nightly-worker", log_prints=False)
def nightly_worker(
    now_iso: str,
    local_hour: int | None = None,
    athlete_ids: list[int] | None = None,
    time_zones: list[str] | None = None,
    batch_size: int | None = None,
    strava_threads: int = 8,
    webhook_reconcile_days: float | None = 7,
) -> dict[str, Any]:
    """One more pair of hands for a night that `nightly` started: same batches, same leases."""
    now = run_now(now_iso)
    runtime = build_runtime()
    try:
        night = plan_night(runtime, now, local_hour, athlete_ids, time_zones)
        wait_for_webhook_events(runtime, now)
        report = work_the_night(runtime, night, now, _options(batch_size, strava_threads, webhook_reconcile_days, runtime))
        delivery = deliver(runtime, now)
        return _finish(runtime, "Nightly worker", "nightly-worker-summary", report, delivery, now, {})
    finally:
        runtime.close()


def _start_workers(count: int, parameters: dict[str, Any]) -> list[str]:
    """Start `count` runs of the worker deployment on the work pool (any machine's worker picks
    them up) without waiting for them: each reports its own share in its own artifact."""
    if count <= 0:
        return []
    from prefect.deployments import run_deployment
    from prefect.runtime import flow_run

    names = []
    for index in range(count):
        run = run_deployment(
            WORKER_DEPLOYMENT, parameters=parameters, timeout=0,
            # A retried parent must not start its workers twice.
            idempotency_key=f"{flow_run.id}-worker-{index}",
        )
        names.append(run.name)
    return names
