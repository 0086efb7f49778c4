"""One athlete's cleaned history laid out by local calendar day, for linear-time windows.

Days are proleptic ordinals (`date.toordinal()`); every array is indexed by `day - first_day`, and
prefix sums make any inclusive window `lo..hi` an O(1) subtraction. Windows that reach before the
first recorded day simply read zeros; whether a rule may trust them is `covers()`'s question.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import NamedTuple, Sequence

from coaching.domain.cadence import steps_per_min
from coaching.domain.model import Activity, SportCategory, sport_category
from coaching.domain.quality import average_speed_mps


class Run(NamedTuple):
    """A run with the numbers the rules keep asking for, computed once (a tuple: thousands are
    built per batch, and a frozen dataclass costs several times more to create)."""

    activity: Activity
    day: int  # local calendar day, as an ordinal
    km: float
    cadence_spm: float | None
    speed_mps: float | None

    @property
    def id(self) -> int:
        return self.activity.id


@dataclass(frozen=True)
class History:
    as_of: date
    last_day: int  # as_of.toordinal()
    first_day: int  # index 0 of every daily array
    covered_from: int  # first day the record is known to be complete from
    activities: tuple[Activity, ...]  # cleaned, up to and including as_of, by start time
    runs: tuple[Run, ...]  # by start time
    run_days: tuple[int, ...]  # runs[i].day, for bisecting
    run_km: tuple[float, ...]  # daily run km
    cross_training_min: tuple[float, ...]  # daily cross-training moving minutes
    strength_sessions: tuple[int, ...]  # daily strength sessions
    _run_km_prefix: tuple[float, ...]
    _cross_min_prefix: tuple[float, ...]
    _strength_prefix: tuple[int, ...]

    def covers(self, day: int) -> bool:
        return day >= self.covered_from

    def day(self, days_before_as_of: int) -> int:
        return self.last_day - days_before_as_of

    def run_km_between(self, lo: int, hi: int) -> float:
        return _window(self._run_km_prefix, self.first_day, self.last_day, lo, hi)

    def cross_training_min_between(self, lo: int, hi: int) -> float:
        return _window(self._cross_min_prefix, self.first_day, self.last_day, lo, hi)

    def strength_sessions_between(self, lo: int, hi: int) -> int:
        return int(_window(self._strength_prefix, self.first_day, self.last_day, lo, hi))

    def run_km_on(self, day: int) -> float:
        if self.first_day <= day <= self.last_day:
            return self.run_km[day - self.first_day]
        return 0.0

    def cross_training_min_on(self, day: int) -> float:
        if self.first_day <= day <= self.last_day:
            return self.cross_training_min[day - self.first_day]
        return 0.0

    def runs_between(self, lo: int, hi: int) -> Sequence[Run]:
        return self.runs[bisect_left(self.run_days, lo) : bisect_right(self.run_days, hi)]

    def activities_between(self, lo: int, hi: int) -> list[Activity]:
        return [a for a in self.activities if lo <= a.start_local.toordinal() <= hi]

    def until(self, as_of: date) -> History:
        """This history as it stood on an earlier day: what `build_history` gives for that day,
        sliced from this one instead of rebuilt (the plan check re-evaluates the day a week ago)."""
        last_day = as_of.toordinal()
        if last_day >= self.last_day:
            return self
        if last_day < self.first_day:
            # Before the record: an empty history (no activity, so no option of the build matters).
            return build_history((), as_of)
        size = last_day - self.first_day + 1
        runs = self.runs[: bisect_right(self.run_days, last_day)]
        return History(
            as_of=as_of,
            last_day=last_day,
            first_day=self.first_day,
            covered_from=self.covered_from,
            activities=tuple(a for a in self.activities if a.start_local.toordinal() <= last_day),
            runs=runs,
            run_days=self.run_days[: len(runs)],
            run_km=self.run_km[:size],
            cross_training_min=self.cross_training_min[:size],
            strength_sessions=self.strength_sessions[:size],
            _run_km_prefix=self._run_km_prefix[: size + 1],
            _cross_min_prefix=self._cross_min_prefix[: size + 1],
            _strength_prefix=self._strength_prefix[: size + 1],
        )


def _window(prefix: Sequence[float], first_day: int, last_day: int, lo: int, hi: int) -> float:
    lo = max(lo, first_day)
    hi = min(hi, last_day)
    if lo > hi:
        return 0.0
    # Rounded to the millimetre so that prefix-sum noise cannot move a total across a threshold.
    return round(prefix[hi - first_day + 1] - prefix[lo - first_day], 6)


def build_history(
    activities: Sequence[Activity],
    as_of: date,
    *,
    history_start: date | None = None,
    stride_guard_spm: float = 120.0,
) -> History:
    """`activities` are cleaned and sorted; anything after `as_of` is left out, so an evaluation
    of a past day sees only what was known that day."""
    last_day = as_of.toordinal()
    kept = tuple(a for a in activities if a.start_local.toordinal() <= last_day)
    earliest = kept[0].start_local.toordinal() if kept else last_day + 1
    if history_start is not None:
        earliest = min(earliest, history_start.toordinal())
    covered_from = earliest
    first_day = min(earliest, last_day)
    size = last_day - first_day + 1

    run_km = [0.0] * size
    cross_min = [0.0] * size
    strength = [0] * size
    runs: list[Run] = []
    for activity in kept:
        day = activity.start_local.toordinal()
        index = day - first_day
        category = sport_category(activity.sport_type)
        if category is SportCategory.RUN:
            km = activity.distance_m / 1000.0
            run_km[index] += km
            runs.append(
                Run(
                    activity,
                    day,
                    km,
                    steps_per_min(activity.average_cadence_raw, stride_guard_spm),
                    None if activity.manual else average_speed_mps(activity),
                )
            )
        elif category is SportCategory.CROSS_TRAINING:
            cross_min[index] += activity.moving_s / 60.0
        elif category is SportCategory.STRENGTH:
            strength[index] += 1

    return History(
        as_of=as_of,
        last_day=last_day,
        first_day=first_day,
        covered_from=covered_from,
        activities=kept,
        runs=tuple(runs),
        run_days=tuple(r.day for r in runs),
        run_km=tuple(run_km),
        cross_training_min=tuple(cross_min),
        strength_sessions=tuple(strength),
        _run_km_prefix=tuple(accumulate(run_km, initial=0.0)),
        _cross_min_prefix=tuple(accumulate(cross_min, initial=0.0)),
        _strength_prefix=tuple(accumulate(strength, initial=0)),
    )
