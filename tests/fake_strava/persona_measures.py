"""Training measures written straight from RULES.md's formulas, to check that each seeded persona
really shows its pattern (independent of coaching.domain, which is tested on its own)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta

from coaching.fake_strava.records import ActivityRecord

RUNS = ("Run", "TrailRun", "VirtualRun")
CROSS = ("Ride", "VirtualRide", "Swim")
STRENGTH = ("WeightTraining", "Yoga")
CROSS_MIN_PER_KM = 6.0  # coaching.domain's default run-km equivalent of cross-training


def runs(activities: list[ActivityRecord]) -> list[ActivityRecord]:
    return [a for a in activities if a.sport_type in RUNS]


def day_of(activity: ActivityRecord) -> date:
    return activity.start_local.date()


def run_km_between(activities: list[ActivityRecord], first: date, last: date) -> float:
    return sum(a.distance_m for a in runs(activities) if first <= day_of(a) <= last) / 1000.0


def weekly_km(activities: list[ActivityRecord], end: date, weeks_back: int) -> float:
    """W0 = end-6..end, W1 = end-13..end-7, ..."""
    last = end - timedelta(days=7 * weeks_back)
    return run_km_between(activities, last - timedelta(days=6), last)


def longest_before_km(activities: list[ActivityRecord], run: ActivityRecord) -> float:
    """L30 of the long-run-spike rule: the longest run in d-30 .. d-1."""
    d = day_of(run)
    window = [a.distance_m for a in runs(activities) if 1 <= (d - day_of(a)).days <= 30]
    return max(window, default=0.0) / 1000.0


def run_streak_days(activities: list[ActivityRecord], end: date) -> int:
    days = {day_of(a) for a in runs(activities)}
    streak = 0
    while end - timedelta(days=streak) in days:
        streak += 1
    return streak


def rest_days_per_week(activities: list[ActivityRecord], end: date, weeks: int) -> list[int]:
    days = {day_of(a) for a in runs(activities)}
    result = []
    for w in range(weeks):
        last = end - timedelta(days=7 * w)
        result.append(sum(1 for back in range(7) if last - timedelta(days=back) not in days))
    return result


def monotony(activities: list[ActivityRecord], end: date) -> float:
    load: dict[date, float] = defaultdict(float)
    for a in activities:
        if a.sport_type in RUNS:
            load[day_of(a)] += a.distance_m / 1000.0
        elif a.sport_type in CROSS:
            load[day_of(a)] += a.moving_s / 60.0 / CROSS_MIN_PER_KM
    loads = [load[end - timedelta(days=back)] for back in range(7)]
    return statistics.fmean(loads) / statistics.pstdev(loads)


def strength_per_week(activities: list[ActivityRecord], end: date) -> float:
    first = end - timedelta(days=27)
    return sum(1 for a in activities if a.sport_type in STRENGTH and first <= day_of(a) <= end) / 4.0


def cadence_spm(activity: ActivityRecord) -> float:
    raw = activity.cadence_raw or 0.0
    return raw if raw > 120 else 2 * raw


def qualifying_for_cadence(activities: list[ActivityRecord]) -> list[ActivityRecord]:
    return [
        a for a in runs(activities)
        if a.sport_type != "TrailRun" and a.moving_s > 15 * 60 and a.average_speed_mps > 2.2 and a.cadence_raw
    ]


def cadence_drop_pct(activities: list[ActivityRecord], run: ActivityRecord) -> float:
    """How far below the athlete's own baseline (median of the previous 60 days' runs within
    +-0.3 m/s of this run's speed) the run's cadence is, in percent."""
    d = day_of(run)
    peers = [
        cadence_spm(a) for a in qualifying_for_cadence(activities)
        if 1 <= (d - day_of(a)).days <= 60 and abs(a.average_speed_mps - run.average_speed_mps) <= 0.3
    ]
    return 100.0 * (1.0 - cadence_spm(run) / statistics.median(peers))
