"""The Strava adapter and the sync service against the fake Strava, through stravalib over HTTP."""

from __future__ import annotations

import pytest

from coaching.services.connect import ScopeMissing, connect_athlete
from coaching.services.sync import SyncPolicy, sync_athlete
from coaching.services.tokens import REFRESH_MARGIN_S, fresh_access_token
from coaching.store.activities import ActivityRepository, GearRepository
from coaching.store.athletes import AthleteRepository
from coaching.store.models import StravaToken
from coaching.store.tokens import TokenRepository
from coaching.strava.errors import AuthRevoked, BadRequest, BudgetExhausted, StravaUnavailable
from tests.strava.conftest import authorize, connect

SMALL_PAGES = SyncPolicy(page_size=50)


def test_connecting_stores_the_athlete_and_encrypted_tokens(sessions, source, box, fake):
    strava_id = fake.athlete_ids[0]
    athlete_id = connect(sessions, source, box, strava_id)
    with sessions.begin() as s:
        athlete = AthleteRepository(s).get(athlete_id)
        assert athlete.strava_id == strava_id and athlete.first_name
        row = s.get(StravaToken, athlete_id)
        tokens = TokenRepository(s, box).load(athlete_id)
        assert tokens.access_token not in row.access_token_encrypted
        assert "activity:read_all" in tokens.scopes


def test_a_runner_who_unticked_activity_access_is_refused_before_any_token_is_stored(sessions, source, box, fake):
    fake.grant_scopes_next(["read"])
    code, scope = authorize(source, fake.athlete_ids[0])
    assert scope == "read"
    with pytest.raises(ScopeMissing), sessions.begin() as s:
        connect_athlete(s, source, box, code=code, granted_scope=scope)
    with sessions.begin() as s:
        assert AthleteRepository(s).all() == []


def test_back_fill_pages_through_the_history_and_a_quiet_night_costs_one_request(sessions, source, box, fake, clock):
    strava_id = fake.athlete_ids[0]
    athlete_id = connect(sessions, source, box, strava_id)
    first = sync_athlete(sessions, source, box, athlete_id, clock.now(), SMALL_PAGES)
    expected = len(fake.activities(strava_id))
    assert expected > 150  # several pages of 50
    assert first.new_activities == expected and first.backfill_done
    with sessions.begin() as s:
        assert ActivityRepository(s).count(athlete_id) == expected
        shoes = [g for g in GearRepository(s).for_athlete(athlete_id) if g.is_shoe]
        assert shoes and all(g.distance_m > 0 for g in shoes)

    quiet = sync_athlete(sessions, source, box, athlete_id, clock.now(), SMALL_PAGES)
    assert (quiet.new_activities, quiet.requests) == (0, 1)

    fake.add_activity(strava_id)
    fake.add_activity(strava_id, sport_type="Ride")
    later = sync_athlete(sessions, source, box, athlete_id, clock.now(), SMALL_PAGES)
    assert later.new_activities == 2
    with sessions.begin() as s:
        assert ActivityRepository(s).count(athlete_id) == expected + 2


def test_a_back_fill_that_fails_half_way_resumes_where_it_stopped_without_duplicates(sessions, source, box, fake, clock):
    strava_id = fake.athlete_ids[1]
    athlete_id = connect(sessions, source, box, strava_id)
    # Two pages succeed, then Strava answers 500 on the third list call.
    calls = {"n": 0}
    original = source.list_activities

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            fake.inject_fault(r"/athlete/activities", kind="500", count=1)
        return original(*args, **kwargs)

    source.list_activities = flaky  # type: ignore[method-assign]
    with pytest.raises(StravaUnavailable):
        sync_athlete(sessions, source, box, athlete_id, clock.now(), SMALL_PAGES)
    with sessions.begin() as s:
        stored_after_failure = ActivityRepository(s).count(athlete_id)
        state = AthleteRepository(s).sync_state(athlete_id)
        assert not state.backfill_done and state.backfill_before_utc is not None
        assert "StravaUnavailable" in state.last_error
    # Two pages of 50 were committed; they share one activity because the cursor sits one second
    # past the oldest start (two activities may share a second).
    assert stored_after_failure == 99

    resumed = sync_athlete(sessions, source, box, athlete_id, clock.now(), SMALL_PAGES)
    total = len(fake.activities(strava_id))
    assert resumed.backfill_done
    with sessions.begin() as s:
        assert ActivityRepository(s).count(athlete_id) == total


