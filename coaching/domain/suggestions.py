"""RULES.md's suggestion catalogue, filled with the runner's own numbers in the runner's units.

No text is invented at run time (Strava's API terms forbid feeding its data to a language model):
each category has fixed wording; a rule's finding supplies the numbers through its metrics.
"""

from __future__ import annotations

from typing import Callable, Mapping

from coaching.domain.model import Finding, Suggestion
from coaching.domain.rules import base as r
from coaching.domain.units import format_distance_km, format_elevation_m

Metrics = Mapping[str, object]

# RULES.md, the rules table's "suggestions" column.
CATEGORIES_BY_RULE: dict[str, tuple[str, ...]] = {
    r.LONG_RUN_SPIKE: ("recovery", "strength"),
    r.RETURN_AFTER_BREAK: ("recovery", "cross-training"),
    r.WEEKLY_RAMP: ("recovery", "cross-training"),
    r.ACWR: ("recovery",),
    r.NO_REST_DAY: ("recovery", "cross-training"),
    r.MONOTONY: ("recovery",),
    r.INTENSITY_JUMP: ("recovery",),
    r.HILL_JUMP: ("terrain",),
    r.LOW_CADENCE: ("cadence",),
    r.SHOE_MILEAGE: ("shoes",),
    r.NO_CROSS_TRAINING: ("cross-training",),
    r.STRENGTH_MISSING: ("strength",),
    r.PAIN_REPORTED: ("recovery", "cross-training"),
}

STRENGTH_TEXT = (
    "Strengthen the hips and thighs 2-3 times a week: glute bridges 3 x 12, clamshells 3 x 15 "
    "each side, side-lying leg raises 3 x 12 each side, plus a quad exercise such as step-downs "
    "3 x 10 each leg or a wall sit 3 x 30-45 s."
)
WARM_UP_TEXT = "Warm up for 5-10 minutes before runs: leg swings and walking lunges."
TERRAIN_TEXT = (
    "Add hills and trails gradually; shorten your stride on downhills and mix in flat, softer surfaces."
)
SHOE_CHOICE_TEXT = (
    "Rotate a second pair; pick stability, neutral or max-cushion shoes to suit your feet and "
    "your usual surface."
)


def suggest(finding: Finding, units: str) -> tuple[Suggestion, ...]:
    result = []
    for category in CATEGORIES_BY_RULE.get(finding.rule, ()):
        text = _WRITERS[category](finding, finding.metrics, units)
        if text:
            result.append(Suggestion(category, text))
    return tuple(result)


def warm_up() -> Suggestion:
    return Suggestion("warm-up", WARM_UP_TEXT)


def _number(metrics: Metrics, key: str) -> float | None:
    value = metrics.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _recovery(finding: Finding, m: Metrics, units: str) -> str:
    km = lambda key: format_distance_km(_number(m, key) or 0.0, units)  # noqa: E731
    if finding.rule == r.LONG_RUN_SPIKE:
        return (
            f"Keep your next long run under {km('next_long_run_max_km')} and take a rest day "
            "or an easy day after this one."
        )
    if finding.rule == r.RETURN_AFTER_BREAK:
        return (
            f"Return step by step: keep runs under {km('restart_run_max_km')} (half your usual "
            f"{km('usual_run_km')}), walk-run if needed, leave a day between runs and add no more "
            "than 10 % a week."
        )
    if finding.rule == r.WEEKLY_RAMP:
        return (
            f"Hold next week near last week's {km('previous_week_km')} instead of building on this "
            "week's total, and keep at least one rest day."
        )
    if finding.rule == r.ACWR:
        if m.get("label") == "detraining":
            return (
                f"Rebuild gradually towards your usual {km('chronic_weekly_km')} a week, adding no "
                "more than 10 % a week."
            )
        return f"Take a rest day and hold weekly distance near your usual {km('chronic_weekly_km')}."
    if finding.rule == r.NO_REST_DAY:
        return (
            f"Take a rest day: you have run {int(_number(m, 'run_streak_days') or 0)} days in a row, "
            "and tissues adapt on the days off."
        )
    if finding.rule == r.MONOTONY:
        return (
            "Vary your days: make one day clearly easier or a rest day, and keep the long run "
            "and the short easy runs different."
        )
    if finding.rule == r.INTENSITY_JUMP:
        return (
            "Keep at least one easy day between hard sessions and no more than "
            f"{int(_number(m, 'suggested_hard_runs_7d') or 1)} hard runs this week."
        )
    if finding.rule == r.PAIN_REPORTED:
        return (
            "Let pain be your guide: rest or run only easy and short while knee pain is above "
            "2/10, and see a physiotherapist if it does not settle within a week or two."
        )
    return "Take a rest day and hold weekly distance near last week's."


def _cross_training(finding: Finding, m: Metrics, units: str) -> str:
    minutes = int(_number(m, "swap_cross_training_min") or 0)
    if finding.rule == r.NO_CROSS_TRAINING:
        minutes = int(_number(m, "suggested_cross_training_min") or minutes)
        return (
            f"Add about {minutes} minutes of cycling or swimming this week; low-impact training "
            "keeps fitness growing without loading the knee."
        )
    if finding.rule == r.PAIN_REPORTED:
        return (
            f"Swap runs for the same minutes of cycling or swimming (about {minutes} minutes a "
            "session) while the knee settles."
        )
    if finding.rule == r.NO_REST_DAY:
        return f"Swap tomorrow's run for {minutes} minutes of easy cycling or swimming."
    if minutes <= 0:
        return ""
    return (
        f"Swap part of the increase for the same minutes of cycling or swimming: about {minutes} "
        "minutes this week."
    )


def _strength(finding: Finding, m: Metrics, units: str) -> str:
    sessions = _number(m, "strength_sessions_per_week")
    if finding.rule == r.STRENGTH_MISSING and sessions is not None:
        return f"You average {sessions:.1f} strength sessions a week. {STRENGTH_TEXT}"
    return STRENGTH_TEXT


def _cadence(finding: Finding, m: Metrics, units: str) -> str:
    current = _number(m, "cadence_spm")
    target = _number(m, "target_cadence_spm")
    if current is None or target is None:
        return ""
    return (
        f"On easy runs try {target:.0f} steps/min (your {current:.0f} + 5 %, not a universal 180) "
        "with a metronome; shorten your stride and land under your hips."
    )


def _shoes(finding: Finding, m: Metrics, units: str) -> str:
    name = str(m.get("shoe_name") or "your shoe")
    km = _number(m, "shoe_km")
    mileage = f" has {format_distance_km(km, units)}" if km is not None else ""
    if m.get("reason") == "single shoe":
        return f"All your recent runs were in {name}{mileage}. {SHOE_CHOICE_TEXT}"
    return f"{name}{mileage}: plan a replacement. {SHOE_CHOICE_TEXT}"


def _terrain(finding: Finding, m: Metrics, units: str) -> str:
    usual = _number(m, "usual_weekly_gain_m")
    if usual is not None and usual > 0:
        return f"Keep weekly climbing near your usual {format_elevation_m(usual, units)} for now. {TERRAIN_TEXT}"
    return TERRAIN_TEXT


_WRITERS: dict[str, Callable[[Finding, Metrics, str], str]] = {
    "recovery": _recovery,
    "cross-training": _cross_training,
    "strength": _strength,
    "cadence": _cadence,
    "shoes": _shoes,
    "terrain": _terrain,
    "warm-up": lambda finding, m, units: WARM_UP_TEXT,
}
