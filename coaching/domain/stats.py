"""Small numeric helpers shared by the rules: no dependencies, exact at the edges."""

from __future__ import annotations

from typing import Sequence

# Percentages and ratios are rounded before they meet a threshold so that a ramp of exactly 10 %
# (11 km after 10 km) is 10.0, not 10.000000000000009, and does not trip a "> 10 %" rule.
_DIGITS = 9


def pct_change(new: float, base: float) -> float:
    return round(100.0 * (new / base - 1.0), _DIGITS)


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, _DIGITS)


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def round_km(km: float) -> float:
    return round(km, 2)
