"""The plan's vocabulary: one limit (value, what set it, why, its evidence) and the plan of seven days."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date

from coaching.domain.model import Evidence

PLAN = "plan"  # the id in `skipped` when there is no plan
BASELINE = "baseline"
PAIN = "pain"
NORMAL, HOLD, STOP = "normal", "hold", "stop"
PLAN_DAYS = 7


@dataclass(frozen=True)
class Limit:
    """One field of the plan: its value and what set it. `value` is km, m, minutes, a count, a
    (low, high) km pair for `weekly_km`, or the running mode."""

    value: object
    set_by: str
    why: str
    evidence: Evidence


@dataclass(frozen=True)
class Plan:
    first_day: date  # D+1
    last_day: date  # D+7
    running: Limit  # normal | hold | stop
    max_run_km: Limit
    weekly_km: Limit  # (low, high)
    rest_days_min: Limit
    hard_runs_max: Limit
    climb_m_max: Limit | None  # None: no climbing limit
    cross_training_min: Limit
    strength_sessions: Limit
    pain_score: int | None = None  # the latest recent check-in, if any

    def limits(self) -> dict[str, Limit | None]:
        """Every field but the running mode, in the order of RULES.md's table."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_LIMITS}

    def as_dict(self) -> dict[str, object]:
        """The JSON shape (`coach evaluate`'s "plan"): km, m, minutes; `null` for no limit."""
        document: dict[str, object] = {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "running": self.running.value,
            "running_why": self.running.why,
            "pain_score": self.pain_score,
        }
        for name, limit in self.limits().items():
            document[name] = None if limit is None else {
                "value": list(limit.value) if isinstance(limit.value, tuple) else limit.value,
                "set_by": limit.set_by,
                "why": limit.why,
                "evidence": limit.evidence.value,
            }
        return document

    @property
    def max_run(self) -> float:
        return float(self.max_run_km.value)  # type: ignore[arg-type]

    @property
    def weekly(self) -> tuple[float, float]:
        return self.weekly_km.value  # type: ignore[return-value]


_NOT_LIMITS = {"first_day", "last_day", "running", "pain_score"}


def floor_1(value: float) -> float:
    """Caps are rounded down to 0.1, so that following one to the shown decimal keeps it."""
    return math.floor(round(max(value, 0.0) * 10, 6)) / 10


def ceil_1(value: float) -> float:
    return math.ceil(round(max(value, 0.0) * 10, 6)) / 10
