"""The weekly training plan an athlete follows: which sessions on which day, and how far.

Weeks are 7-day blocks counted back from the plan's anchor day (block 0 = anchor-6 .. anchor), so
the rolling windows of RULES.md (D-6..D, D-13..D-7, ...) line up with the blocks exactly and each
block holds every weekday once. Block targets grow by `growth_per_week`; run distances within a
full block are scaled so that the block's run km equal its target.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from coaching.fake_strava.records import Traits

RUN_KINDS = frozenset({"easy", "long", "workout", "trail", "treadmill", "race"})

# Shares of the weekly run km. With four runs a week the long run carries a third, as in most
# recreational plans; long run and workout keep their share, easy runs absorb the noise.
LONG_SHARE = 0.34
WORKOUT_SHARE = 0.22
LONG_NOISE = 0.01


@dataclass
class PlannedSession:
    day: date
    kind: str
    distance_km: float = 0.0  # runs only: the planned distance
    minutes: float = 0.0  # everything else: the planned duration
    cadence_factor: float = 1.0
    workout_type: int | None = None
    name: str | None = None
    visibility: str | None = None  # forced visibility; None: the generator decides

    @property
    def is_run(self) -> bool:
        return self.kind in RUN_KINDS


def block_of(day: date, anchor: date) -> int:
    """0 for anchor-6..anchor, 1 for the week before, -1 for the week after."""
    return (anchor - day).days // 7


def block_target_km(traits: Traits, block: int) -> float:
    target = traits.weekly_km_end / (1.0 + traits.growth_per_week) ** block
    # A lighter week every fourth week, but never in the last six: the recent weeks carry the story.
    if block >= 6 and block % 4 == 2:
        target *= 0.8
    return target


def _run_kind(traits: Traits, weekday: int, rng: random.Random) -> str:
    if weekday == traits.long_weekday:
        return "long"
    if weekday == traits.workout_weekday:
        return "workout"
    if weekday == traits.trail_weekday or rng.random() < traits.trail_prob:
        return "trail"
    if rng.random() < traits.treadmill_prob:
        return "treadmill"
    return "easy"


def _run_share(traits: Traits, kind: str) -> float:
    easy_days = len(traits.run_weekdays) - 1 - (traits.workout_weekday is not None)
    rest = 1.0 - LONG_SHARE - (WORKOUT_SHARE if traits.workout_weekday is not None else 0.0)
    if kind == "long":
        return LONG_SHARE
    if kind == "workout":
        return WORKOUT_SHARE
    return rest / max(easy_days, 1)


def _sessions_for_day(traits: Traits, day: date, target_km: float, rng: random.Random) -> list[PlannedSession]:
    weekday = day.weekday()
    sessions: list[PlannedSession] = []
    if weekday in traits.run_weekdays:
        kind = _run_kind(traits, weekday, rng)
        noise = LONG_NOISE if kind in ("long", "workout") else traits.run_noise
        km = target_km * _run_share(traits, kind) * rng.uniform(1.0 - noise, 1.0 + noise)
        sessions.append(PlannedSession(day, kind, distance_km=km, workout_type=3 if kind == "workout" else None))
    if weekday in traits.strength_weekdays:
        sessions.append(PlannedSession(day, "strength", minutes=rng.uniform(35, 55)))
    if weekday == traits.ride_weekday:
        sessions.append(PlannedSession(day, "ride", minutes=rng.uniform(50, 80)))
    if weekday == traits.swim_weekday:
        sessions.append(PlannedSession(day, "swim", minutes=rng.uniform(30, 45)))
    if weekday not in traits.run_weekdays and weekday not in traits.strength_weekdays:
        if rng.random() < traits.yoga_prob:
            sessions.append(PlannedSession(day, "yoga", minutes=rng.uniform(30, 60)))
    if weekday not in traits.run_weekdays and rng.random() < traits.walk_prob:
        sessions.append(PlannedSession(day, "walk", minutes=rng.uniform(30, 70)))
    return sessions


def plan_days(traits: Traits, first: date, last: date, anchor: date, rng: random.Random) -> list[PlannedSession]:
    """Sessions for every day in first..last, blocks counted back from `anchor`."""
    sessions: list[PlannedSession] = []
    day = first
    while day <= last:
        target = block_target_km(traits, block_of(day, anchor))
        sessions.extend(_sessions_for_day(traits, day, target, rng))
        day += timedelta(days=1)
    _scale_full_blocks(sessions, traits, first, last, anchor)
    if traits.skip_prob > 0:
        sessions = [s for s in sessions if not (s.is_run and rng.random() < traits.skip_prob)]
    return sessions


def _scale_full_blocks(
    sessions: list[PlannedSession], traits: Traits, first: date, last: date, anchor: date
) -> None:
    by_block: dict[int, list[PlannedSession]] = {}
    for s in sessions:
        if s.is_run:
            by_block.setdefault(block_of(s.day, anchor), []).append(s)
    for block, runs in by_block.items():
        block_last = anchor - timedelta(days=7 * block)
        if block_last - timedelta(days=6) < first or block_last > last:
            continue  # a partial block keeps its planned distances
        scale_runs_to(runs, block_target_km(traits, block))


def scale_runs_to(runs: list[PlannedSession], total_km: float) -> None:
    """Scale the flexible runs (not long, workout or race) so that all runs sum to total_km."""
    fixed = sum(r.distance_km for r in runs if r.kind in ("long", "workout", "race"))
    flexible = [r for r in runs if r.kind not in ("long", "workout", "race")]
    flexible_km = sum(r.distance_km for r in flexible)
    if flexible_km <= 0:
        return
    factor = max(total_km - fixed, 0.3 * flexible_km) / flexible_km
    for r in flexible:
        r.distance_km *= factor
