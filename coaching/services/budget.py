"""The Strava request budget shared by every worker through the database.

Strava's limits are per application, not per process: two workers that each kept their own count
would together overspend it and meet 429s (which still count against the day). So each request is
reserved in the database first, and Strava's own counts from the headers correct ours after.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Callable, Mapping

from sqlalchemy.orm import Session, sessionmaker

from coaching.store.budget import BudgetRepository
from coaching.strava.budget import RequestBudget, Usage, parse_usage
from coaching.strava.errors import BudgetExhausted

# Strava's default read limits (API.md §3) until the first response tells us the real ones.
DEFAULT_LIMIT_15MIN = 100
DEFAULT_LIMIT_DAILY = 1000


class SharedRequestBudget(RequestBudget):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        application_id: int,
        margin: float = 0.1,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        super().__init__(margin)
        self._sessions = sessions
        self._application_id = application_id
        self._now = now
        self._count_lock = threading.Lock()

    def check(self) -> None:
        """Reserve one request, or raise BudgetExhausted without making it."""
        with self._sessions.begin() as session:
            reserved = BudgetRepository(session, self._application_id).reserve(
                self._now(), 1 - self.margin, DEFAULT_LIMIT_15MIN, DEFAULT_LIMIT_DAILY
            )
        if not reserved:
            raise BudgetExhausted("the Strava request budget is spent for now; the next run carries on")

    def record(self, headers: Mapping[str, str]) -> None:
        with self._count_lock:
            self.requests_made += 1
        usage = parse_usage(headers)
        if usage is None:
            return
        self._usage = usage
        with self._sessions.begin() as session:
            BudgetRepository(session, self._application_id).reconcile(
                self._now(), usage.short_used, usage.daily_used, usage.short_limit, usage.daily_limit
            )

    def shared_usage(self) -> Usage | None:
        with self._sessions.begin() as session:
            row = BudgetRepository(session, self._application_id).current()
            if row is None:
                return None
            return Usage(row.used_15min, row.used_daily, row.limit_15min, row.limit_daily)

    def remaining(self) -> tuple[int, int] | None:
        usage = self.shared_usage()
        if usage is None:
            return None
        keep = 1 - self.margin
        return int(usage.short_limit * keep) - usage.short_used, int(usage.daily_limit * keep) - usage.daily_used
