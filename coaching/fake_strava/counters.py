"""Request counters for tests and benchmarks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestStats:
    """A snapshot: later requests do not change it."""

    requests_total: int = 0
    by_path: dict[str, int] = field(default_factory=dict)  # "/api/v3/activities/123"
    by_route: dict[str, int] = field(default_factory=dict)  # "GET /api/v3/activities/{id}"
    by_athlete: dict[int, int] = field(default_factory=dict)  # owner of the bearer token
    rate_limited: int = 0  # 429s from the budget (not injected ones)
    faults_injected: int = 0


class RequestCounters:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.total = 0
        self.by_path: Counter[str] = Counter()
        self.by_route: Counter[str] = Counter()
        self.by_athlete: Counter[int] = Counter()
        self.rate_limited = 0
        self.faults_injected = 0

    def record(self, path: str, route: str, athlete_id: int | None) -> None:
        self.total += 1
        self.by_path[path] += 1
        self.by_route[route] += 1
        if athlete_id is not None:
            self.by_athlete[athlete_id] += 1

    def snapshot(self) -> RequestStats:
        return RequestStats(
            requests_total=self.total,
            by_path=dict(self.by_path),
            by_route=dict(self.by_route),
            by_athlete=dict(self.by_athlete),
            rate_limited=self.rate_limited,
            faults_injected=self.faults_injected,
        )
