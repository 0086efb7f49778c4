"""Numbers in the runner's own units (Strava's measurement_preference: meters -> metric, feet ->
imperial). Only text is converted; every stored or serialised number stays metric."""

from __future__ import annotations

import math

KM_PER_MILE = 1.609344
FEET_PER_METRE = 3.280839895

UNITS = ("metric", "imperial")


def normalise_units(units: str | None) -> str:
    """Accepts our names and Strava's ("meters", "feet"); anything else falls back to metric."""
    value = (units or "").strip().lower()
    if value in ("imperial", "feet", "foot", "ft", "miles", "mi"):
        return "imperial"
    return "metric"


def format_distance_km(km: float, units: str) -> str:
    if units == "imperial":
        return f"{km / KM_PER_MILE:.1f} mi"
    return f"{km:.1f} km"


def format_distance_cap_km(km: float, units: str) -> str:
    """A limit in the runner's units, rounded down so that keeping to the shown decimal keeps it."""
    value = km / KM_PER_MILE if units == "imperial" else km
    shown = math.floor(round(max(value, 0.0) * 10, 6)) / 10
    return f"{shown:.1f} {distance_unit(units)}"


def format_elevation_m(metres: float, units: str) -> str:
    if units == "imperial":
        return f"{metres * FEET_PER_METRE:.0f} ft"
    return f"{metres:.0f} m"


def distance_unit(units: str) -> str:
    return "mi" if units == "imperial" else "km"
