"""Strava's running cadence is per leg (strides/min); coaching talks in steps/min."""

from __future__ import annotations

import math

# A raw value above this is already steps/min (some devices and imports write steps), so doubling
# it would give an impossible 300+ spm. RULES.md, Conventions.
STRIDE_GUARD_SPM = 120.0


def steps_per_min(raw_cadence: float | None, stride_guard_spm: float = STRIDE_GUARD_SPM) -> float | None:
    if raw_cadence is None or not math.isfinite(raw_cadence) or raw_cadence <= 0:
        return None
    if raw_cadence > stride_guard_spm:
        return float(raw_cadence)
    return 2.0 * raw_cadence
