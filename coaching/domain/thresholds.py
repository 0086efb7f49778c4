"""Every number a rule compares against, with RULES.md's defaults, overridable per athlete.

A coach loosens or tightens a rule for one athlete with
`DEFAULT_THRESHOLDS.with_overrides({"weekly_ramp": {"info_1w_pct": 15}})` (or the flat form
`{"weekly-ramp.info_1w_pct": 15}`). Overrides are validated against each field's range so that a
typo or a nonsense value fails loudly at configuration time, naming the bad key, instead of silently
disabling a rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Mapping


class ThresholdError(ValueError):
    """An override names an unknown threshold or gives it a value outside its range."""


def _num(default: float, lo: float, hi: float) -> Any:
    return field(default=default, metadata={"range": (lo, hi)})


@dataclass(frozen=True)
class QualityThresholds:
    stride_guard_spm: float = _num(120.0, 60.0, 200.0)  # raw cadence above this is already steps/min
    near_duplicate_s: float = _num(60.0, 0.0, 3600.0)  # watch and phone recording the same run
    near_duplicate_distance_pct: float = _num(3.0, 0.0, 50.0)
    max_run_speed_mps: float = _num(7.0, 3.0, 15.0)  # faster than world-record pace for > 10 min
    max_fast_run_s: float = _num(600.0, 0.0, 7200.0)
    max_run_km: float = _num(250.0, 50.0, 1000.0)


@dataclass(frozen=True)
class LongRunSpikeThresholds:
    # Frandsen et al. 2025 (BJSM 59:1203): hazard rises above a 10 % jump over the 30-day longest.
    lookback_days: int = _num(30, 7, 120)
    min_run_km: float = _num(3.0, 0.0, 50.0)
    caution_pct: float = _num(10.0, 0.0, 500.0)
    warning_pct: float = _num(100.0, 0.0, 1000.0)
    # next_long_run_max_km = factor x the longest run of the 30 days before the spike (the spike
    # itself excluded: tissues have not adapted to it yet).
    budget_factor: float = _num(1.1, 1.0, 2.0)
    recent_days: int = _num(7, 1, 60)  # runs of D-6..D are checked; older ones were checked before
    _orders: ClassVar = (("caution_pct", "warning_pct"),)


@dataclass(frozen=True)
class ReturnAfterBreakThresholds:
    break_days: int = _num(14, 3, 365)
    baseline_weeks: int = _num(8, 1, 52)
    median_fraction: float = _num(0.5, 0.0, 5.0)
    recent_days: int = _num(7, 1, 60)


@dataclass(frozen=True)
class WeeklyRampThresholds:
    # The article's 10 % rule (Buist 2008 RCT: null) and Nielsen 2014's 30 % over two weeks.
    info_1w_pct: float = _num(10.0, 0.0, 500.0)
    caution_1w_pct: float = _num(20.0, 0.0, 500.0)
    caution_2w_pct: float = _num(30.0, 0.0, 500.0)
    min_base_km: float = _num(10.0, 0.0, 200.0)
    _orders: ClassVar = (("info_1w_pct", "caution_1w_pct"),)


@dataclass(frozen=True)
class AcwrThresholds:
    acute_days: int = _num(7, 1, 28)
    chronic_days: int = _num(21, 7, 84)  # D-27..D-7: uncoupled, the acute week is not in it
    caution_ratio: float = _num(1.3, 0.5, 5.0)  # above Gabbett's 0.8-1.3 "sweet spot"
    warning_ratio: float = _num(1.5, 0.5, 5.0)
    detraining_ratio: float = _num(0.8, 0.0, 2.0)
    _orders: ClassVar = (("detraining_ratio", "caution_ratio"), ("caution_ratio", "warning_ratio"))


@dataclass(frozen=True)
class NoRestDayThresholds:
    caution_days: int = _num(7, 2, 60)
    warning_days: int = _num(10, 2, 90)
    _orders: ClassVar = (("caution_days", "warning_days"),)


@dataclass(frozen=True)
class MonotonyThresholds:
    window_days: int = _num(7, 3, 28)
    caution: float = _num(1.5, 0.1, 20.0)  # Foster 1998's conventional cut-offs
    warning: float = _num(2.0, 0.1, 20.0)
    # Cross-training enters the daily load as run-km equivalents: about the minutes of an easy km.
    cross_training_min_per_km: float = _num(6.0, 1.0, 30.0)
    _orders: ClassVar = (("caution", "warning"),)


@dataclass(frozen=True)
class IntensityJumpThresholds:
    hr_fraction_of_max: float = _num(0.88, 0.5, 1.0)
    max_hr_days: int = _num(180, 14, 730)
    speed_factor: float = _num(1.15, 1.0, 3.0)  # only for runs without heart rate
    baseline_days: int = _num(28, 7, 120)  # D-34..D-7 with the default 7-day recent window
    recent_days: int = _num(7, 1, 28)
    min_hard_runs: int = _num(2, 1, 14)
    jump_factor: float = _num(2.0, 1.0, 10.0)
    race_workout_type: int = _num(1, 0, 99)  # Strava's community codes for runs: 1 race, 3 workout
    workout_workout_type: int = _num(3, 0, 99)


@dataclass(frozen=True)
class HillJumpThresholds:
    recent_days: int = _num(7, 1, 28)
    baseline_days: int = _num(28, 7, 120)
    gain_factor: float = _num(1.5, 1.0, 10.0)
    min_gain_m: float = _num(300.0, 0.0, 10000.0)
    trail_share_points: float = _num(30.0, 0.0, 100.0)


@dataclass(frozen=True)
class LowCadenceThresholds:
    # Heiderscheit 2011: +5-10 % step rate lowers knee load; Lenhart 2014: -14 % force at +10 %.
    min_moving_s: float = _num(900.0, 0.0, 7200.0)
    min_speed_mps: float = _num(2.2, 0.0, 7.0)
    baseline_days: int = _num(60, 7, 365)
    speed_band_mps: float = _num(0.3, 0.0, 3.0)
    min_baseline_runs: int = _num(3, 1, 50)
    drop_pct: float = _num(5.0, 0.0, 50.0)
    runs_considered: int = _num(3, 1, 20)
    runs_low: int = _num(2, 1, 20)
    recent_days: int = _num(28, 7, 120)  # the median window, and how old a "last run" may be
    median_floor_spm: float = _num(166.0, 100.0, 220.0)
    suggested_increase_pct: float = _num(5.0, 1.0, 15.0)
    _orders: ClassVar = (("runs_low", "runs_considered"),)


@dataclass(frozen=True)
class ShoeMileageThresholds:
    info_km: float = _num(600.0, 0.0, 5000.0)
    caution_km: float = _num(800.0, 0.0, 5000.0)
    recent_days: int = _num(30, 7, 120)
    single_shoe_weekly_km: float = _num(20.0, 0.0, 500.0)  # Malisoux 2015: rotating shoes
    _orders: ClassVar = (("info_km", "caution_km"),)


@dataclass(frozen=True)
class NoCrossTrainingThresholds:
    window_days: int = _num(7, 1, 28)
    # Malisoux 2015: hazard 0.85 per weekly hour of other sports.
    suggested_minutes: float = _num(60.0, 10.0, 600.0)


@dataclass(frozen=True)
class StrengthMissingThresholds:
    window_days: int = _num(28, 7, 120)
    min_sessions_per_week: float = _num(2.0, 0.0, 14.0)  # the article's 2-3 a week


@dataclass(frozen=True)
class PainReportedThresholds:
    caution_score: int = _num(3, 1, 10)
    warning_score: int = _num(5, 1, 10)
    persistent_above: int = _num(2, 0, 10)
    persistent_checkins: int = _num(3, 2, 14)
    recent_days: int = _num(14, 1, 90)  # an old check-in no longer speaks for today's knee
    _orders: ClassVar = (("caution_score", "warning_score"),)


@dataclass(frozen=True)
class PlanThresholds:
    """RULES.md, "The plan for the next 7 days": the factors of every row of the plan table."""

    history_days: int = _num(28, 7, 120)  # a plan needs this much history
    longest_run_factor: float = _num(1.1, 1.0, 2.0)  # baseline max run: x L30 (Frandsen's band)
    weekly_low_factor: float = _num(0.8, 0.0, 1.0)  # baseline weekly km: [0.8 x W0, 1.1 x W0]
    weekly_high_factor: float = _num(1.1, 1.0, 2.0)
    ramp_high_factor: float = _num(1.1, 1.0, 2.0)  # weekly-ramp: high = 1.1 x max(W1, W2)
    acwr_high_factor: float = _num(1.1, 1.0, 2.0)  # acwr: high = 1.1 x 7 x chronic daily km
    restart_weekly_runs: float = _num(3.0, 1.0, 7.0)  # return-after-break: high = 3 x restart run
    climb_factor: float = _num(1.1, 1.0, 3.0)  # hill-jump: climb = 1.1 x E28_weekly
    rest_days: int = _num(1, 0, 7)
    rest_days_recovery: int = _num(2, 0, 7)  # no-rest-day or monotony
    rest_days_return: int = _num(3, 0, 7)  # return-after-break: a day between runs
    hard_runs: int = _num(2, 0, 7)
    hard_runs_jump: int = _num(1, 0, 7)  # intensity-jump
    strength_sessions: int = _num(2, 0, 7)  # the article's 2-3 a week
    strength_sessions_caution: int = _num(3, 0, 7)  # strength-missing at caution
    distance_tolerance_pct: float = _num(2.0, 0.0, 20.0)  # GPS noise when checking a kept plan
    _orders: ClassVar = (
        ("weekly_low_factor", "weekly_high_factor"),
        ("rest_days", "rest_days_recovery"),
        ("rest_days_recovery", "rest_days_return"),
        ("hard_runs_jump", "hard_runs"),
        ("strength_sessions", "strength_sessions_caution"),
    )


@dataclass(frozen=True)
class Thresholds:
    quality: QualityThresholds = QualityThresholds()
    long_run_spike: LongRunSpikeThresholds = LongRunSpikeThresholds()
    return_after_break: ReturnAfterBreakThresholds = ReturnAfterBreakThresholds()
    weekly_ramp: WeeklyRampThresholds = WeeklyRampThresholds()
    acwr: AcwrThresholds = AcwrThresholds()
    no_rest_day: NoRestDayThresholds = NoRestDayThresholds()
    monotony: MonotonyThresholds = MonotonyThresholds()
    intensity_jump: IntensityJumpThresholds = IntensityJumpThresholds()
    hill_jump: HillJumpThresholds = HillJumpThresholds()
    low_cadence: LowCadenceThresholds = LowCadenceThresholds()
    shoe_mileage: ShoeMileageThresholds = ShoeMileageThresholds()
    no_cross_training: NoCrossTrainingThresholds = NoCrossTrainingThresholds()
    strength_missing: StrengthMissingThresholds = StrengthMissingThresholds()
    pain_reported: PainReportedThresholds = PainReportedThresholds()
    plan: PlanThresholds = PlanThresholds()

    def with_overrides(self, overrides: Mapping[str, Any]) -> Thresholds:
        """A copy with `overrides` applied: nested `{section: {name: value}}` or flat
        `{"section.name": value}`; rule ids with hyphens are accepted as section names."""
        grouped: dict[str, dict[str, Any]] = {}
        for key, value in overrides.items():
            if not isinstance(key, str):
                raise ThresholdError(f"threshold key {key!r} is not a string")
            if "." in key:
                section, name = key.split(".", 1)
                grouped.setdefault(_section_name(section), {})[name] = value
            elif isinstance(value, Mapping):
                grouped.setdefault(_section_name(key), {}).update(value)
            else:
                raise ThresholdError(f"threshold {key!r}: expected 'section.name' or a mapping")
        changes: dict[str, object] = {}
        for section, values in grouped.items():
            if section not in _SECTIONS:
                raise ThresholdError(f"unknown threshold section {section!r}")
            changes[section] = _override_section(getattr(self, section), section, values)
        return replace(self, **changes)

    def as_dict(self) -> dict[str, dict[str, float | int]]:
        return {
            section: {f.name: getattr(getattr(self, section), f.name) for f in fields(getattr(self, section))}
            for section in _SECTIONS
        }


_SECTIONS = tuple(f.name for f in fields(Thresholds))


def _section_name(raw: str) -> str:
    return raw.strip().replace("-", "_")


def _override_section(current: Any, section: str, values: Mapping[str, Any]) -> Any:
    known = {f.name: f for f in fields(current)}
    cleaned: dict[str, float | int] = {}
    for name, value in values.items():
        key = f"{section}.{name}"
        spec = known.get(name)
        if spec is None:
            raise ThresholdError(f"unknown threshold {key!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ThresholdError(f"threshold {key!r} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ThresholdError(f"threshold {key!r} must be finite, got {value!r}")
        is_int = isinstance(spec.default, int)
        if is_int and value != int(value):
            raise ThresholdError(f"threshold {key!r} must be a whole number, got {value!r}")
        lo, hi = spec.metadata["range"]
        if not lo <= value <= hi:
            raise ThresholdError(f"threshold {key!r} = {value!r} is outside {lo}..{hi}")
        cleaned[name] = int(value) if is_int else float(value)
    result = replace(current, **cleaned)
    for low_name, high_name in getattr(result, "_orders", ()):
        if getattr(result, low_name) > getattr(result, high_name):
            raise ThresholdError(
                f"threshold {section}.{low_name} ({getattr(result, low_name)}) must not exceed "
                f"{section}.{high_name} ({getattr(result, high_name)})"
            )
    return result


DEFAULT_THRESHOLDS = Thresholds()
