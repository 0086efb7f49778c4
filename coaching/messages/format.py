"""Units and formatting for messages: km or miles, m or ft, durations, dates in English.

Dates are formatted by hand rather than with `strftime` because `%a`/`%b` follow the process
locale, and a worker with `LANG=de_DE` would otherwise write "Di 4 Mär" into an English email.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from coaching.domain.units import KM_PER_MILE, distance_unit, format_distance_km, format_elevation_m

Units = Literal["metric", "imperial"]

# Strava's athlete `measurement_preference` is "meters" or "feet"; ours is metric or imperial.
_UNIT_ALIASES: dict[str, Units] = {
    "metric": "metric",
    "meters": "metric",
    "km": "metric",
    "imperial": "imperial",
    "feet": "imperial",
    "mi": "imperial",
}

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def normalize_units(value: str) -> Units:
    """Strict, unlike the domain's fallback to metric: a recipient with unknown units is a bug in
    whoever built it, and a wrong unit in an email is worse than no email."""
    try:
        return _UNIT_ALIASES[value.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown units {value!r}: expected metric or imperial") from None


def convert_km(km: float, units: Units) -> float:
    return km / KM_PER_MILE if units == "imperial" else km


def format_distance(km: float, units: Units) -> str:
    # The domain's formatter, so a suggestion's "12.0 km" and a message's "12.0 km" match.
    return format_distance_km(km, units)


def format_distance_range(low_km: float, high_km: float, units: Units) -> str:
    """Whole numbers rounded inwards (the floor up, the ceiling down), so that following the range
    as shown never crosses the limit it came from; tenths when whole numbers would not fit."""
    low, high = convert_km(low_km, units), convert_km(high_km, units)
    whole_low, whole_high = math.ceil(round(low, 6)), math.floor(round(high, 6))
    if whole_high - whole_low >= 2:
        return f"{whole_low:,}–{whole_high:,} {distance_unit(units)}"
    tenth_low, tenth_high = math.ceil(round(low * 10, 6)) / 10, math.floor(round(high * 10, 6)) / 10
    return f"{tenth_low:,.1f}–{max(tenth_low, tenth_high):,.1f} {distance_unit(units)}"


def format_elevation(m: float, units: Units) -> str:
    return format_elevation_m(m, units)


def format_pace(speed_mps: float, units: Units) -> str:
    if speed_mps <= 0:
        return "–"
    metres_per_unit = 1000.0 * (KM_PER_MILE if units == "imperial" else 1.0)
    total_s = round(metres_per_unit / speed_mps)
    return f"{total_s // 60}:{total_s % 60:02d} /{distance_unit(units)}"


def format_duration(seconds: float) -> str:
    total_min = max(0, round(seconds / 60))
    hours, minutes = divmod(total_min, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def format_cadence(spm: float | None) -> str:
    return "–" if spm is None else f"{spm:.0f} spm"


def format_pct(pct: float, *, signed: bool = False) -> str:
    return f"{pct:+.0f}%" if signed else f"{pct:.0f}%"


def format_number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) < 10:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if abs(value) < 100:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def format_day(day: date) -> str:
    """'Tue 4 Mar'."""
    return f"{_DAY_NAMES[day.weekday()][:3]} {day.day} {_MONTH_NAMES[day.month - 1][:3]}"


def format_short_date(day: date) -> str:
    """'24 Feb'."""
    return f"{day.day} {_MONTH_NAMES[day.month - 1][:3]}"


def format_long_day(day: date) -> str:
    """'Tuesday 4 March 2025'."""
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def format_day_range(first: date, last: date) -> str:
    """'24 Feb – 2 Mar 2025' (the year once, at the end, unless the range spans two years)."""
    first_text = format_short_date(first)
    if first.year != last.year:
        first_text += f" {first.year}"
    return f"{first_text} – {format_short_date(last)} {last.year}"


def to_local(moment_utc: datetime, tz: str) -> datetime:
    if moment_utc.tzinfo is None:
        raise ValueError("expected an aware datetime (UTC); naive times are ambiguous")
    return moment_utc.astimezone(ZoneInfo(tz))


def format_local_datetime(moment_utc: datetime, tz: str) -> str:
    """'Mon 3 Mar 2025, 07:05' in the reader's time zone."""
    local = to_local(moment_utc, tz)
    return f"{format_day(local.date())} {local.year}, {local:%H:%M}"


# Metric keys carry their unit as a suffix (RULES.md: _km, _m, _spm, _pct); a rolling window
# ("hard_runs_7d", "cross_training_min_7d") or a period ("acute_km_per_day") may follow it.
_PERIOD_SUFFIXES = (("_per_day", "/day"), ("_per_week", "/week"), ("_weekly", "/week"))
_WINDOW_SUFFIX = re.compile(r"_(\d+d)$")
_WINDOW_WORD = re.compile(r"^\d+d$")
_UNIT_SUFFIXES = ("_km", "_m", "_spm", "_pct", "_min", "_s", "_mps", "_bpm")
# Keys whose words do not make a label.
_LABELS = {"acwr": "Acute:chronic ratio"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_metric(key: str, value: float | int | str | None, units: Units) -> str:
    """One of a finding's numbers, formatted by its key's unit suffix, in the reader's units."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return format_day(date.fromisoformat(value)) if _ISO_DAY.match(value) else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and not math.isfinite(value):
        return "–"
    base, period = _split_period(_WINDOW_SUFFIX.sub("", key))
    return _format_by_unit(base, value, units) + period


def metric_label(key: str) -> str:
    """'longest_previous_km' -> 'Longest previous', 'hard_runs_7d' -> 'Hard runs (7d)': the unit
    and the period ('/week') show in the value, not the label."""
    if key in _LABELS:
        return _LABELS[key]
    window = _WINDOW_SUFFIX.search(key)
    base, _period = _split_period(_WINDOW_SUFFIX.sub("", key))
    for suffix in _UNIT_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    words = [f"({w})" if _WINDOW_WORD.match(w) else w for w in base.split("_") if w]
    if window:
        words.append(f"({window.group(1)})")
    text = " ".join(words) or key
    return text[0].upper() + text[1:]


def _split_period(key: str) -> tuple[str, str]:
    for suffix, label in _PERIOD_SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)], label
    return key, ""


def _format_by_unit(key: str, value: float | int, units: Units) -> str:
    if key.endswith("_km"):
        return format_distance(value, units)
    if key.endswith("_m"):
        return format_elevation(value, units)
    if key.endswith("_spm"):
        return format_cadence(value)
    if key.endswith("_pct"):
        return format_pct(value)
    if key.endswith("_min"):
        return format_duration(value * 60)
    if key.endswith("_s"):
        return format_duration(value)
    if key.endswith("_mps"):
        return format_pace(value, units)
    if key.endswith("_bpm"):
        return f"{value:.0f} bpm"
    return format_number(value)
