"""Strava's application-wide request budget (API.md §3): a 15-minute window that resets on the
clock quarter-hours and a daily window that resets at midnight UTC, for all requests ("overall")
and for reads ("non-upload"). Past the budget: 429; a rejected request still counts toward the
daily usage, and the 15-minute usage stays at its limit (the 2018 recording shows 600,30000
against a limit of 600,30000)."""

from __future__ import annotations

from dataclasses import dataclass, field

QUARTER_HOUR_S = 900
DAY_S = 86400

# The case of the 2025 recording; clients must match header names case-insensitively.
LIMIT_HEADER = "X-Ratelimit-Limit"
USAGE_HEADER = "X-Ratelimit-Usage"
READ_LIMIT_HEADER = "X-Readratelimit-Limit"
READ_USAGE_HEADER = "X-Readratelimit-Usage"


@dataclass
class _Bucket:
    limit_15min: int
    limit_daily: int
    used_15min: int = 0
    used_daily: int = 0

    def full(self) -> bool:
        return self.used_15min >= self.limit_15min or self.used_daily >= self.limit_daily


@dataclass
class RateBudget:
    overall: _Bucket
    read: _Bucket
    _quarter: int = field(default=-1)
    _day: int = field(default=-1)

    @classmethod
    def with_limits(cls, read_15min: int, read_daily: int, overall_15min: int, overall_daily: int) -> RateBudget:
        return cls(_Bucket(overall_15min, overall_daily), _Bucket(read_15min, read_daily))

    def admit(self, now_s: float, *, is_read: bool = True) -> tuple[bool, dict[str, str]]:
        """Count one request; returns whether it may proceed and the headers to send."""
        self._roll(now_s)
        buckets = [self.overall, self.read] if is_read else [self.overall]
        allowed = not any(b.full() for b in buckets)
        for bucket in buckets:
            bucket.used_daily += 1
            if allowed:
                bucket.used_15min += 1
        return allowed, self.headers()

    def headers(self) -> dict[str, str]:
        return {
            LIMIT_HEADER: f"{self.overall.limit_15min},{self.overall.limit_daily}",
            USAGE_HEADER: f"{self.overall.used_15min},{self.overall.used_daily}",
            READ_LIMIT_HEADER: f"{self.read.limit_15min},{self.read.limit_daily}",
            READ_USAGE_HEADER: f"{self.read.used_15min},{self.read.used_daily}",
        }

    def usage(self, now_s: float) -> dict[str, int]:
        self._roll(now_s)
        return {
            "read_15min": self.read.used_15min,
            "read_daily": self.read.used_daily,
            "overall_15min": self.overall.used_15min,
            "overall_daily": self.overall.used_daily,
        }

    def _roll(self, now_s: float) -> None:
        quarter, day = int(now_s // QUARTER_HOUR_S), int(now_s // DAY_S)
        if quarter != self._quarter:
            self._quarter = quarter
            self.overall.used_15min = self.read.used_15min = 0
        if day != self._day:
            self._day = day
            self.overall.used_daily = self.read.used_daily = 0
