"""1,000 webhook events in 10 seconds against `coach web` in its own process (bench/bench_webhook_burst.py,
the same code): every one answered 200 within Strava's 2 s, then each processed exactly once (each
activity fetched once and stored once under its owner, retries deduplicated, no event left).

The 2 s assertion is kept because it holds with a wide margin: on a 2-core machine at load
averages of 4.6 to 5.9 (other suites running beside it), the slowest of 1,000 answers took 265-762 ms
over eight runs (p99 92-318 ms). A miss would not lose an event (Strava retries, we deduplicate)."""

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
    assert max(outcome.burst.latencies_s) < STRAVA_DEADLINE_S
