"""The synthetic athletes: deterministic, realistic, and each persona shows its story."""

from __future__ import annotations

import re
from datetime import date, timedelta
from statistics import median

import pytest

from coaching.fake_strava import FakeStrava, PERSONAS

import persona_measures as m

END = date(2026, 11, 24)


@pytest.fixture(scope="module")
def cast() -> FakeStrava:
    """Every persona twice (two seeds' worth of variety), not started: no HTTP needed here."""
    fake = FakeStrava()
    fake.seed(count=2 * len(PERSONAS), personas=list(PERSONAS), end_date=END, seed=11)
    return fake


def _of(fake: FakeStrava, persona: str) -> list[int]:
    return [a for a in fake.athlete_ids if fake.athlete(a).persona == persona]


def test_the_same_seed_gives_the_same_athletes_and_activities() -> None:
    one, two = FakeStrava(), FakeStrava()
    ids_one = one.seed(count=3, end_date=END, seed=5)
    ids_two = two.seed(count=3, end_date=END, seed=5)
    assert ids_one == ids_two
    for athlete_id in ids_one:
        assert one.activities(athlete_id) == two.activities(athlete_id)
    assert FakeStrava().seed(count=3, end_date=END, seed=6) != ids_one


def test_history_spans_the_requested_days_and_ends_on_the_end_date(cast: FakeStrava) -> None:
    for athlete_id in cast.athlete_ids:
        days = {a.start_local.date() for a in cast.activities(athlete_id)}
        assert END - timedelta(days=3) <= max(days) <= END  # a random runner may skip a day
        assert END - timedelta(days=181) <= min(days) <= END - timedelta(days=170)


def test_activity_ids_are_bigints_unique_across_athletes_and_grow_with_time(cast: FakeStrava) -> None:
    activities = [a for athlete_id in cast.athlete_ids for a in cast.activities(athlete_id)]
    ids = [a.id for a in activities]
    assert len(set(ids)) == len(ids) and min(ids) > 2**32
    by_start = sorted(activities, key=lambda a: a.start_utc)
    assert by_start[0].id < by_start[-1].id


def test_times_are_written_like_strava_with_local_wall_time_and_offset(cast: FakeStrava) -> None:
    for athlete_id in cast.athlete_ids[:4]:
        for activity in cast.activities(athlete_id)[::25]:
            doc = cast.activity_json(activity.id)
            assert re.fullmatch(r"\(GMT[+-]\d\d:\d\d\) [A-Za-z_]+/[A-Za-z_]+", doc["timezone"])
            assert doc["start_date"].endswith("Z") and doc["start_date_local"].endswith("Z")
            utc = activity.start_utc.replace(tzinfo=None)
            assert activity.start_local - utc == timedelta(seconds=doc["utc_offset"])


def test_run_cadence_is_per_leg_like_strava(cast: FakeStrava) -> None:
    for athlete_id in _of(cast, "steady"):
        cadences = [a.cadence_raw for a in m.runs(cast.activities(athlete_id))]
        assert all(c is not None and 75 < c < 95 for c in cadences)  # 150-190 steps/min


def test_every_athlete_mixes_runs_cross_training_strength_and_rest(cast: FakeStrava) -> None:
    for athlete_id in _of(cast, "steady"):
        sports = {a.sport_type for a in cast.activities(athlete_id)}
        assert {"Run", "WeightTraining"} <= sports and sports & {"Ride", "VirtualRide"}
        assert all(rest >= 2 for rest in m.rest_days_per_week(cast.activities(athlete_id), END, 8))


def test_steady_runners_would_raise_no_load_alarm(cast: FakeStrava) -> None:
    for athlete_id in _of(cast, "steady"):
        acts = cast.activities(athlete_id)
        w0, w1, w2 = (m.weekly_km(acts, END, k) for k in range(3))
        assert w0 <= 1.10 * w1 and w0 <= 1.30 * w2  # weekly-ramp quiet
        for run in m.runs(acts):
            if (END - m.day_of(run)).days <= 30 and run.distance_m >= 3000:
                assert run.distance_m / 1000 <= 1.10 * m.longest_before_km(acts, run)  # long-run-spike quiet
        assert m.monotony(acts, END) < 1.5
        assert m.strength_per_week(acts, END) >= 2
        assert all(d < 600_000 for g, d in cast.gear(athlete_id) if g.is_shoe)


