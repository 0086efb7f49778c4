"""What protects the knee and is missing: cross-training and strength work."""

from __future__ import annotations

from coaching.domain.model import Evidence, Finding, Severity
from coaching.domain.rules.base import (
    CROSS_TRAINING_TRIGGER_RULES,
    KNEE_LOAD_RULES,
    NO_CROSS_TRAINING,
    STRENGTH_MISSING,
    RuleContext,
    RuleOutcome,
    fired,
    skipped,
)


def find_no_cross_training(ctx: RuleContext) -> RuleOutcome:
    """Load rising (long-run-spike, weekly-ramp or acwr at caution or above) with no low-impact work."""
    t = ctx.thresholds.no_cross_training
    h = ctx.history
    if not fired(ctx.earlier, CROSS_TRAINING_TRIGGER_RULES, Severity.CAUTION):
        return RuleOutcome()
    minutes = h.cross_training_min_between(h.day(t.window_days - 1), h.last_day)
    if minutes > 0:
        return RuleOutcome()
    excess = [
        f.metrics.get("swap_cross_training_min") for f in ctx.earlier if f.rule in CROSS_TRAINING_TRIGGER_RULES
    ]
    suggested = max([t.suggested_minutes] + [m for m in excess if isinstance(m, (int, float))])
    return RuleOutcome(
        findings=[
            Finding(
                rule=NO_CROSS_TRAINING,
                severity=Severity.INFO,
                evidence=Evidence.B,
                why=(
                    "Your running load is rising with no cycling, swimming or other low-impact "
                    "training this week; it builds fitness without the knee's impact load."
                ),
                metrics={"cross_training_min_7d": 0, "suggested_cross_training_min": int(suggested)},
            )
        ]
    )


def find_strength_missing(ctx: RuleContext) -> RuleOutcome:
    """The article's 2-3 strength sessions a week (Lauersen 2018: RR 0.34 for sport injuries)."""
    t = ctx.thresholds.strength_missing
    h = ctx.history
    first = h.day(t.window_days - 1)
    if not h.covers(first):
        return skipped(STRENGTH_MISSING, f"needs {t.window_days} days of history")
    sessions = h.strength_sessions_between(first, h.last_day)
    per_week = round(sessions / (t.window_days / 7.0), 6)
    if per_week >= t.min_sessions_per_week:
        return RuleOutcome()
    knee_load = fired(ctx.earlier, KNEE_LOAD_RULES)
    return RuleOutcome(
        findings=[
            Finding(
                rule=STRENGTH_MISSING,
                severity=Severity.CAUTION if knee_load else Severity.INFO,
                evidence=Evidence.A,
                why=(
                    ("You did no strength work in the last 4 weeks" if sessions == 0 else
                     f"You average {per_week:.1f} strength sessions a week")
                    + "; hip and thigh strength "
                    "steadies the knee and cut sports injuries by about two thirds in trials"
                    + (", and your knee load is rising." if knee_load else ".")
                ),
                metrics={
                    "strength_sessions_28d": sessions,
                    "strength_sessions_per_week": round(per_week, 2),
                },
            )
        ]
    )
