"""Worn or unrotated shoes (Malisoux 2015: rotating shoes, hazard 0.61; weak for mileage)."""

from __future__ import annotations

from coaching.domain.model import Evidence, Finding, Severity
from coaching.domain.rules.base import SHOE_MILEAGE, RuleContext, RuleOutcome, skipped
from coaching.domain.stats import round_km
from coaching.domain.units import format_distance_km


def _is_shoe(gear_id: str | None) -> bool:
    return bool(gear_id) and gear_id.startswith("g")  # type: ignore[union-attr]


def find_worn_or_unrotated_shoes(ctx: RuleContext) -> RuleOutcome:
    t = ctx.thresholds.shoe_mileage
    h = ctx.history
    recent = h.runs_between(h.day(t.recent_days - 1), h.last_day)
    if not recent:
        return RuleOutcome()
    used = [r.activity.gear_id for r in recent if _is_shoe(r.activity.gear_id)]
    if not used:
        return skipped(SHOE_MILEAGE, f"no shoe recorded on the runs of the last {t.recent_days} days")
    gear = {g.id: g for g in ctx.gear if g.is_shoe}
    outcome = RuleOutcome()
    for gear_id in dict.fromkeys(used):  # first-use order, no repeats
        assert gear_id is not None
        shoe = gear.get(gear_id)
        if shoe is not None and shoe.retired:
            continue
        if shoe is not None:
            km = shoe.distance_m / 1000.0
        else:  # Strava's total is unknown: the runs we hold are a lower bound
            km = sum(r.km for r in h.runs if r.activity.gear_id == gear_id)
        name = shoe.name if shoe is not None and shoe.name else gear_id
        if km >= t.caution_km:
            severity = Severity.CAUTION
        elif km >= t.info_km:
            severity = Severity.INFO
        else:
            continue
        outcome.findings.append(
            Finding(
                rule=SHOE_MILEAGE,
                severity=severity,
                evidence=Evidence.B,
                subject=gear_id,
                why=(
                    f"Your {name} has {format_distance_km(km, ctx.units)}; worn midsoles cushion the knee less (the "
                    "evidence for a mileage limit is weak, for rotating pairs better)."
                ),
                metrics={"shoe_id": gear_id, "shoe_name": name, "shoe_km": round_km(km), "reason": "mileage"},
            )
        )
    weekly_km = sum(r.km for r in recent) / (t.recent_days / 7.0)
    only = used[0]
    if len(used) == len(recent) and all(g == only for g in used) and round(weekly_km, 6) > t.single_shoe_weekly_km:
        shoe = gear.get(only)  # type: ignore[arg-type]
        name = shoe.name if shoe is not None and shoe.name else only
        outcome.findings.append(
            Finding(
                rule=SHOE_MILEAGE,
                severity=Severity.INFO,
                evidence=Evidence.B,
                subject=f"{only}:rotation",
                why=(
                    f"Every run of the last {t.recent_days} days was in {name}; runners who rotated "
                    "several pairs had fewer injuries, the knee's among them."
                ),
                metrics={
                    "shoe_id": only,
                    "shoe_name": name,
                    "shoe_km": None if shoe is None else round_km(shoe.distance_m / 1000.0),
                    "weekly_km": round_km(weekly_km),
                    "reason": "single shoe",
                },
            )
        )
    return outcome