def test_long_run_spike_ends_with_a_run_over_twice_the_monthly_longest(cast: FakeStrava) -> None:
    for athlete_id in _of(cast, "long_run_spike"):
        acts = cast.activities(athlete_id)
        spike = max((r for r in m.runs(acts) if (END - m.day_of(r)).days <= 6), key=lambda r: r.distance_m)
        assert spike.distance_m / 1000 > 2 * m.longest_before_km(acts, spike)


def test_ramp_adds_over_30_percent_in_two_weeks_on_a_real_base(cast: FakeStrava) -> None:
    for athlete_id in _of(cast, "ramp"):
        acts = cast.activities(athlete_id)
        w0, w2 = m.weekly_km(acts, END, 0), m.weekly_km(acts, END, 2)
        assert w2 > 10 and w0 > 1.30 * w2


def test_no_rest_runs_every_day_for_at_least_ten_days(cast: FakeStrava) -> None:
    for athlete_id in _of(cast, "no_rest"):
        assert m.run_streak_days(cast.activities(athlete_id), END) >= 10


def test_low_cadence_shows_two_of_the_last_three_runs_five_percent_under_baseline(cast: FakeStrava) -> None:
    for athlete_id in _of(cast, "low_cadence"):
        acts = cast.activities(athlete_id)
        drops = [m.cadence_drop_pct(acts, r) for r in m.qualifying_for_cadence(acts)[-3:]]
        assert sum(d >= 5.0 for d in drops) >= 2


def test_worn_shoes_has_a_shoe_in_use_past_800_km(cast: FakeStrava) -> None:
    for athlete_id in _of(cast, "worn_shoes"):
        recent_shoes = {r.gear_id for r in m.runs(cast.activities(athlete_id)) if (END - m.day_of(r)).days < 30}
        worn = [g for g, d in cast.gear(athlete_id) if g.id in recent_shoes and d > 800_000 and not g.retired]
        assert worn


def test_advance_days_continues_every_routine_after_the_end_date() -> None:
    fake = FakeStrava()
    ids = fake.seed(count=3, end_date=END, personas=["steady"], seed=3)
    before = {a: len(fake.activities(a)) for a in ids}
    new_ids = fake.advance_days(7)
    assert len(new_ids) == sum(len(fake.activities(a)) - before[a] for a in ids)
    for athlete_id in ids:
        new = [a for a in fake.activities(athlete_id) if a.id in set(new_ids)]
        days = {a.start_local.date() for a in new}
        assert min(days) > END and max(days) <= END + timedelta(days=7)
        assert len(m.runs(new)) == 4  # the steady four runs a week
    assert min(new_ids) > max(a.id for aid in ids for a in fake.activities(aid) if a.id not in set(new_ids))


def test_add_activity_keeps_speed_consistent_with_the_overrides() -> None:
    fake = FakeStrava()
    (athlete_id,) = fake.seed(count=1, end_date=END, seed=3)
    activity_id = fake.add_activity(athlete_id, sport_type="TrailRun", distance_m=12_000.0, moving_s=4_800)
    record = next(a for a in fake.activities(athlete_id) if a.id == activity_id)
    assert record.average_speed_mps == pytest.approx(2.5)
    assert record.name.endswith("Trail Run") and record.gear_id and record.elapsed_s >= record.moving_s
    with pytest.raises(TypeError):
        fake.add_activity(athlete_id, distance=5.0)


def test_unknown_personas_are_refused() -> None:
    with pytest.raises(ValueError, match="persona"):
        FakeStrava().seed(count=1, end_date=END, personas=["lazy"])


def test_median_weekly_volume_is_that_of_a_recreational_runner(cast: FakeStrava) -> None:
    weekly = [m.weekly_km(cast.activities(a), END, k) for a in _of(cast, "steady") for k in range(20)]
    assert 15 < median(weekly) < 60
