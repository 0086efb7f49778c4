"""The numbers shown with every evaluation (RULES.md, "Metrics shown with every evaluation").

All values are metric and JSON-serialisable; text in the runner's units is the templates' job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from coaching.domain.daily import History
from coaching.domain.model import Gear
from coaching.domain.stats import median, round_km

WEEKS_SHOWN = 12


@dataclass(frozen=True)
class TrainingLoad:
    ctl: float  # fitness: 42-day exponentially weighted daily run km
    atl: float  # fatigue: 7-day
    tsb: float  # form: ctl - atl


def training_load(daily_km: Sequence[float], ctl_days: float = 42.0, atl_days: float = 7.0) -> TrainingLoad:
    """Exponentially weighted daily load, k = 1 - exp(-1/tau), starting from zero on day one
    (Runalyze's model, with run km as the load)."""
    k_ctl = 1.0 - math.exp(-1.0 / ctl_days)
    k_atl = 1.0 - math.exp(-1.0 / atl_days)
    ctl = atl = 0.0
    for km in daily_km:
        ctl += k_ctl * (km - ctl)
        atl += k_atl * (km - atl)
    return TrainingLoad(ctl=ctl, atl=atl, tsb=ctl - atl)


def weekly_run_km(history: History, weeks: int = WEEKS_SHOWN) -> list[float]:
    """Rolling 7-day blocks ending on the evaluation day, oldest first."""
    last = history.last_day
    return [
        round_km(history.run_km_between(last - 7 * (weeks - i) + 1, last - 7 * (weeks - 1 - i)))
        for i in range(weeks)
    ]


def shoe_km(history: History, gear: Sequence[Gear]) -> list[dict[str, object]]:
    """Each shoe's km: Strava's own gear total when we have it, else the km of the runs we hold."""
    shoes = [g for g in gear if g.is_shoe]
    known = {g.id for g in shoes}
    result: list[dict[str, object]] = [
        {"id": g.id, "name": g.name or g.id, "km": round_km(g.distance_m / 1000.0), "retired": g.retired}
        for g in shoes
    ]
    recorded: dict[str, float] = {}
    for run in history.runs:
        gear_id = run.activity.gear_id
        if gear_id and gear_id.startswith("g") and gear_id not in known:
            recorded[gear_id] = recorded.get(gear_id, 0.0) + run.km
    result.extend(
        {"id": gear_id, "name": gear_id, "km": round_km(km), "retired": False}
        for gear_id, km in sorted(recorded.items())
    )
    return result


def compute_metrics(history: History, gear: Sequence[Gear], acwr: float | None) -> dict[str, object]:
    last = history.last_day
    load = training_load(history.run_km)
    week_runs = history.runs_between(last - 6, last)
    month_runs = history.runs_between(last - 29, last)
    cadences = [r.cadence_spm for r in history.runs_between(last - 27, last) if r.cadence_spm is not None]
    cadence = median(cadences)
    return {
        "weekly_run_km": weekly_run_km(history),
        # Rounded for programs, not for people (templates round what they show): 4 decimals.
        "ctl": round(load.ctl, 4),
        "atl": round(load.atl, 4),
        "tsb": round(load.tsb, 4),
        "acwr": None if acwr is None else round(acwr, 4),
        "rest_days_7d": 7 - len({r.day for r in week_runs}),
        "runs_7d": len(week_runs),
        "longest_run_30d_km": round_km(max((r.km for r in month_runs), default=0.0)),
        "cross_training_min_7d": round(history.cross_training_min_between(last - 6, last), 1),
        "strength_sessions_7d": history.strength_sessions_between(last - 6, last),
        "median_cadence_spm": None if cadence is None else round(cadence, 1),
        "shoes": shoe_km(history, gear),
    }
