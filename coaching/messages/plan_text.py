"""The plan for the next 7 days and last week's plan check, in words and the reader's units.

One wording for every place that shows the plan (the alert, the weekly summary, the push line,
the digest, the coach page, `coach evaluate --format text`), so that they never disagree. Caps
are rounded down and floors up in the reader's units: keeping to the shown number keeps the plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from coaching.domain.plan_model import HOLD, STOP, Limit, Plan
from coaching.domain.plan_check import LIMIT_FIELDS, PlanCheck
from coaching.domain.units import KM_PER_MILE, distance_unit, format_distance_cap_km, format_elevation_m

RUNNING_WORDS = {"normal": "run as planned", HOLD: "hold: no progression", STOP: "stop running for now"}
LABELS = {
    "max_run_km": "Longest run",
    "weekly_km": "Running this week",
    "rest_days_min": "Rest days",
    "hard_runs_max": "Hard runs",
    "climb_m_max": "Climbing",
    "cross_training_min": "Cycling or swimming",
    "strength_sessions": "Strength sessions",
}


@dataclass(frozen=True)
class PlanLine:
    field: str
    label: str
    value: str  # "at most 9.2 km"
    why: str
    set_by: str  # a rule id, "baseline" or "pain"

    @property
    def tightened(self) -> bool:
        return self.set_by != "baseline"


@dataclass(frozen=True)
class CheckLine:
    field: str
    label: str
    planned: str
    done: str
    kept: bool
    limit: bool  # a limit on load (breaks the plan) rather than a target


def _floor_in_units(km: float, units: str) -> float:
    value = km / KM_PER_MILE if units == "imperial" else km
    return math.floor(round(max(value, 0.0) * 10, 6)) / 10


def _ceil_in_units(km: float, units: str) -> float:
    value = km / KM_PER_MILE if units == "imperial" else km
    return math.ceil(round(max(value, 0.0) * 10, 6)) / 10


def weekly_range(low_km: float, high_km: float, units: str) -> str:
    high = _floor_in_units(high_km, units)
    low = min(_ceil_in_units(low_km, units), high)
    unit = distance_unit(units)
    if high <= 0:
        return f"0 {unit}"
    return f"{low:.1f}–{high:.1f} {unit}" if low < high else f"{high:.1f} {unit}"


def _value_text(name: str, limit: Limit, units: str) -> str:
    value = limit.value
    if name == "max_run_km":
        return "no running" if float(value) <= 0 else f"at most {format_distance_cap_km(float(value), units)}"  # type: ignore[arg-type]
    if name == "weekly_km":
        low, high = value  # type: ignore[misc]
        return "none" if high <= 0 else weekly_range(low, high, units)
    if name == "rest_days_min":
        return f"at least {value}"
    if name == "hard_runs_max":
        return "none" if value == 0 else f"at most {value}"
    if name == "climb_m_max":
        return f"at most {format_elevation_m(float(value), units)} this week"  # type: ignore[arg-type]
    if name == "cross_training_min":
        return "optional" if value == 0 else f"about {value} min"
    if name == "strength_sessions":
        return f"{value}"
    return str(value)


def plan_lines(plan: Plan, units: str) -> list[PlanLine]:
    """Every limit of the plan, in RULES.md's order; no line for 'no climbing limit'."""
    return [
        PlanLine(name, LABELS[name], _value_text(name, limit, units), limit.why, limit.set_by)
        for name, limit in plan.limits().items()
        if limit is not None
    ]


def running_words(plan: Plan) -> str:
    return RUNNING_WORDS.get(str(plan.running.value), str(plan.running.value))


def plan_headline(plan: Plan, units: str) -> str:
    """The plan in one line (the push message, the digest): the numbers a runner acts on."""
    if plan.running.value == STOP:
        return (
            f"Next 7 days: no running (knee pain); about {plan.cross_training_min.value} min of cycling "
            "or swimming instead; see a physiotherapist if the pain lasts beyond two weeks."
        )
    low, high = plan.weekly
    parts = [
        f"runs up to {format_distance_cap_km(plan.max_run, units)}",
        f"{weekly_range(low, high, units)} in all",
        f"{plan.rest_days_min.value}+ rest day{'s' if plan.rest_days_min.value != 1 else ''}",
    ]
    hard = plan.hard_runs_max.value
    parts.append("no hard runs" if hard == 0 else f"at most {hard} hard run{'s' if hard != 1 else ''}")
    if plan.climb_m_max is not None:
        parts.append(f"climbing up to {format_elevation_m(float(plan.climb_m_max.value), units)}")  # type: ignore[arg-type]
    prefix = "Next 7 days (hold, knee pain)" if plan.running.value == HOLD else "Next 7 days"
    return f"{prefix}: " + ", ".join(parts) + "."


def _done_text(name: str, done: float, units: str) -> str:
    if name in ("max_run_km", "weekly_km"):
        value = done / KM_PER_MILE if units == "imperial" else done
        return f"{value:.1f} {distance_unit(units)}"
    if name == "climb_m_max":
        return format_elevation_m(done, units)
    if name == "cross_training_min":
        return f"{done:.0f} min"
    return f"{done:g}"


def check_lines(check: PlanCheck, units: str) -> list[CheckLine]:
    """Each field of last week's plan: what was planned, what was done, kept or not."""
    lines = []
    for name, field_check in check.fields.items():
        planned = field_check.planned
        if name not in LIMIT_FIELDS and not planned:
            continue  # a target of nothing (no cycling asked for) is no line
        if name == "weekly_km":
            planned_text = "no running" if planned[1] <= 0 else f"up to {format_distance_cap_km(planned[1], units)}"  # type: ignore[index]
        elif name == "max_run_km":
            planned_text = "no running" if float(planned) <= 0 else f"up to {format_distance_cap_km(float(planned), units)}"  # type: ignore[arg-type]
        elif name == "climb_m_max":
            planned_text = f"up to {format_elevation_m(float(planned), units)}"  # type: ignore[arg-type]
        elif name in ("rest_days_min", "cross_training_min", "strength_sessions"):
            planned_text = f"at least {planned}{' min' if name == 'cross_training_min' else ''}"
        else:
            planned_text = f"at most {planned}"
        lines.append(CheckLine(
            name, LABELS[name], planned_text, _done_text(name, float(field_check.done), units),  # type: ignore[arg-type]
            field_check.kept, name in LIMIT_FIELDS,
        ))
    return lines


def check_summary(check: PlanCheck) -> str:
    """'kept' or 'not kept: longest run, running this week' (the limits that were exceeded)."""
    if check.kept:
        return "kept"
    return "not kept: " + ", ".join(LABELS[name].lower() for name in check.broken)
