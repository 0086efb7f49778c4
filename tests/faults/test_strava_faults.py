"""Strava misbehaving in the middle of a sync (500, 429, a held request, a reset connection, half a
JSON body), through stravalib over real HTTP: the run fails with our retryable error, keeps only
whole pages, and the next run finishes with every activity stored exactly once."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from coaching.services.sync import SyncPolicy, sync_athlete
from coaching.store.athletes import AthleteRepository
from coaching.store.tokens import TokenRepository
from coaching.strava.errors import AuthRevoked, BudgetExhausted, RateLimited, StravaError, StravaUnavailable
from tests.faults.fault_env import (
    PAGE_SIZE,
    assert_store_mirrors_fake,
    connect,
    make_source,
    on_call,
    stored_ids,
)

POLICY = SyncPolicy(page_size=PAGE_SIZE)
# What each injected fault must surface as: all of them are worth retrying.
FAULTS = {"500": StravaUnavailable, "429": RateLimited, "timeout": StravaUnavailable,
          "reset": StravaUnavailable, "truncated": StravaUnavailable}
LIST_PATH = r"/api/v3/athlete/activities"


def _ids(pages: list[list[dict]]) -> set[int]:
    return {item["id"] for page in pages for item in page}


def _start(raw: dict) -> datetime:
    return datetime.fromisoformat(raw["start_date"].replace("Z", "+00:00"))


@pytest.mark.parametrize("kind", FAULTS)
def test_a_fault_on_the_third_page_of_the_back_fill_keeps_whole_pages_and_the_next_run_finishes_it(
    kind, sessions, box, fake, source, clock
):
    strava_id = fake.athlete_ids[0]
    athlete_id = connect(sessions, source, box, strava_id)
    pages = on_call(source, "list_activities", 3, lambda: fake.inject_fault(LIST_PATH, kind=kind))

    with pytest.raises(FAULTS[kind]) as failure:
        sync_athlete(sessions, source, box, athlete_id, clock.now(), POLICY)

    assert failure.value.retryable and fake.stats.faults_injected == 1
    assert len(pages) == 2 and all(len(page) == PAGE_SIZE for page in pages)
    assert stored_ids(sessions, athlete_id) == _ids(pages)  # two whole pages, nothing of the third
    with sessions.begin() as s:
        state = AthleteRepository(s).sync_state(athlete_id)
        assert not state.backfill_done and state.last_error.startswith(type(failure.value).__name__)
        # The cursor is one second past the oldest start of the last stored page.
        assert state.backfill_before_utc == min(_start(raw) for raw in pages[1]) + timedelta(seconds=1)

    sync_athlete(sessions, source, box, athlete_id, clock.now(), POLICY)
    assert assert_store_mirrors_fake(sessions, fake, strava_id, athlete_id) > 5 * PAGE_SIZE


@pytest.mark.parametrize("kind", FAULTS)
def test_a_fault_on_the_second_page_of_a_nightly_sync_keeps_the_cursor_and_the_next_run_finishes_it(
    kind, sqlite_sessions, box, fake, source, clock
):
    strava_id = fake.athlete_ids[1]
    athlete_id = connect(sqlite_sessions, source, box, strava_id)
    sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    with sqlite_sessions.begin() as s:
        cursor = AthleteRepository(s).sync_state(athlete_id).newest_start_utc
    before = stored_ids(sqlite_sessions, athlete_id)
    fake.advance_days(21)  # three weeks away from the app: more than one page of news
    clock.advance(21 * 86400)  # and three weeks pass (a cursor never passes the run's now)
    new_ids = {record.id for record in fake.activities(strava_id)} - before
    assert len(new_ids) > PAGE_SIZE
    pages = on_call(source, "list_activities", 2, lambda: fake.inject_fault(LIST_PATH, kind=kind))

    with pytest.raises(FAULTS[kind]):
        sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    stored_before_failure = _ids(pages)

    assert len(pages) == 1 and stored_ids(sqlite_sessions, athlete_id) == before | stored_before_failure
    with sqlite_sessions.begin() as s:
        # Not advanced: the next run asks again from the same instant and loses nothing older.
        assert AthleteRepository(s).sync_state(athlete_id).newest_start_utc == cursor

    again = sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    assert again.new_activities == len(new_ids) - len(stored_before_failure)
    assert_store_mirrors_fake(sqlite_sessions, fake, strava_id, athlete_id)


def test_strava_s_own_429_in_the_middle_of_the_back_fill_stops_the_run_and_the_next_window_finishes_it(
    sqlite_sessions, box, fake, source, clock
):
    strava_id, other_strava_id = fake.athlete_ids
    athlete_id = connect(sqlite_sessions, source, box, strava_id)
    other = make_source(fake, margin=0.0)  # another worker, whose requests our budget has not seen
    other_token = fake.issue_tokens(other_strava_id)["access_token"]
    fake.set_rate_limits(read_15min=12)  # 90 % of it is ours to spend: 10
    on_call(source, "list_activities", 4,
            lambda: [other.list_activities(other_token, per_page=1) for _ in range(9)])

    with pytest.raises(RateLimited) as failure:
        sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    assert fake.stats.rate_limited == 1 and "429" in str(failure.value)
    partial = stored_ids(sqlite_sessions, athlete_id)
    assert 0 < len(partial) < len(fake.activities(strava_id))

    for _window in range(6):  # each next run: a new quarter-hour and its own budget
        clock.advance(15 * 60)
        try:
            sync_athlete(sqlite_sessions, make_source(fake), box, athlete_id, clock.now(), POLICY)
            break
        except BudgetExhausted:
            continue
    assert fake.stats.rate_limited == 1  # our budget saw Strava's count and stopped in time since
    assert_store_mirrors_fake(sqlite_sessions, fake, strava_id, athlete_id)


@pytest.mark.parametrize("kind", ["500", "timeout", "reset"])
def test_a_token_refresh_that_never_reached_strava_keeps_the_stored_tokens_and_the_next_run_refreshes(
    kind, sqlite_sessions, box, fake, source, clock
):
    strava_id = fake.athlete_ids[0]
    athlete_id = connect(sqlite_sessions, source, box, strava_id)
    with sqlite_sessions.begin() as s:
        before = TokenRepository(s, box).load(athlete_id)
    clock.advance(before.expires_at - clock() + 60)  # expired
    fake.inject_fault(r"/oauth/token", kind=kind)

    with pytest.raises(StravaUnavailable):
        sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    with sqlite_sessions.begin() as s:
        assert TokenRepository(s, box).load(athlete_id).version == before.version
    assert stored_ids(sqlite_sessions, athlete_id) == set()

    sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    with sqlite_sessions.begin() as s:
        assert TokenRepository(s, box).load(athlete_id).version == before.version + 1
    assert_store_mirrors_fake(sqlite_sessions, fake, strava_id, athlete_id)


def test_a_refresh_answer_lost_after_strava_rotated_the_token_disconnects_the_runner_instead_of_failing_every_night(
    sqlite_sessions, box, fake, source, clock
):
    """Strava rotates the refresh token before answering; if the answer is lost the old token is
    dead and only the runner can fix it. The runner must be told (disconnected, with a reason),
    not retried silently every night; reconnecting resumes the sync where it stopped."""
    strava_id = fake.athlete_ids[0]
    athlete_id = connect(sqlite_sessions, source, box, strava_id)
    with sqlite_sessions.begin() as s:
        expires_at = TokenRepository(s, box).load(athlete_id).expires_at
    clock.advance(expires_at - clock() + 60)
    fake.inject_fault(r"/oauth/token", kind="truncated")
    with pytest.raises(StravaUnavailable):
        sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)

    with pytest.raises(AuthRevoked):
        sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    with sqlite_sessions.begin() as s:
        athlete = AthleteRepository(s).get(athlete_id)
        assert not athlete.connected and "refresh token" in athlete.disconnected_reason

    assert connect(sqlite_sessions, source, box, strava_id) == athlete_id
    sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    assert_store_mirrors_fake(sqlite_sessions, fake, strava_id, athlete_id)


@pytest.mark.parametrize("kind", ["500", "reset", "truncated"])
def test_a_gear_fetch_that_fails_after_the_activities_are_stored_is_fetched_by_the_next_run(
    kind, sqlite_sessions, box, fake, source, clock
):
    strava_id = fake.athlete_ids[1]
    athlete_id = connect(sqlite_sessions, source, box, strava_id)
    fake.inject_fault(r"/api/v3/gear/", kind=kind)
    with pytest.raises(StravaError):
        sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    assert len(stored_ids(sqlite_sessions, athlete_id)) == len(fake.activities(strava_id))

    sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    assert_store_mirrors_fake(sqlite_sessions, fake, strava_id, athlete_id)


def test_twenty_random_faults_across_nights_and_runners_lose_and_double_nothing(
    sqlite_sessions, box, fake, source, clock
):
    """Seeded chaos: before each night one fault of a random kind waits for the next list or gear
    call, at a random point of the night; nights repeat until every runner is complete."""
    rng = random.Random(20261125)
    athletes = {strava_id: connect(sqlite_sessions, source, box, strava_id) for strava_id in fake.athlete_ids}
    injected = failed_runs = 0
    for night in range(20):
        fake.clear_faults()
        kind = rng.choice(list(FAULTS))
        on_call(source, "list_activities", rng.randint(1, 3),
                lambda kind=kind: fake.inject_fault(r"/api/v3/(athlete/activities|gear/)", kind=kind))
        injected += 1
        if night % 7 == 6:
            fake.advance_days(3)
            clock.advance(3 * 86400)
        for athlete_id in athletes.values():
            try:
                sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
            except StravaError as error:
                assert error.retryable, error
                failed_runs += 1
    fake.clear_faults()
    for athlete_id in athletes.values():
        sync_athlete(sqlite_sessions, source, box, athlete_id, clock.now(), POLICY)
    survived = fake.stats.faults_injected
    assert injected == 20 and 16 <= survived <= 20 and failed_runs >= 12
    for strava_id, athlete_id in athletes.items():
        assert_store_mirrors_fake(sqlite_sessions, fake, strava_id, athlete_id)
