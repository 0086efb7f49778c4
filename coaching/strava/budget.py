"""Strava's per-application request budget, read from its rate-limit headers.

stravalib's default limiter sleeps until the window resets (up to ~17 h at the daily limit). A
nightly flow must never do that: we stop cleanly and carry on in the next run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Mapping

from coaching.strava.errors import BudgetExhausted


@dataclass(frozen=True)
class Usage:
    short_used: int
    daily_used: int
    short_limit: int
    daily_limit: int


def _bucket(lowered: Mapping[str, str], prefix: str) -> tuple[int, int, int, int] | None:
    usage, limit = lowered.get(prefix + "usage"), lowered.get(prefix + "limit")
    if not usage or not limit:
        return None
    try:
        short_used, daily_used = (int(x) for x in usage.split(","))
        short_limit, daily_limit = (int(x) for x in limit.split(","))
    except ValueError:
        return None
    return short_used, daily_used, short_limit, daily_limit


def parse_usage(headers: Mapping[str, str]) -> Usage | None:
    """The tighter of the read bucket and the overall bucket, window by window: a GET counts
    against both. Header names are matched case-insensitively (recordings show
    `X-Ratelimit-Usage` and `X-RateLimit-Usage` alike)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    buckets = [b for b in (_bucket(lowered, "x-readratelimit-"), _bucket(lowered, "x-ratelimit-")) if b]
    if not buckets:
        return None
    short = min(buckets, key=lambda b: b[2] - b[0])
    daily = min(buckets, key=lambda b: b[3] - b[1])
    return Usage(short[0], daily[1], short[2], daily[3])


class RequestBudget:
    """Thread-safe view of the application's budget, shared by every client in the process.

    `margin` is the fraction of each window kept in reserve (for the web app's connects and for
    other workers whose requests we have not seen yet).
    """

    def __init__(self, margin: float = 0.1) -> None:
        self.margin = margin
        self._lock = threading.Lock()
        self._usage: Usage | None = None
        self.requests_made = 0

    @property
    def usage(self) -> Usage | None:
        return self._usage

    def record(self, headers: Mapping[str, str]) -> None:
        usage = parse_usage(headers)
        with self._lock:
            self.requests_made += 1
            if usage is not None:
                self._usage = usage

    def remaining(self) -> tuple[int, int] | None:
        usage = self._usage
        if usage is None:
            return None
        return (
            int(usage.short_limit * (1 - self.margin)) - usage.short_used,
            int(usage.daily_limit * (1 - self.margin)) - usage.daily_used,
        )

    def check(self) -> None:
        """Raise before a request that would eat into the reserve."""
        remaining = self.remaining()
        if remaining is not None and min(remaining) <= 0:
            short, daily = remaining
            window = "15-minute" if short <= 0 else "daily"
            raise BudgetExhausted(f"Strava {window} request budget spent; the next run carries on")
