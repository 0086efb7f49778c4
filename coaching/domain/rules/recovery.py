"""Recovery rules: days in a row without rest, and the same load every day (Foster 1998)."""

from __future__ import annotations

import math

from coaching.domain.model import Evidence, Finding, Severity
from coaching.domain.rules.base import MONOTONY, NO_REST_DAY, RuleContext, RuleOutcome, skipped
from coaching.domain.stats import round_km


def run_streak_days(ctx: RuleContext) -> int:
    """Consecutive days with a run, ending on the evaluation day."""
    h = ctx.history
    days = set(h.run_days)
    streak = 0
    while h.last_day - streak in days:
        streak += 1
    return streak


def find_no_rest_day(ctx: RuleContext) -> RuleOutcome:
    t = ctx.thresholds.no_rest_day
    streak = run_streak_days(ctx)
    if streak >= t.warning_days:
        severity = Severity.WARNING
    elif streak >= t.caution_days:
        severity = Severity.CAUTION
    else:
        return RuleOutcome()
    swap_min = ctx.usual_run_minutes(7)
    return RuleOutcome(
        findings=[
            Finding(
                rule=NO_REST_DAY,
                severity=severity,
                evidence=Evidence.C,
                why=(
                    f"You have run {streak} days in a row; tendons and cartilage around the knee "
                    "adapt on rest days, not during the runs."
                ),
                metrics={"run_streak_days": streak, "swap_cross_training_min": swap_min},
            )
        ]
    )


def daily_load_km(ctx: RuleContext, days: int) -> list[float]:
    """Run km plus cross-training as run-km equivalents, for each of the last `days` days;
    rest days count as 0 (Foster's monotony)."""
    h = ctx.history
    per_km = ctx.thresholds.monotony.cross_training_min_per_km
    return [
        h.run_km_on(day) + h.cross_training_min_on(day) / per_km
        for day in range(h.day(days - 1), h.last_day + 1)
    ]


def find_monotony(ctx: RuleContext) -> RuleOutcome:
    t = ctx.thresholds.monotony
    h = ctx.history
    if not h.covers(h.day(t.window_days - 1)):
        return skipped(MONOTONY, f"needs {t.window_days} days of history")
    loads = daily_load_km(ctx, t.window_days)
    mean = sum(loads) / len(loads)
    if mean <= 0:
        return RuleOutcome()
    sd = math.sqrt(sum((x - mean) ** 2 for x in loads) / len(loads))
    # Identical load every day has no spread at all: monotony is unbounded, the worst case.
    monotony = round(mean / sd, 6) if sd > 1e-9 else math.inf
    if monotony > t.warning:
        severity = Severity.WARNING
    elif monotony > t.caution:
        severity = Severity.CAUTION
    else:
        return RuleOutcome()
    weekly = sum(loads)
    finite = math.isfinite(monotony)
    return RuleOutcome(
        findings=[
            Finding(
                rule=MONOTONY,
                severity=severity,
                evidence=Evidence.C,
                why=(
                    "Your daily load barely changed this week"
                    + (f" (monotony {monotony:.1f})" if finite else "")
                    + "; without easy and rest days between harder ones, tissues around the knee "
                    "get no time to recover."
                ),
                metrics={
                    "monotony": round(monotony, 2) if finite else None,
                    "weekly_load_km": round_km(weekly),
                    "strain_km": round(weekly * monotony, 1) if finite else None,
                    "identical_daily_load": "" if finite else "yes",
                },
            )
        ]
    )
