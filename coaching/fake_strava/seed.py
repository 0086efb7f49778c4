"""Deterministic synthetic athletes: `random.Random` seeded per athlete, so the same seed, count,
personas and end date always give the same people, gear and activities.

The activity records come back without ids; the store allocates them (ids grow with time, as
Strava's do, and exceed 2^32).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterable, Sequence

from coaching.fake_strava.gear import GearPool
from coaching.fake_strava.materialize import materialize
from coaching.fake_strava.personas import PERSONAS, apply_story, make_traits
from coaching.fake_strava.plan import block_of, plan_days
from coaching.fake_strava.profiles import (
    CLUB_NAMES,
    DEVICES,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    HOME_TOWNS,
    LAST_NAMES,
)
from coaching.fake_strava.records import ActivityRecord, AthleteRecord, GearRecord, Traits

DEFAULT_DAYS = 182  # about six months
WORN_SHOE_KM = (830.0, 880.0)  # RULES.md shoe-mileage: caution at 800 km


@dataclass
class SeededAthlete:
    athlete: AthleteRecord
    gear: list[GearRecord]
    activities: list[ActivityRecord]  # id 0: the store allocates


def personas_for(count: int, personas: Sequence[str] | None) -> list[str]:
    """The personas of `count` athletes: the given list repeated, or every story in turn."""
    chosen = list(personas) if personas else list(PERSONAS)
    unknown = [p for p in chosen if p not in PERSONAS]
    if unknown:
        raise ValueError(f"unknown persona(s) {unknown}; choose from {', '.join(PERSONAS)}")
    return [chosen[i % len(chosen)] for i in range(count)]


def generate_athlete(
    *,
    seed: int,
    index: int,
    persona: str,
    end_date: date | Callable[[str], date],
    days: int,
    taken_ids: Iterable[int],
    new_gear_id: Callable[[str], str],
) -> SeededAthlete:
    """`end_date` is the last day of the history in the athlete's own calendar, or a function
    of the athlete's time zone that gives it (their own "yesterday")."""
    if days < 1:
        raise ValueError("days must be at least 1")
    rng = random.Random(f"fake-strava:{seed}:{index}")
    traits = make_traits(persona, rng)
    athlete = _make_athlete(rng, persona, traits, end_date, set(taken_ids))
    end_date = athlete.plan_end
    first = end_date - timedelta(days=days - 1)
    sessions = plan_days(traits, first, end_date, end_date, rng)
    sessions = apply_story(persona, sessions, end_date, traits, rng)
    worn = persona == "worn_shoes"
    pool = GearPool.fresh(
        athlete.id, rng, retire_km=float("inf") if worn else traits.shoe_retire_km, rotate=not worn,
        new_gear_id=new_gear_id,
    )
    activities = [
        materialize(s, athlete, pool, rng, block=block_of(s.day, end_date))
        for s in sorted(sessions, key=lambda s: s.day)
    ]
    if worn:
        shoe = next(g for g in pool.gear if g.primary and g.is_shoe)
        target_m = rng.uniform(*WORN_SHOE_KM) * 1000.0
        shoe.base_distance_m = max(shoe.base_distance_m, target_m - pool.used_m.get(shoe.id, 0.0))
    activities.sort(key=lambda a: a.start_utc)
    return SeededAthlete(athlete, pool.gear, activities)


def extend_athlete(
    athlete: AthleteRecord,
    gear: list[GearRecord],
    existing: Sequence[ActivityRecord],
    *,
    seed: int,
    days: int,
    new_gear_id: Callable[[str], str],
) -> list[ActivityRecord]:
    """The next `days` days of the athlete's routine after `plan_end` (the story is not repeated)."""
    rng = random.Random(f"fake-strava:{seed}:{athlete.id}:{athlete.plan_end.isoformat()}")
    first = athlete.plan_end + timedelta(days=1)
    last = athlete.plan_end + timedelta(days=days)
    anchor = athlete.plan_anchor
    pool = pool_for(athlete, gear, existing, rng, new_gear_id)
    sessions = plan_days(athlete.traits, first, last, anchor, rng)
    activities = [materialize(s, athlete, pool, rng, block=block_of(s.day, anchor)) for s in sessions]
    athlete.plan_end = last
    activities.sort(key=lambda a: a.start_utc)
    return activities


def pool_for(
    athlete: AthleteRecord,
    gear: list[GearRecord],
    existing: Sequence[ActivityRecord],
    rng: random.Random,
    new_gear_id: Callable[[str], str],
) -> GearPool:
    """The athlete's gear as the generator left it, to carry on where the history stopped."""
    worn = athlete.persona == "worn_shoes"
    used_m: dict[str, float] = {}
    for a in existing:
        if a.gear_id:
            used_m[a.gear_id] = used_m.get(a.gear_id, 0.0) + a.distance_m
    return GearPool(
        athlete.id, gear, used_m, retire_km=float("inf") if worn else athlete.traits.shoe_retire_km,
        rotate=not worn, road_runs=sum(1 for a in existing if a.sport_type in ("Run", "VirtualRun")),
        new_gear_id=new_gear_id, rng=rng,
    )


def _make_athlete(
    rng: random.Random, persona: str, traits: Traits, end_date: date | Callable[[str], date], taken: set[int]
) -> AthleteRecord:
    home = rng.choice(HOME_TOWNS)
    if callable(end_date):
        end_date = end_date(home.timezone)
    sex = rng.choice(("F", "M"))
    athlete_id = rng.randint(10_000_000, 99_999_999)
    while athlete_id in taken:
        athlete_id += 1
    end = datetime.combine(end_date, time(12, 0), tzinfo=timezone.utc)
    clubs = [
        {"id": rng.randint(100_000, 1_500_000), "name": name, "member_count": rng.randint(20, 4000), "city": home.city,
         "state": home.state, "country": home.country}
        for name in rng.sample(CLUB_NAMES, rng.randint(0, 2))
    ]
    athlete = AthleteRecord(
        id=athlete_id,
        firstname=rng.choice(FIRST_NAMES_F if sex == "F" else FIRST_NAMES_M),
        lastname=rng.choice(LAST_NAMES),
        sex=sex,
        city=home.city,
        state=home.state,
        country=home.country,
        timezone=home.timezone,
        latitude=home.latitude,
        longitude=home.longitude,
        altitude_m=home.altitude_m,
        measurement_preference="feet" if home.uses_miles else "meters",
        weight_kg=round(rng.uniform(52.0, 68.0) if sex == "F" else rng.uniform(62.0, 85.0), 1),
        created_at=(end - timedelta(days=rng.randint(400, 3000), seconds=rng.randint(0, 86_399))).replace(microsecond=0),
        updated_at=(end - timedelta(days=rng.randint(0, 30), seconds=rng.randint(0, 86_399))).replace(microsecond=0),
        premium=rng.random() < 0.5,
        follower_count=rng.randint(0, 400),
        friend_count=rng.randint(0, 400),
        device_name=rng.choice(DEVICES)[0],
        persona=persona,
        traits=traits,
        plan_end=end_date,
        plan_anchor=end_date,
        clubs=clubs,
    )
    return athlete
