"""A night over many athletes against the fake Strava: leased batches, threads, failures, budget,
webhooks, and logs without secrets. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from coaching.fake_strava import FakeStrava
from coaching.runtime import Runtime
from coaching.services.night import NightOptions, run_worker
from coaching.services.claims import Night
from coaching.store.models import PushSubscription, SyncState
from coaching.store.tokens import TokenRepository
from scale_helpers import CLIENT_SECRET, clock_of, roomy_fake, runtime_on
from tests.strava.conftest import connect

LIST_ROUTE = "GET /api/v3/athlete/activities"
OPTIONS = NightOptions(batch_size=4, strava_threads=4)


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with roomy_fake(count=10, seed=11, days=21) as fake:
        yield fake


def test_athletes_connected_through_oauth_and_back_filled_get_the_same_quiet_night(engine, fake):
    """The preload stands in for connect + back-fill: both leave one list call per quiet night."""
    runtime = runtime_on(engine, fake.base_url, clock_of(fake))
    ids = [connect(runtime.sessions, runtime.strava, runtime.box, strava_id) for strava_id in fake.athlete_ids[:3]]
    first = runtime.clock() - timedelta(minutes=5)
    backfill = run_worker(runtime, "w1", Night.everyone(first), first, OPTIONS)
    assert backfill.sync.synced == 3 and backfill.sync.new_activities == sum(
        len(fake.activities(s)) for s in fake.athlete_ids[:3])
    fake.reset_stats()
    now = runtime.clock()
    report = run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS)
    assert report.athlete_ids == ids and report.sync.requests == 3 and report.sync.new_activities == 0


def test_a_quiet_night_costs_one_list_call_per_athlete_and_evaluates_everyone(connected, fake):
    runtime, ids = connected
    now = runtime.clock()
    report = run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS)
    assert (report.sync.synced, report.sync.requests, report.evaluation.evaluated) == (10, 10, 10)
    assert report.batches == 3  # 4 + 4 + 2
    assert fake.stats.by_route == {LIST_ROUTE: 10}
    assert set(fake.stats.by_athlete.values()) == {1}
    # The same night again owes nobody anything.
    assert run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS).athlete_ids == []


def test_two_workers_share_a_night_without_syncing_any_athlete_twice(connected, fake):
    runtime, ids = connected
    fake.set_latency(0.02)
    other = runtime_on(runtime.engine, fake.base_url, runtime.clock)
    other.settings = runtime.settings  # same token key
    now = runtime.clock()
    reports = {}
    start = threading.Barrier(2)

    def work(name: str, rt: Runtime) -> None:
        start.wait()
        reports[name] = run_worker(rt, name, Night.everyone(now), now, NightOptions(batch_size=2, strava_threads=2))

    threads = [threading.Thread(target=work, args=("a", runtime)), threading.Thread(target=work, args=("b", other))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(reports["a"].athlete_ids + reports["b"].athlete_ids) == ids
    assert reports["a"].athlete_ids and reports["b"].athlete_ids
    assert fake.stats.by_route == {LIST_ROUTE: 10} and set(fake.stats.by_athlete.values()) == {1}


def test_one_athletes_failure_is_counted_with_its_reason_and_stops_nobody_else(connected, fake):
    runtime, ids = connected
    fake.inject_fault("/athlete/activities", "500", count=1)
    now = runtime.clock()
    report = run_worker(runtime, "w1", Night.everyone(now), now, NightOptions(batch_size=10, strava_threads=1))
    assert (report.sync.synced, report.sync.failed) == (9, 1)
    assert dict(report.sync.reasons) == {"StravaUnavailable": 1}
    failed_id, why = report.sync.failures[0]
    assert failed_id == ids[0] and "Strava server error (500)" in why
    assert report.evaluation.evaluated == 10  # evaluated on what is stored
    summary = report.as_summary()
    assert summary["sync_failed"] == 1 and summary["failures"] == [f"athlete {ids[0]}: {why}"]
    # Failed tonight: not retried until the next night.
    assert run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS).athlete_ids == []


def test_a_spent_budget_stops_cleanly_and_the_next_run_takes_only_those_not_reached(connected, fake):
    runtime, ids = connected
    fake.set_rate_limits(read_15min=fake.rate_usage()["read_15min"] + 5)
    now = runtime.clock()
    report = run_worker(runtime, "w1", Night.everyone(now), now, NightOptions(batch_size=3, strava_threads=1))
    assert report.sync.budget_exhausted
    assert report.sync.synced + report.sync.skipped == len(report.athlete_ids)
    assert 0 < report.sync.synced < 10 and report.sync.failed == 0
    synced_first = report.sync.synced
    fake.set_rate_limits(read_15min=10_000)
    runtime.budget.record({"X-ReadRateLimit-Limit": "10000,100000", "X-ReadRateLimit-Usage": "0,0"})
    rest = run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS)
    assert rest.sync.synced == 10 - synced_first and not rest.sync.budget_exhausted
    # Nobody listed twice, unless Strava refused the call (our own budget usually stops first).
    assert sum(fake.stats.by_athlete.values()) == 10 + fake.stats.rate_limited


def test_with_webhooks_on_a_quiet_athlete_costs_no_request_but_is_still_evaluated(connected, fake):
    runtime, ids = connected
    with runtime.sessions.begin() as session:
        session.add(PushSubscription(id=777, callback_url="http://127.0.0.1/strava/webhook"))
        stale = session.get(SyncState, ids[0])
        stale.last_success_at = runtime.clock() - timedelta(days=8)  # due a reconciling list call
    now = runtime.clock()
    report = run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS)
    assert (report.sync.synced, report.sync.quiet, report.sync.requests) == (1, 9, 1)
    assert report.evaluation.evaluated == 10
    assert fake.stats.by_route == {LIST_ROUTE: 1}
    assert run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS).athlete_ids == []


def test_the_logs_say_what_happened_and_never_carry_a_token(connected, fake, caplog):
    runtime, ids = connected
    with runtime.sessions.begin() as session:
        tokens = [TokenRepository(session, runtime.box).load(athlete_id) for athlete_id in ids]
    fake.inject_fault("/athlete/activities", "500", count=1)
    now = runtime.clock()
    with caplog.at_level(logging.DEBUG):
        run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS)
    text = caplog.text
    assert "night batch worker=w1 athletes=4 synced=3" in text and "sync failed athlete_id=" in text
    for stored in tokens:
        assert stored.access_token not in text and stored.refresh_token not in text
    assert CLIENT_SECRET not in text
