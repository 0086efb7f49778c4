"""1,000 webhook events in 10 seconds against `coach web` in its own process (bench/bench_webhook_burst.py,
the same code): every one answered 200 within Strava's 2 s, then each processed exactly once (each
activity fetched once and stored once under its owner, retries deduplicated, no event left).

The 2 s deadline is asserted on the 99th percentile and on all but a few answers, not on the
slowest one: on this 2-core machine the slowest of 1,000 answers took 265-762 ms over eight runs at
load averages of 4.6 to 5.9 (p99 92-318 ms), but once 1.89 s on PostgreSQL at load average 1.3 (p99
391 ms), a pause on the database side. A late answer loses nothing: Strava sends the event again
and the retry is deduplicated, which the exactly-once check covers."""

from __future__ import annotations

import os

import pytest
from bench_webhook_burst import STRAVA_DEADLINE_S, describe, measure


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_burst_of_a_thousand_events_is_answered_in_time_and_processed_exactly_once(kind: str, capsys) -> None:  # type: ignore[no-untyped-def]
    if kind == "postgresql":
        url = os.environ.get("COACH_TEST_DATABASE_URL")
        if not url:
            if os.environ.get("COACH_REQUIRE_POSTGRES") == "1":
                pytest.fail("COACH_REQUIRE_POSTGRES=1 but COACH_TEST_DATABASE_URL is not set")
            pytest.skip("PostgreSQL not configured (set COACH_TEST_DATABASE_URL)")
        kind = url
    outcome = measure(kind, events=1000, seconds=10.0, connections=16)
    with capsys.disabled():
        print("\n" + describe("postgresql" if kind != "sqlite" else kind, outcome))
    assert outcome.burst.statuses == {200: 1000}
    assert outcome.exactly_once, outcome.problems
    assert (outcome.unique, outcome.duplicates, outcome.report.processed) == (800, 200, 800)
    assert outcome.burst.percentile(99) < STRAVA_DEADLINE_S
    assert sum(latency >= STRAVA_DEADLINE_S for latency in outcome.burst.latencies_s) <= 5
