"""Building the runtime inside a flow run (configuration is read here, at the composition root),
and what every flow's steps share: the retry policy and the delivery step."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timezone
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from coaching.clock import wall_clock
from coaching.runtime import Runtime
from coaching.services.notify import DeliveryReport, deliver_due
from coaching.settings import Settings
from coaching.store.db import check_schema
from coaching.store.outbox import OutboxRepository
from flows._logging import attach_run_logs


def build_runtime() -> Runtime:
    """The first thing every flow run does: our log lines into its Prefect log, then the runtime."""
    attach_run_logs()
    runtime = Runtime(Settings())
    check_schema(runtime.engine)
    return runtime


def run_now(now_iso: str | None) -> datetime:
    """The run's instant: a parameter for reruns and tests, else the clock. Naive means UTC."""
    if not now_iso:
        return wall_clock()
    now = datetime.fromisoformat(now_iso)
    return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)


def worker_id() -> str:
    """Who holds a lease: host, process and flow run, so an operator can tell workers apart."""
    from prefect.runtime import flow_run

    run = str(flow_run.id or uuid.uuid4())[:8]
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{run}"


def database_hiccup(task: Any, task_run: Any, state: Any) -> bool:
    """A task's retry condition: retry only when the database connection failed. Athletes' own
    failures are handled inside the steps, and anything else will not get better by waiting."""
    try:
        state.result()
    except OperationalError:
        return True
    except Exception:
        return False
    return False


# Every step of every flow: twice more, only when the database connection failed.
RETRIES: dict[str, Any] = {"retries": 2, "retry_delay_seconds": [10, 60], "retry_condition_fn": database_hiccup}


def delivery_summary(session: Session, delivery: DeliveryReport) -> dict[str, int]:
    """What this run's delivery step did (any run's messages), and what the outbox still holds."""
    return {"deliveries_sent": delivery.sent, "deliveries_failed": delivery.failed,
            "deliveries_cancelled": delivery.cancelled,
            "outbox_waiting": OutboxRepository(session).counts_by_status().get("queued", 0)}


@task(cache_policy=NO_CACHE, **RETRIES)
def deliver(runtime: Runtime, now: datetime) -> DeliveryReport:
    """Send what the outbox holds that is due: the last step of every flow."""
    return deliver_due(runtime, now)
