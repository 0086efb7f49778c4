"""The shared Strava budget's SQL: reserve one request atomically, reconcile with Strava's counts.

Conditional UPDATEs keep it atomic on SQLite (one writer at a time) and PostgreSQL (row lock for
the statement) alike, without holding a lock across the HTTP call.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Date, case, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from coaching.store.models import StravaBudget, UtcDateTime
from coaching.strava.budget import Usage


def quarter_hour(now: datetime) -> datetime:
    """Strava's short window resets on the clock quarter-hours (API.md §3)."""
    now = now.astimezone(timezone.utc)
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


class BudgetRepository:
    """Each operation is one UPDATE on the hot path: the windows roll inside the statement (CASE on
    the row's own window), so a request costs one short transaction, not four statements. Only
    when no row exists yet is it created (once per application) and the UPDATE tried again."""

    def __init__(self, session: Session, application_id: int) -> None:
        self.session = session
        self.application_id = application_id

    def _create(self, now: datetime, limit_15min: int, limit_daily: int) -> None:
        if self.session.get(StravaBudget, self.application_id) is not None:
            return
        try:
            with self.session.begin_nested():
                self.session.add(StravaBudget(
                    application_id=self.application_id, window_start=quarter_hour(now),
                    day=now.astimezone(timezone.utc).date(), used_15min=0, used_daily=0,
                    limit_15min=limit_15min, limit_daily=limit_daily,
                ))
        except IntegrityError:
            pass  # another worker created it first

    @staticmethod
    def _rolled(now: datetime) -> tuple[dict[str, ColumnElement], ColumnElement, ColumnElement]:
        """(SET clauses moving the row to the current windows, used_15min and used_daily as they
        read in the current windows). A row already in a later window (another worker's clock a
        little ahead) keeps it."""
        row = StravaBudget
        window = literal(quarter_hour(now), UtcDateTime())
        day = literal(now.astimezone(timezone.utc).date(), Date())
        stale_window, stale_day = row.window_start < window, row.day < day
        used_15min = case((stale_window, 0), else_=row.used_15min)
        used_daily = case((stale_day, 0), else_=row.used_daily)
        values = {"window_start": case((stale_window, window), else_=row.window_start),
                  "day": case((stale_day, day), else_=row.day)}
        return values, used_15min, used_daily

    def _update_returning(self, statement) -> Usage | None:  # noqa: ANN001
        row = StravaBudget
        found = self.session.execute(
            statement.returning(row.used_15min, row.used_daily, row.limit_15min, row.limit_daily)
            .execution_options(synchronize_session=False)
        ).first()
        return Usage(*found) if found is not None else None

    def reserve(self, now: datetime, keep_fraction: float, default_15min: int, default_daily: int,
                count: int = 1) -> Usage | None:
        """Count `count` requests if they fit under `keep_fraction` of both windows' limits.
        Returns the counts after the reservation, or None when they do not fit."""
        row = StravaBudget
        values, used_15min, used_daily = self._rolled(now)
        statement = (
            update(row)
            .where(
                row.application_id == self.application_id,
                used_15min + count <= row.limit_15min * keep_fraction,
                used_daily + count <= row.limit_daily * keep_fraction,
            )
            .values(**values, used_15min=used_15min + count, used_daily=used_daily + count)
        )
        reserved = self._update_returning(statement)
        if reserved is None:
            # No row yet, or the budget is spent. Not found may also mean another worker created
            # the row since our UPDATE began: make sure it exists, then ask once more.
            self._create(now, default_15min, default_daily)
            reserved = self._update_returning(statement)
        return reserved

    def reconcile(self, now: datetime, used_15min: int, used_daily: int, limit_15min: int, limit_daily: int) -> Usage:
        """Strava's counts include requests we never saw (other apps' clients, rejected calls):
        take the larger of ours and theirs, and Strava's limits as they are now."""
        row = StravaBudget
        values, ours_15min, ours_daily = self._rolled(now)
        statement = (
            update(row)
            .where(row.application_id == self.application_id)
            .values(
                **values,
                used_15min=case((ours_15min < used_15min, used_15min), else_=ours_15min),
                used_daily=case((ours_daily < used_daily, used_daily), else_=ours_daily),
                limit_15min=limit_15min,
                limit_daily=limit_daily,
            )
        )
        counted = self._update_returning(statement)
        if counted is None:
            self._create(now, limit_15min, limit_daily)
            counted = self._update_returning(statement)
        assert counted is not None
        return counted

    def current(self) -> StravaBudget | None:
        return self.session.scalar(
            select(StravaBudget).where(StravaBudget.application_id == self.application_id)
            .execution_options(populate_existing=True)
        )
