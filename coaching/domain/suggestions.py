"""RULES.md's suggestion catalogue, filled with the runner's own numbers in the runner's units.

No text is invented at run time (Strava's API terms forbid feeding its data to a language model):
each category has fixed wording; a rule's finding supplies the numbers through its metrics.
"""

from __future__ import annotations

from typing import Callable, Mapping

from coaching.domain.model import Finding, Severity, Suggestion
from coaching.domain.rules import base as r
from coaching.domain.units import format_distance_km

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
    # The plan for the next 7 days is the one place its numbers appear: suggestions point to it.
    if finding.rule == r.LONG_RUN_SPIKE:
        return (
            "Keep every run of the next 7 days within your plan's longest run, and take a rest day "
            "or an easy day after this one."
        )
    if finding.rule == r.RETURN_AFTER_BREAK:
        return (
            "Return step by step: short runs within your plan (about half your usual run), "
            "walk-run if needed, a day between runs, and no more than 10 % more a week."
        )
    if finding.rule == r.WEEKLY_RAMP:
        return (
            "Hold next week within your plan's weekly distance instead of building on this week's "
            "total, and keep at least one rest day."
        )
    if finding.rule == r.ACWR:
        if m.get("label") == "detraining":
            return "Rebuild gradually towards your usual week, adding no more than 10 % a week."
        return "Take a rest day and keep to your plan's weekly distance."
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
            "Keep at least one easy day between hard sessions, and no more hard runs than your "
            "plan allows this week."
        )
    if finding.rule == r.PAIN_REPORTED:
        if finding.severity >= Severity.WARNING:
            return (
                f"Stop running until the knee settles (pain {_score(m)}): rest, cycle or swim "
                "instead, and see a physiotherapist if the pain lasts beyond two weeks."
            )
        return (
            f"Let pain be your guide (pain {_score(m)}): only easy runs no longer than your plan "
            "allows, no speed work, and stop a run if the pain rises."
        )
    return "Take a rest day and hold weekly distance within your plan."


def _score(m: Metrics) -> str:
    score = _number(m, "pain_score")
    return "reported" if score is None else f"{score:.0f}/10"


def _cross_training(finding: Finding, m: Metrics, units: str) -> str:
    if finding.rule == r.NO_CROSS_TRAINING:
        return (
            "Add some cycling or swimming this week; low-impact training keeps fitness growing "
            "without loading the knee."
        )
    # Minutes of one session are no cap on the week: the plan holds the week's total.
    minutes = int(_number(m, "swap_cross_training_min") or 0)
    if finding.rule == r.PAIN_REPORTED:
        if finding.severity >= Severity.WARNING:
            return (
                f"Swap every run for the same minutes of cycling or swimming (about {minutes} minutes "
                "a session) while the knee settles."
            )
        return (
            f"Swap runs for the same minutes of cycling or swimming (about {minutes} minutes a "
            "session) when the knee complains."
        )
    if finding.rule == r.NO_REST_DAY:
        return f"Swap tomorrow's run for {minutes} minutes of easy cycling or swimming."
    if minutes <= 0:
        return ""
    return (
        "Swap the distance your plan cuts for the same time of cycling or swimming: your plan "
        "says how many minutes."
    )


def _strength(finding: Finding, m: Metrics, units: str) -> str:
    # The finding's own `why` already says how many sessions the runner averages.
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
    if m.get("reason") == "single shoe":
        so_far = f" ({format_distance_km(km, units)} so far)" if km is not None else ""
        return f"All your recent runs were in {name}{so_far}. {SHOE_CHOICE_TEXT}"
    mileage = f" has {format_distance_km(km, units)}" if km is not None else ""
    return f"{name}{mileage}: plan a replacement. {SHOE_CHOICE_TEXT}"


def _terrain(finding: Finding, m: Metrics, units: str) -> str:
    return f"Keep weekly climbing within your plan for now. {TERRAIN_TEXT}"


_WRITERS: dict[str, Callable[[Finding, Metrics, str], str]] = {
    "recovery": _recovery,
    "cross-training": _cross_training,
    "strength": _strength,
    "cadence": _cadence,
    "shoes": _shoes,
    "terrain": _terrain,
    "warm-up": lambda finding, m, units: WARM_UP_TEXT,
}
