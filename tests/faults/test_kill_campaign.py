"""The flow process killed with SIGKILL, at random instants and at the exact windows that matter,
then run again: every activity stored once, every due message sent once (twice only in the
documented window), nothing else changed. See `kill_campaign.py` for how a kill point works."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import sessionmaker

from coaching.crypto import SecretBox
from coaching.sinks.push_sink import PushSink
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.athletes import AthleteRepository
from coaching.store.db import make_engine
from tests.clock import make_clock
from tests.faults.fault_env import (
    DELIVERY_NOW,
    assert_store_mirrors_fake,
    connect,
    make_fake,
    make_source,
)
from tests.faults.kill_campaign import (
    KILLED,
    UNLIMITED_BUDGET,
    DeliveryWorld,
    KillDriver,
    SyncWorld,
    build_delivery_world,
    build_sync_world,
    delivery_campaign,
    delivery_kill_point,
    sync_campaign,
    sync_kill_point,
)

pytestmark = pytest.mark.slow

SYNC_KILL_POINTS = 7
DELIVERY_KILL_POINTS = 6


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KillDriver]:
    running = KillDriver(tmp_path_factory.mktemp("driver") / "driver.log")
    yield running
    running.close()


@pytest.fixture(scope="module")
def sync_world(driver: KillDriver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncWorld]:
    clock = make_clock()
    # Worn shoes alert whatever the hour the tests run (see the rotated-token test below).
    with make_fake(clock, count=2, personas=["worn_shoes", "no_rest"], seed=5, days=28,
                   **UNLIMITED_BUDGET) as fake:
        fake.set_latency(0.004)  # requests in flight long enough for a kill to land inside one
        yield build_sync_world(fake, tmp_path_factory.mktemp("sync"), driver, clock.now())


@pytest.fixture(scope="module")
def delivery_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeliveryWorld]:
    sinks = tmp_path_factory.mktemp("sinks")
    with SmtpSink(sinks) as smtp, PushSink(sinks) as push:
        yield build_delivery_world(tmp_path_factory.mktemp("delivery"), smtp, push, DELIVERY_NOW,
                                   runners=3, messages_each=2)


def test_a_night_killed_at_random_requests_and_run_again_stores_every_activity_once(sync_world, driver):
    outcomes = sync_campaign(sync_world, driver, SYNC_KILL_POINTS, seed=20261125)
    killed = [outcome for outcome in outcomes if outcome.killed]
    assert len(killed) >= SYNC_KILL_POINTS - 2, [outcome.at_request for outcome in outcomes]


def test_a_delivery_run_killed_at_random_messages_sends_each_once_or_twice_only_in_the_window(delivery_world, driver):
    outcomes = delivery_campaign(delivery_world, driver, DELIVERY_KILL_POINTS, seed=20261125)
    assert sum(outcome.killed for outcome in outcomes) >= DELIVERY_KILL_POINTS - 2


@pytest.mark.parametrize("point, nth", [("sync.after_list", 3), ("sync.after_page_stored", 2),
                                        ("sync.after_page_stored", 6)])
def test_a_night_killed_between_strava_s_answer_and_the_stored_cursor_redoes_that_page_only(
    point, nth, sync_world, driver
):
    outcome = sync_kill_point(sync_world, driver, die_at=point, nth=nth)
    assert outcome.killed and outcome.evaluation_lost == set()


def test_a_night_killed_after_the_sync_but_before_the_evaluation_commits_still_alerts_that_night(sync_world, driver):
    """The athlete stays due while no evaluation is recorded since their sync (claims.py): the
    rerun takes them again once the dead worker's lease expires."""
    outcome = sync_kill_point(sync_world, driver, die_at="evaluate.after_queue", nth=1)
    assert outcome.killed and outcome.evaluation_lost == set()


@pytest.mark.parametrize("point, expected", [("deliver.before_send", (0, 1)), ("deliver.after_send", (1, 0))])
def test_a_delivery_killed_around_the_send_sends_once_or_once_more_only_after_the_lease(
    point, expected, delivery_world, driver
):
    """Before the send: the `sending` row waits out its lease, then goes once. After the mail
    server accepted it: the documented at-least-once window, exactly one duplicate."""
    outcome = delivery_kill_point(delivery_world, driver, die_at=point, nth=3)
    assert outcome.killed and (outcome.resent_in_window, outcome.sending_unsent) == expected


def test_a_night_killed_after_strava_rotated_a_token_disconnects_that_runner_and_a_reconnect_resumes(
    driver, tmp_path
):
    """Strava kills the old refresh token as it issues the new one: a process killed before
    storing the new one has lost the grant. The runner is marked disconnected (with the reason)
    instead of failing every night; the others are untouched; connecting again resumes."""
    clock = make_clock()
    # Worn shoes give a caution whatever the hour.
    with make_fake(clock, count=2, personas=["worn_shoes", "no_rest"], seed=9, days=30, **UNLIMITED_BUDGET) as fake:
        world = build_sync_world(fake, tmp_path / "world", driver, clock.now())
        clock.advance(6 * 3600 - 60)  # every access token has a minute left: the night refreshes
        night = clock.now()
        url = world.fresh_database()
        assert driver.run(world.job(url, now=night, die_at="token.after_refresh", nth=1)) == KILLED
        assert driver.run(world.job(url, now=night, clock_offset_s=31 * 60)) == 0

        engine = make_engine(url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        (lost_strava_id, lost_id), (kept_strava_id, kept_id) = sorted(world.athletes.items(), key=lambda kv: kv[1])
        with sessions.begin() as s:
            lost = AthleteRepository(s).get(lost_id)
            assert not lost.connected and "refresh token" in lost.disconnected_reason
        assert_store_mirrors_fake(sessions, fake, kept_strava_id, kept_id)

        source = make_source(fake)
        assert connect(sessions, source, SecretBox([world.settings["token_key"]]), lost_strava_id) == lost_id
        engine.dispose()
        assert driver.run(world.job(url, now=night + timedelta(days=1), clock_offset_s=62 * 60)) == 0
        engine = make_engine(url)
        assert_store_mirrors_fake(sessionmaker(engine), fake, lost_strava_id, lost_id)
        engine.dispose()
