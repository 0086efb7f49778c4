"""Queueing weekly summaries: what is read, for whom, and that a rerun does nothing."""

from __future__ import annotations

import gc
import random
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from coaching.crypto import generate_key
from coaching.domain.model import Activity
from coaching.domain.evaluate import evaluate
from coaching.domain.summary import weekly_summary
from coaching.messages.render import render_weekly_summary
from coaching.messages.views import weekly_summary_view
from coaching.runtime import Runtime
from coaching.services.gc_pause import paused_gc
from coaching.services.notify import recipient_for
from coaching.services.weekly import SUMMARY_HISTORY_DAYS, queue_weekly_summaries, week_just_ended
from coaching.settings import Settings
from coaching.store.activities import ActivityRepository
from coaching.store.athletes import AthleteRepository
from coaching.store.models import Athlete, OutboxMessage

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)  # a Monday morning
WEEK = week_just_ended(NOW, "UTC")  # Monday 16 November
FIRST_BAR = WEEK - timedelta(weeks=11)


@pytest.fixture
def runtime(engine):
    rt = Runtime(Settings(database_url="sqlite://", token_key=generate_key(), link_secret="weekly-links"))
    rt.__dict__["engine"] = engine  # the fixture's database (a fresh PostgreSQL schema or SQLite file)
    yield rt


def _run(activity_id: int, start_local: datetime, km: float, *, sport: str = "Run", cadence: float | None = 84.0,
         heartrate: float | None = None) -> Activity:
    return Activity(id=activity_id, sport_type=sport, start_local=start_local,
                    start_utc=start_local.replace(tzinfo=timezone.utc), distance_m=km * 1000,
                    moving_s=int(km * 330), elevation_gain_m=km * 4, average_cadence_raw=cadence,
                    average_heartrate_bpm=heartrate)


def _athlete(runtime: Runtime, strava_id: int, activities: list[Activity]) -> int:
    with runtime.sessions.begin() as db:
        athlete = AthleteRepository(db).upsert_from_strava(strava_id, first_name=f"R{strava_id}", last_name="",
                                                           timezone="UTC", units="metric")
        athlete.email = f"r{strava_id}@example.org"
        for item in activities:
            ActivityRepository(db).upsert(athlete.id, item, private=False, raw={})
        return athlete.id


def _year_of_training(seed: int) -> list[Activity]:
    """Forty weeks of runs, rides and strength, with two watch-and-phone doubles at the edge of
    what a summary reads: one just before its first bar, one just before the day it reads from."""
    rng = random.Random(seed)
    items = []
    for back in range(280):
        day = WEEK + timedelta(days=6 - back)
        if day.weekday() in (0, 2, 4, 6):
            items.append(_run(10_000 * seed + back, datetime.combine(day, time(7)), rng.uniform(4, 18)))
        elif day.weekday() == 3:
            items.append(_run(10_000 * seed + back, datetime.combine(day, time(18)), rng.uniform(20, 40),
                              sport="Ride", cadence=None))
    edge = datetime.combine(FIRST_BAR, time(0, 0, 20))
    items.append(_run(10_000 * seed + 500, edge - timedelta(seconds=40), 10.0, heartrate=150.0))  # the richer one
    items.append(_run(10_000 * seed + 501, edge, 10.1))
    read_from = datetime.combine(WEEK - timedelta(days=SUMMARY_HISTORY_DAYS), time(0, 0, 10))
    items.append(_run(10_000 * seed + 502, read_from - timedelta(seconds=30), 12.0, heartrate=150.0))
    items.append(_run(10_000 * seed + 503, read_from, 12.2))
    return items


def test_a_queued_summary_shows_exactly_what_the_whole_history_shows(runtime: Runtime) -> None:
    ids = [_athlete(runtime, 100 + seed, _year_of_training(seed)) for seed in (1, 2, 3)]
    assert queue_weekly_summaries(runtime, NOW) == 3
    with runtime.sessions.begin() as db:
        queued = {row.recipient_id: row for row in db.scalars(select(OutboxMessage))}
        for athlete_id in ids:
            everything = ActivityRepository(db).for_athlete(athlete_id)  # 40 weeks, no window
            summary = weekly_summary(everything, WEEK)
            sunday = evaluate(everything, WEEK + timedelta(days=6))
            assert sunday.plan is not None and sunday.plan_check is not None
            expected = render_weekly_summary(weekly_summary_view(
                recipient_for(runtime, db.get(Athlete, athlete_id), NOW), summary, [], None,
                now_utc=NOW, plan=sunday.plan, plan_check=sunday.plan_check))
            row = queued[athlete_id]
            assert (row.subject, row.body_text, row.body_html) == (expected.subject, expected.text, expected.html)
            assert summary.weekly_run_km[0] > 0  # the first bar has runs in it, the double merged once


def test_only_the_chosen_athletes_who_want_summaries_are_queued_and_a_rerun_queues_nothing(runtime: Runtime) -> None:
    ann, ben, cleo = (_athlete(runtime, 200 + i, [_run(900 + i, datetime.combine(WEEK, time(7)), 8.0)]) for i in range(3))
    with runtime.sessions.begin() as db:
        db.get(Athlete, cleo).summaries_enabled = False
    assert queue_weekly_summaries(runtime, NOW, athlete_ids=[ben, cleo]) == 1
    assert queue_weekly_summaries(runtime, NOW, batch_size=1) == 1  # Ann: Ben's is already queued
    assert queue_weekly_summaries(runtime, NOW, batch_size=1) == 0
    with runtime.sessions.begin() as db:
        assert sorted(db.scalars(select(OutboxMessage.recipient_id))) == [ann, ben]


def test_the_collector_is_back_on_after_a_batch_even_one_that_failed() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with paused_gc():
            assert not gc.isenabled()
            raise RuntimeError("a batch failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # whoever turned it off keeps it off
    finally:
        gc.enable()
