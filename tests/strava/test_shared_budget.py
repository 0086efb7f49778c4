"""One Strava budget per application, shared by every worker through the database."""

from __future__ import annotations


import pytest

from coaching.runtime import Runtime
from coaching.services.batch import sync_many
from coaching.services.budget import SharedRequestBudget
from coaching.settings import Settings
from coaching.store.athletes import AthleteRepository
from coaching.store.db import upgrade
from coaching.store.tokens import TokenRepository
from coaching.strava.client import StravalibSource
from coaching.strava.errors import BudgetExhausted
from tests.strava.conftest import CLIENT_ID, CLIENT_SECRET


def _source(fake, sessions, clock) -> StravalibSource:
    budget = SharedRequestBudget(sessions, CLIENT_ID, margin=0.1, now=clock.now)
    return StravalibSource(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=fake.base_url, budget=budget)


def test_two_workers_together_stay_under_the_application_limit(sessions, fake, clock):
    fake.set_rate_limits(read_15min=20)
    workers = [_source(fake, sessions, clock), _source(fake, sessions, clock)]
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    made = 0
    for turn in range(40):
        try:
            workers[turn % 2].get_athlete(token)
            made += 1
        except BudgetExhausted:
            pass
    # The first response teaches the real limit (20); 10 % stays in reserve: 18 in all, none refused.
    assert made == 18
    assert fake.stats.rate_limited == 0
    assert workers[0].budget.remaining() == (0, 882)

    clock.advance(15 * 60)  # the next quarter-hour window
    workers[1].get_athlete(token)
    assert workers[0].budget.remaining()[0] == 17


@pytest.mark.slow
def test_a_night_of_500_athletes_on_a_small_budget_never_meets_a_429_and_the_next_run_finishes(
    tmp_path, fake, clock, box
):
    from coaching.crypto import generate_key

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'night.db'}", strava_api_url=fake.base_url,
                        strava_client_id=CLIENT_ID, strava_client_secret=CLIENT_SECRET, token_key=generate_key())
    runtime = Runtime(settings, clock=clock.now)
    upgrade(runtime.engine)
    strava_ids = fake.seed(count=498, seed=11, days=3)
    strava_ids = fake.athlete_ids  # the two from the fixture and the new ones: 500
    assert len(strava_ids) == 500
    with runtime.sessions.begin() as s:
        athletes = AthleteRepository(s)
        for strava_id in strava_ids:
            athlete = athletes.upsert_from_strava(strava_id, first_name="R", last_name="", timezone=None, units=None)
            grant = fake.issue_tokens(strava_id)
            TokenRepository(s, runtime.box).save(athlete.id, access_token=grant["access_token"],
                                                  refresh_token=grant["refresh_token"],
                                                  expires_at=grant["expires_at"], scopes="read,activity:read_all")
            state = athletes.sync_state(athlete.id)
            state.backfill_done, state.newest_start_utc = True, clock.now()  # a quiet night: 1 request each
    fake.set_rate_limits(read_15min=400, read_daily=1000, overall_15min=800, overall_daily=2000)

    def night() -> object:
        with runtime.sessions.begin() as s:
            ids = [a.id for a in AthleteRepository(s).due_for_sync()]
        return sync_many(runtime, ids, clock.now())

    first = night()
    assert first.budget_exhausted and first.synced == 360 and first.skipped == 140
    clock.advance(15 * 60)
    second = night()
    # The athletes the first run did not reach go first; all 140 fit in the new window.
    assert second.synced >= 140
    with runtime.sessions.begin() as s:
        states = [AthleteRepository(s).sync_state(a.id) for a in AthleteRepository(s).all()]
        assert all(st.last_success_at is not None for st in states)
    assert fake.stats.rate_limited == 0
    runtime.close()
