"""What every rule receives and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from coaching.domain.daily import History
from coaching.domain.model import Finding, Gear, PainCheckin, Severity, Skipped
from coaching.domain.stats import median
from coaching.domain.thresholds import Thresholds

# Used only when a runner has no timed run in the last 28 days: a typical easy pace.
FALLBACK_PACE_MIN_PER_KM = 6.0

LONG_RUN_SPIKE = "long-run-spike"
RETURN_AFTER_BREAK = "return-after-break"
WEEKLY_RAMP = "weekly-ramp"
ACWR = "acwr"
NO_REST_DAY = "no-rest-day"
MONOTONY = "monotony"
INTENSITY_JUMP = "intensity-jump"
HILL_JUMP = "hill-jump"
LOW_CADENCE = "low-cadence"
SHOE_MILEAGE = "shoe-mileage"
NO_CROSS_TRAINING = "no-cross-training"
STRENGTH_MISSING = "strength-missing"
PAIN_REPORTED = "pain-reported"

# RULES.md: the rules whose findings mean "running load rose" (low-cadence's second trigger).
LOAD_RULES = frozenset({LONG_RUN_SPIKE, RETURN_AFTER_BREAK, WEEKLY_RAMP, ACWR})
# no-cross-training fires on these at caution or above.
CROSS_TRAINING_TRIGGER_RULES = frozenset({LONG_RUN_SPIKE, WEEKLY_RAMP, ACWR})
# strength-missing escalates when one of these fired.
KNEE_LOAD_RULES = frozenset({LONG_RUN_SPIKE, WEEKLY_RAMP, HILL_JUMP, LOW_CADENCE})


@dataclass(frozen=True)
class RuleContext:
    history: History
    thresholds: Thresholds
    gear: tuple[Gear, ...] = ()
    checkins: tuple[PainCheckin, ...] = ()
    earlier: tuple[Finding, ...] = ()  # findings of the rules that ran before this one
    units: str = "metric"  # for the few `why` lines that name a distance
    # Shared by the copies evaluate() makes as findings accumulate: derived numbers are computed once.
    _cache: dict[str, float | None] = field(default_factory=dict, compare=False, repr=False)

    @property
    def as_of(self) -> date:
        return self.history.as_of

    @property
    def pace_min_per_km(self) -> float:
        """The runner's median pace over the last 28 days, to turn km into minutes."""
        if "pace" not in self._cache:
            self._cache["pace"] = self._median_pace()
        return self._cache["pace"]

    def _median_pace(self) -> float:
        h = self.history
        paces = [
            r.activity.moving_s / 60.0 / r.km
            for r in h.runs_between(h.day(27), h.last_day)
            if r.km > 0.5 and r.activity.moving_s > 0 and not r.activity.manual
        ]
        pace = median(paces)
        return pace if pace is not None and 2.0 <= pace <= 20.0 else FALLBACK_PACE_MIN_PER_KM

    def minutes_for_km(self, km: float) -> int:
        """Minutes of cross-training that replace `km` of running, rounded up to 5 minutes."""
        return up_to_5_min(max(km, 0.0) * self.pace_min_per_km)

    def usual_run_minutes(self, days: int) -> int:
        """The median run's moving minutes over the last `days` days, rounded up to 5 minutes:
        what one run swapped for cycling or swimming takes (30 when there was no run)."""
        h = self.history
        minutes = median([r.activity.moving_s / 60.0 for r in h.runs_between(h.day(days - 1), h.last_day)])
        return up_to_5_min(minutes if minutes is not None else 30.0)

    def baseline_window(self, recent_days: int, baseline_days: int) -> tuple[int, int] | None:
        """(first, last) day of the `baseline_days` before the recent `recent_days` (D-34..D-7 by
        default), or None when the history does not reach back that far."""
        last = self.history.day(recent_days)
        first = last - baseline_days + 1
        return (first, last) if self.history.covers(first) else None


def up_to_5_min(minutes: float) -> int:
    return int(-(-minutes // 5) * 5) if minutes > 0 else 0


@dataclass
class RuleOutcome:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, rule: str, reason: str) -> RuleOutcome:
        self.skipped.append(Skipped(rule, reason))
        return self


def skipped(rule: str, reason: str) -> RuleOutcome:
    return RuleOutcome().skip(rule, reason)


def fired(findings: tuple[Finding, ...], rules: frozenset[str], minimum: Severity = Severity.INFO) -> bool:
    return any(f.rule in rules and f.severity >= minimum for f in findings)