def test_an_expiring_token_is_refreshed_early_and_the_rotated_refresh_token_is_stored(sessions, source, box, fake, clock):
    athlete_id = connect(sessions, source, box, fake.athlete_ids[0])
    with sessions.begin() as s:
        before = TokenRepository(s, box).load(athlete_id)
    clock.advance(before.expires_at - clock() - REFRESH_MARGIN_S + 10)  # inside the margin
    token = fresh_access_token(sessions, source, box, athlete_id, clock())
    with sessions.begin() as s:
        after = TokenRepository(s, box).load(athlete_id)
    assert token == after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token and after.version == before.version + 1
    # Strava kills the old refresh token at once: it must never be used again.
    with pytest.raises(BadRequest):
        source.refresh(before.refresh_token)


def test_two_workers_refreshing_at_once_keep_the_newest_refresh_token(sessions, source, box, fake, clock):
    athlete_id = connect(sessions, source, box, fake.athlete_ids[0])
    with sessions.begin() as s:
        before = TokenRepository(s, box).load(athlete_id)
    clock.advance(before.expires_at - clock() + 60)  # expired
    first = fresh_access_token(sessions, source, box, athlete_id, clock())
    # The second worker read the old row before the first one wrote: its refresh is refused by
    # Strava (rotated away), and it must fall back to the stored newest token, not fail or overwrite.
    import coaching.services.tokens as tokens_module

    original_load = TokenRepository.load
    stale = before

    def load_stale_once(self, athlete):
        nonlocal stale
        if stale is not None:
            value, stale = stale, None
            return value
        return original_load(self, athlete)

    TokenRepository.load = load_stale_once  # type: ignore[method-assign]
    try:
        second = tokens_module.fresh_access_token(sessions, source, box, athlete_id, clock())
    finally:
        TokenRepository.load = original_load  # type: ignore[method-assign]
    with sessions.begin() as s:
        stored = TokenRepository(s, box).load(athlete_id)
    assert second == first == stored.access_token
    assert stored.version == before.version + 1
    # The stored refresh token is the live one.
    assert source.refresh(stored.refresh_token).access_token


def test_a_revoked_athlete_is_marked_disconnected(sessions, source, box, fake, clock):
    strava_id = fake.athlete_ids[0]
    athlete_id = connect(sessions, source, box, strava_id)
    fake.revoke_athlete(strava_id)
    with pytest.raises(AuthRevoked):
        sync_athlete(sessions, source, box, athlete_id, clock.now(), SMALL_PAGES)
    with sessions.begin() as s:
        athlete = AthleteRepository(s).get(athlete_id)
        assert not athlete.connected and "401" in athlete.disconnected_reason
        assert AthleteRepository(s).connected() == []


def test_the_budget_stops_the_sync_before_strava_says_429_and_the_next_run_carries_on(sessions, source, box, fake, clock):
    strava_id = fake.athlete_ids[0]
    athlete_id = connect(sessions, source, box, strava_id)
    fake.set_rate_limits(read_15min=4)  # 90 % of 4 leaves 3 requests
    with pytest.raises(BudgetExhausted):
        sync_athlete(sessions, source, box, athlete_id, clock.now(), SMALL_PAGES)
    assert fake.stats.rate_limited == 0
    with sessions.begin() as s:
        partial = ActivityRepository(s).count(athlete_id)
    assert 0 < partial < len(fake.activities(strava_id))
    clock.advance(15 * 60)  # the next window
    source.budget = type(source.budget)(margin=0.1)
    fake.set_rate_limits(read_15min=100)
    sync_athlete(sessions, source, box, athlete_id, clock.now(), SMALL_PAGES)
    with sessions.begin() as s:
        assert ActivityRepository(s).count(athlete_id) == len(fake.activities(strava_id))
