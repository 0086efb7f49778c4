"""Real evaluations for the plan's messages: the demo's Chloe (a 21.1 km spike after 8.4 km runs)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Activity, Evaluation, PainCheckin

SUNDAY = date(2025, 3, 2)
NOW_UTC = datetime(2025, 3, 3, 6, 0, tzinfo=timezone.utc)


def _run(activity_id: int, day: date, km: float) -> Activity:
    start = datetime.combine(day, datetime.min.time()).replace(hour=7)
    moving_s = int(km * 330)
    return Activity(activity_id, "Run", start, start.replace(tzinfo=timezone.utc), km * 1000.0, moving_s, moving_s,
                    average_speed_mps=km * 1000.0 / moving_s)


def chloe(as_of: date = SUNDAY, checkins: tuple[PainCheckin, ...] = (), units: str = "metric") -> Evaluation:
    """Runs of 8.4 km every third day for ten weeks, then 21.1 km on `SUNDAY`."""
    runs = [_run(100 + n, SUNDAY - timedelta(days=3 * n), 8.4) for n in range(1, 24)]
    runs.append(_run(99, SUNDAY, 21.1))
    return evaluate(runs, as_of, checkins=checkins, units=units)
