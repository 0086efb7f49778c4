"""Named training stories for the demo: habits (traits) plus what the last weeks look like.

Every persona but `random` starts from the same clean routine as `steady` (four runs a week, three
days without running, strength twice a week, cross-training on run days, rotated shoes) so that
its story is the only thing a rule can find.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from coaching.fake_strava.plan import PlannedSession, block_of, block_target_km, scale_runs_to
from coaching.fake_strava.records import Traits

PERSONAS = ("steady", "long_run_spike", "ramp", "no_rest", "low_cadence", "worn_shoes", "random")

_WEEKLY_KM_END = {
    "steady": (30.0, 42.0),
    "long_run_spike": (25.0, 28.0),
    "ramp": (28.0, 34.0),
    "no_rest": (30.0, 40.0),
    "low_cadence": (30.0, 40.0),
    "worn_shoes": (32.0, 42.0),
}


def make_traits(persona: str, rng: random.Random) -> Traits:
    if persona not in PERSONAS:
        raise ValueError(f"unknown persona {persona!r}; choose from {', '.join(PERSONAS)}")
    if persona == "random":
        return _random_traits(rng)
    long_on_sunday = rng.random() < 0.6
    # Monday, Wednesday and Friday stay free of running and of cross-training: with the load on
    # four days, Foster's monotony stays well under 1.5.
    cross_day, swim_day, trail_day = (1, 5, 5) if long_on_sunday else (3, 6, 6)
    low, high = _WEEKLY_KM_END[persona]
    cadence = rng.uniform(82.5, 83.5) if persona == "low_cadence" else rng.uniform(83.5, 87.5)
    return Traits(
        weekly_km_end=rng.uniform(low, high),
        growth_per_week=rng.uniform(0.008, 0.02),
        run_weekdays=(1, 3, 5, 6),
        long_weekday=6 if long_on_sunday else 5,
        workout_weekday=3 if long_on_sunday else 1,
        strength_weekdays=(0, 4),
        ride_weekday=cross_day,
        swim_weekday=swim_day if rng.random() < 0.5 else None,
        yoga_prob=0.3,
        walk_prob=0.12,
        trail_weekday=trail_day if rng.random() < 0.6 else None,
        trail_prob=0.0,
        treadmill_prob=0.05,
        skip_prob=0.0,
        easy_speed_mps=rng.uniform(2.65, 3.25),
        cadence_strides_per_min=cadence,
        hr_max_bpm=float(rng.randint(178, 196)),
        run_noise=0.06,
        hilliness_m_per_km=rng.uniform(5.0, 12.0),
        morning_hour=rng.choice((6, 7)),
        evening_workouts=rng.random() < 0.5,
        shoe_retire_km=rng.uniform(480.0, 560.0),
        followers_only_prob=rng.choice((0.0, 0.0, 0.15)),
    )


def _random_traits(rng: random.Random) -> Traits:
    run_days = sorted(rng.sample(range(7), rng.randint(3, 6)))
    long_day = 6 if 6 in run_days else run_days[-1]
    others = [d for d in run_days if d != long_day]
    free = [d for d in range(7) if d not in run_days] or [2]
    return Traits(
        weekly_km_end=rng.uniform(15.0, 65.0),
        growth_per_week=rng.uniform(-0.01, 0.04),
        run_weekdays=tuple(run_days),
        long_weekday=long_day,
        workout_weekday=rng.choice(others) if others and rng.random() < 0.7 else None,
        strength_weekdays=tuple(sorted(rng.sample(range(7), rng.randint(0, 3)))),
        ride_weekday=rng.choice(range(7)) if rng.random() < 0.6 else None,
        swim_weekday=rng.choice(free) if rng.random() < 0.3 else None,
        yoga_prob=rng.uniform(0.0, 0.4),
        walk_prob=rng.uniform(0.0, 0.3),
        trail_weekday=None,
        trail_prob=rng.uniform(0.0, 0.35),
        treadmill_prob=rng.uniform(0.0, 0.15),
        skip_prob=rng.uniform(0.03, 0.15),
        easy_speed_mps=rng.uniform(2.4, 3.6),
        cadence_strides_per_min=rng.uniform(78.0, 90.0),
        hr_max_bpm=float(rng.randint(170, 200)),
        run_noise=rng.uniform(0.05, 0.25),
        hilliness_m_per_km=rng.uniform(3.0, 25.0),
        morning_hour=rng.choice((5, 6, 7, 12, 17, 18)),
        evening_workouts=rng.random() < 0.5,
        shoe_retire_km=rng.uniform(550.0, 950.0),
        followers_only_prob=rng.uniform(0.0, 0.3),
    )


def apply_story(
    persona: str, sessions: list[PlannedSession], anchor: date, traits: Traits, rng: random.Random
) -> list[PlannedSession]:
    """Rewrite the last weeks of a plan (anchor = the history's end date) to tell the persona's story."""
    story = _STORIES.get(persona)
    return story(sessions, anchor, traits, rng) if story else sessions


def _runs_in_block(sessions: list[PlannedSession], anchor: date, block: int) -> list[PlannedSession]:
    return [s for s in sessions if s.is_run and block_of(s.day, anchor) == block]


def _long_run_spike(
    sessions: list[PlannedSession], anchor: date, traits: Traits, rng: random.Random
) -> list[PlannedSession]:
    week = _runs_in_block(sessions, anchor, 0)
    spike = next((s for s in week if s.kind == "long"), max(week, key=lambda s: s.day))
    window = [s.distance_km for s in sessions if s.is_run and 1 <= (spike.day - s.day).days <= 30]
    longest_30d_km = max(window, default=10.0)
    # RULES.md long-run-spike: warning above +100 % of the longest run of the previous 30 days.
    spike.distance_km = max(21.1, round(2.2 * longest_30d_km + 0.3, 1))
    spike.kind, spike.workout_type = "race", 1
    spike.name = "Half Marathon" if spike.distance_km <= 21.2 else "Long Run"
    for s in week:  # a taper week: no workout around the race
        if s.kind == "workout":
            s.kind, s.workout_type = "easy", None
    previous_week_km = sum(s.distance_km for s in _runs_in_block(sessions, anchor, 1))
    scale_runs_to(week, 1.05 * previous_week_km)
    return sessions


def _ramp(
    sessions: list[PlannedSession], anchor: date, traits: Traits, rng: random.Random
) -> list[PlannedSession]:
    base_km = sum(s.distance_km for s in _runs_in_block(sessions, anchor, 2))
    long_km = next((s.distance_km for s in _runs_in_block(sessions, anchor, 2) if s.kind == "long"), 0.0)
    run_days = {s.day for s in sessions if s.is_run}
    free_days = [anchor - timedelta(days=back) for back in range(7)]
    extra_day = next((d for d in free_days if d not in run_days and d.weekday() != 0), None)
    if extra_day is not None:  # the runner adds a fifth run to the week
        sessions.append(PlannedSession(extra_day, "easy", distance_km=6.0))
    # RULES.md weekly-ramp: +15 % then +42 % over the base week (caution above +30 % in 2 weeks);
    # the long run grows only 5 % a week, so long-run-spike stays quiet.
    for block, factor in ((1, 1.15), (0, 1.42)):
        long_km *= 1.05
        week = _runs_in_block(sessions, anchor, block)
        for s in week:
            if s.kind == "long":
                s.distance_km = long_km
        scale_runs_to(week, factor * base_km)
    sessions.sort(key=lambda s: s.day)
    return sessions


def _no_rest(
    sessions: list[PlannedSession], anchor: date, traits: Traits, rng: random.Random
) -> list[PlannedSession]:
    run_days = {s.day for s in sessions if s.is_run}
    for back in range(12):  # RULES.md no-rest-day: warning at 10 days in a row
        day = anchor - timedelta(days=back)
        if day not in run_days:
            sessions.append(PlannedSession(day, "easy", distance_km=4.0))
    for block in (0, 1):  # the streak spreads the same weekly km over more days
        scale_runs_to(_runs_in_block(sessions, anchor, block), block_target_km(traits, block))
    sessions.sort(key=lambda s: s.day)
    return sessions


def _low_cadence(
    sessions: list[PlannedSession], anchor: date, traits: Traits, rng: random.Random
) -> list[PlannedSession]:
    for s in sessions:
        block = block_of(s.day, anchor)
        if s.is_run and block in (1, 2):
            s.cadence_factor = 0.975
        elif s.is_run and block == 0:
            s.cadence_factor = 0.92  # RULES.md low-cadence: >= 5 % under the athlete's own baseline
    return sessions


def _random(
    sessions: list[PlannedSession], anchor: date, traits: Traits, rng: random.Random
) -> list[PlannedSession]:
    first = min((s.day for s in sessions), default=anchor)
    span = (anchor - first).days
    if span > 60 and rng.random() < 0.5:  # a holiday or an illness somewhere in the history
        break_end = anchor - timedelta(days=rng.randint(21, span - 30))
        break_start = break_end - timedelta(days=rng.randint(8, 16))
        sessions = [s for s in sessions if not (s.is_run and break_start <= s.day <= break_end)]
    return sessions


_STORIES = {
    "long_run_spike": _long_run_spike,
    "ramp": _ramp,
    "no_rest": _no_rest,
    "low_cadence": _low_cadence,
    "random": _random,
}
