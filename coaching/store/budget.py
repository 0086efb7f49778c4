"""The shared Strava budget's SQL: reserve one request atomically, reconcile with Strava's counts.

Conditional UPDATEs keep it atomic on SQLite (one writer at a time) and PostgreSQL (row lock for
the statement) alike, without holding a lock across the HTTP call.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coaching.store.models import StravaBudget


def quarter_hour(now: datetime) -> datetime:
    """Strava's short window resets on the clock quarter-hours (API.md §3)."""
    now = now.astimezone(timezone.utc)
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


class BudgetRepository:
    def __init__(self, session: Session, application_id: int) -> None:
        self.session = session
        self.application_id = application_id

    def _roll(self, now: datetime, limit_15min: int, limit_daily: int) -> None:
        window, day = quarter_hour(now), now.astimezone(timezone.utc).date()
        if self.session.get(StravaBudget, self.application_id) is None:
            try:
                with self.session.begin_nested():
                    self.session.add(StravaBudget(
                        application_id=self.application_id, window_start=window, day=day, used_15min=0,
                        used_daily=0, limit_15min=limit_15min, limit_daily=limit_daily,
                    ))
            except IntegrityError:
                pass  # another worker created it first
        row = StravaBudget
        self.session.execute(
            update(row).where(row.application_id == self.application_id, row.window_start < window)
            .values(window_start=window, used_15min=0).execution_options(synchronize_session=False)
        )
        self.session.execute(
            update(row).where(row.application_id == self.application_id, row.day < day)
            .values(day=day, used_daily=0).execution_options(synchronize_session=False)
        )

    def reserve(self, now: datetime, keep_fraction: float, default_15min: int, default_daily: int) -> bool:
        """Count one request if it fits under `keep_fraction` of both windows' limits."""
        self._roll(now, default_15min, default_daily)
        row = StravaBudget
        result = self.session.execute(
            update(row)
            .where(
                row.application_id == self.application_id,
                row.used_15min + 1 <= row.limit_15min * keep_fraction,
                row.used_daily + 1 <= row.limit_daily * keep_fraction,
            )
            .values(used_15min=row.used_15min + 1, used_daily=row.used_daily + 1)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def reconcile(self, now: datetime, used_15min: int, used_daily: int, limit_15min: int, limit_daily: int) -> None:
        """Strava's counts include requests we never saw (other apps' clients, rejected calls):
        take the larger of ours and theirs, and Strava's limits as they are now."""
        self._roll(now, limit_15min, limit_daily)
        row = StravaBudget
        self.session.execute(
            update(row)
            .where(row.application_id == self.application_id)
            .values(
                used_15min=case((row.used_15min < used_15min, used_15min), else_=row.used_15min),
                used_daily=case((row.used_daily < used_daily, used_daily), else_=row.used_daily),
                limit_15min=limit_15min,
                limit_daily=limit_daily,
            )
            .execution_options(synchronize_session=False)
        )

    def current(self) -> StravaBudget | None:
        return self.session.scalar(
            select(StravaBudget).where(StravaBudget.application_id == self.application_id)
            .execution_options(populate_existing=True)
        )



