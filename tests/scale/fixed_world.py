"""A world on a fixed clock for the Strava-program tests: the fake's clock and the runs' `now` are
the same explicit instant, moved by the test (never the wall clock)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.runtime import Runtime
from scale_helpers import CLIENT_ID, CLIENT_SECRET, preload, runtime_on

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
OPERATOR = "operator@knee-coach.example.org"


class Clock:
    """The fake's clock, moved by the test (token expiry and rate windows follow it)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at.timestamp()


def fixed_fake(clock: Clock, count: int) -> FakeStrava:
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, read_limit_15min=10_000,
                                       read_limit_daily=100_000, overall_limit_15min=10_000,
                                       overall_limit_daily=100_000), now=clock)
    fake.seed(count=count, end_date=date(2026, 11, 24), seed=23, days=14)
    return fake


def preloaded(engine, fake: FakeStrava) -> tuple[Runtime, list[int]]:  # noqa: ANN001
    """Every athlete of the fake connected and synced a day before NOW."""
    runtime = runtime_on(engine, fake.base_url)
    runtime.settings.operator_email = OPERATOR
    return runtime, preload(runtime, fake, fake.athlete_ids, NOW - timedelta(days=1))


def next_run(runtime: Runtime) -> Runtime:
    """A run of its own (as a flow run is): a fresh runtime, so a fresh Strava gate, same database."""
    fresh = runtime_on(runtime.engine, runtime.settings.strava_api_url)
    fresh.box = runtime.box  # type: ignore[misc]
    fresh.settings.operator_email = runtime.settings.operator_email
    fresh.settings.strava_athlete_capacity = runtime.settings.strava_athlete_capacity
    fresh.settings.smtp_port = runtime.settings.smtp_port
    return fresh
