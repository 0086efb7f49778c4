"""The deployments, as data: which flow runs when, with which parameters and concurrency limits.

`coach serve` serves these in one process; `deployments/prefect.yaml` declares the same ones for
`prefect deploy` onto a work pool (a test keeps the two in step). Every schedule is in UTC and
hourly: the flows pick the athletes (or coaches) whose own clock has reached the hour, which works
for every zone, half-hour offsets and DST changes included, and catches up after a missed hour
(see deployments/README.md for why not one schedule per zone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron

from flows.nightly import WORKER_DEPLOYMENT, nightly, nightly_worker
from flows.weekly import coach_digests, weekly_summaries

NIGHTLY_LOCAL_HOUR = 3
SUMMARY_LOCAL_HOUR = 7  # Monday
DIGEST_LOCAL_HOUR = 8  # Monday, in the coach's zone
EVERY_HOUR = "0 * * * *"
# Monday 07:00-08:00 local happens between Sunday 17:00 UTC (UTC+14) and Monday 20:00 UTC (UTC-12).
EVERY_HOUR_SUNDAY_AND_MONDAY = "0 * * * 0,1"


@dataclass(frozen=True)
class DeploymentSpec:
    flow: Flow
    name: str
    cron: str | None
    parameters: dict[str, Any]
    concurrency_limit: int
    # CANCEL_NEW: a run still busy when the next hour fires covers it; the next hour catches up.
    collision_strategy: str = "ENQUEUE"
    description: str = ""
    tags: list[str] = field(default_factory=lambda: ["knee-coach"])

    @property
    def full_name(self) -> str:
        return f"{self.flow.name}/{self.name}"


SPECS: list[DeploymentSpec] = [
    DeploymentSpec(
        nightly, "nightly", EVERY_HOUR, {"local_hour": NIGHTLY_LOCAL_HOUR, "fan_out": 0}, 1, "CANCEL_NEW",
        "Sync, evaluate and alert every athlete once a day, after 03:00 on their own clock.",
    ),
    DeploymentSpec(
        nightly_worker, WORKER_DEPLOYMENT.split("/")[1], None, {}, 4, "ENQUEUE",
        "More hands for a nightly run (started by `nightly` with fan_out > 0); shares its leased batches.",
    ),
    DeploymentSpec(
        weekly_summaries, "weekly-summaries", EVERY_HOUR_SUNDAY_AND_MONDAY, {"local_hour": SUMMARY_LOCAL_HOUR}, 1,
        "ENQUEUE", "Each runner's summary of the week just ended, Monday 07:00 on their clock.",
    ),
    DeploymentSpec(
        coach_digests, "coach-digests", EVERY_HOUR_SUNDAY_AND_MONDAY, {"local_hour": DIGEST_LOCAL_HOUR}, 1,
        "ENQUEUE", "Each coach's digest of their athletes, Monday 08:00 in the coach's zone.",
    ),
]


def runner_deployments(specs: list[DeploymentSpec] = SPECS) -> list[RunnerDeployment]:
    """For `prefect.serve`: module entrypoints, so the served runs import the installed package
    whatever the working directory."""
    return [
        spec.flow.to_deployment(
            name=spec.name,
            schedule=Cron(spec.cron, timezone="UTC") if spec.cron else None,
            parameters=spec.parameters,
            concurrency_limit=ConcurrencyLimitConfig(
                limit=spec.concurrency_limit, collision_strategy=ConcurrencyLimitStrategy(spec.collision_strategy)
            ),
            description=spec.description,
            tags=spec.tags,
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        for spec in specs
    ]
