"""Was last week's plan kept? The plan as it stood on D-7 against what was done in D-6 .. D.

Nothing is stored: the domain is pure, so the evaluation of D recomputes the plan of D-7 and
compares it here, field by field. Distances (and climbing) get a tolerance for GPS noise. A plan is
broken when a limit was exceeded; missed strength or cross-training sessions are shown as not kept
but do not break it (they are targets, not limits on load).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping, Sequence

from coaching.domain.plan_model import Plan
from coaching.domain.rules.base import RuleContext
from coaching.domain.rules.intensity import recent_hard_runs
from coaching.domain.stats import round_km

# Limits on load: exceeding one breaks the plan.
LIMIT_FIELDS = ("max_run_km", "weekly_km", "rest_days_min", "hard_runs_max", "climb_m_max")
# Targets: shown, but falling short does not break the plan.
TARGET_FIELDS = ("cross_training_min", "strength_sessions")


@dataclass(frozen=True)
class FieldCheck:
    planned: object  # as in the plan: a number, or (low, high) for weekly_km
    done: float | int
    kept: bool


@dataclass(frozen=True)
class PlanCheck:
    first_day: date  # D-6
    last_day: date  # D
    fields: Mapping[str, FieldCheck]

    @property
    def broken(self) -> tuple[str, ...]:
        """The limits that were exceeded, in the plan's order."""
        return tuple(name for name in LIMIT_FIELDS if name in self.fields and not self.fields[name].kept)

    @property
    def kept(self) -> bool:
        return not self.broken

    def as_dict(self) -> dict[str, object]:
        """The JSON shape (`coach evaluate`'s "plan_check")."""
        return {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "kept": self.kept,
            "broken": list(self.broken),
            "fields": {
                name: {
                    "planned": list(c.planned) if isinstance(c.planned, tuple) else c.planned,
                    "done": c.done,
                    "kept": c.kept,
                }
                for name, c in self.fields.items()
            },
        }


def broken_weeks_running(checks: Sequence[PlanCheck | None]) -> int:
    """How many weeks in a row, newest first, the plan was broken (a week without a plan ends it)."""
    count = 0
    for check in checks:
        if check is None or check.kept:
            break
        count += 1
    return count


def check_plan(plan: Plan, ctx: RuleContext) -> PlanCheck:
    """`plan` was made on D-7 (it covers D-6 .. D); `ctx` is the evaluation context of D."""
    h = ctx.history
    tolerance = 1.0 + ctx.thresholds.plan.distance_tolerance_pct / 100.0
    first, last = h.day(6), h.last_day
    runs = h.runs_between(first, last)
    longest_km = round_km(max((run.km for run in runs), default=0.0))
    week_km = round_km(h.run_km_between(first, last))
    rest_days = 7 - len({run.day for run in runs})
    low_km, high_km = plan.weekly
    checks: dict[str, FieldCheck] = {
        "max_run_km": FieldCheck(plan.max_run, longest_km, longest_km <= plan.max_run * tolerance),
        # Running less than the low end is not a broken plan: the low end guards fitness, not the knee.
        "weekly_km": FieldCheck((low_km, high_km), week_km, week_km <= high_km * tolerance),
        "rest_days_min": FieldCheck(plan.rest_days_min.value, rest_days, rest_days >= plan.rest_days_min.value),  # type: ignore[operator]
    }
    hard = len(recent_hard_runs(ctx))
    checks["hard_runs_max"] = FieldCheck(plan.hard_runs_max.value, hard, hard <= plan.hard_runs_max.value)  # type: ignore[operator]
    if plan.climb_m_max is not None:
        climb_m = round(sum(run.activity.elevation_gain_m for run in runs if run.activity.sport_type != "VirtualRun"), 1)
        planned_m = float(plan.climb_m_max.value)  # type: ignore[arg-type]
        checks["climb_m_max"] = FieldCheck(planned_m, climb_m, climb_m <= planned_m * tolerance)
    cross_min = round(h.cross_training_min_between(first, last), 1)
    planned_min = plan.cross_training_min.value
    checks["cross_training_min"] = FieldCheck(planned_min, cross_min, cross_min >= planned_min)  # type: ignore[operator]
    strength = h.strength_sessions_between(first, last)
    planned_sessions = plan.strength_sessions.value
    checks["strength_sessions"] = FieldCheck(planned_sessions, strength, strength >= planned_sessions)  # type: ignore[operator]
    return PlanCheck(first_day=date.fromordinal(first), last_day=h.as_of, fields=checks)
