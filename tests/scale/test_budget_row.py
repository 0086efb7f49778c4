"""The shared Strava budget's row under many threads and workers (SQLite and PostgreSQL): one
statement per request, Strava's counts still win when they are higher, and a first request racing
another worker's never reads as a spent budget."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from coaching.services.budget import SharedRequestBudget
from coaching.services.status import stored_budget
from coaching.store.budget import BudgetRepository
from coaching.strava.budget import Usage
from coaching.strava.errors import BudgetExhausted

APP = 5150
NOW = datetime(2026, 11, 25, 12, 5, tzinfo=timezone.utc)


def _headers(used_15min: int, used_daily: int, limits: tuple[int, int] = (1000, 10_000)) -> dict[str, str]:
    return {"X-ReadRateLimit-Limit": f"{limits[0]},{limits[1]}", "X-ReadRateLimit-Usage": f"{used_15min},{used_daily}"}


class _Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _budget_writes(engine) -> list[str]:  # noqa: ANN001
    writes: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if "strava_budget" in statement and not statement.lstrip().upper().startswith("SELECT"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return writes


def test_a_request_costs_one_budget_statement_while_strava_counts_what_we_reserved(engine, sessions):
    clock = _Clock()
    budget = SharedRequestBudget(sessions, APP, margin=0.1, now=clock)
    budget.check()
    budget.record(_headers(1, 1))  # the first answer teaches the limits: written
    writes = _budget_writes(engine)
    for used in range(2, 12):
        budget.check()
        budget.record(_headers(used, used))  # what we reserved: nothing to correct
    assert len(writes) == 10 and all(w.lstrip().upper().startswith("UPDATE") for w in writes)
    with sessions.begin() as session:
        assert stored_budget(session, APP, clock.now) == Usage(11, 11, 1000, 10_000)


def test_strava_counting_more_than_we_reserved_is_written_and_stops_us_in_time(sessions):
    clock = _Clock()
    budget = SharedRequestBudget(sessions, APP, margin=0.1, now=clock)
    budget.check()
    budget.record(_headers(1, 1, limits=(20, 10_000)))
    budget.check()
    budget.record(_headers(15, 40, limits=(20, 10_000)))  # another client of the application spent 13
    with sessions.begin() as session:
        assert stored_budget(session, APP, clock.now) == Usage(15, 40, 20, 10_000)
    budget.check()
    budget.check()
    budget.check()  # 18 of 20: the 10 % reserve is all that is left
    try:
        budget.check()
        raise AssertionError("reserved past the margin")
    except BudgetExhausted:
        pass
    # The next quarter-hour starts from zero in the statement itself; the day keeps counting.
    clock.now = NOW + timedelta(minutes=15)
    budget.check()
    with sessions.begin() as session:
        assert stored_budget(session, APP, clock.now) == Usage(1, 44, 20, 10_000)
    budget.record(_headers(1, 44, limits=(20, 10_000)))  # same window, same counts: no write needed
    clock.now = NOW + timedelta(days=1)
    budget.record(_headers(3, 3, limits=(20, 10_000)))  # a new day: Strava's counts, not yesterday's
    with sessions.begin() as session:
        assert stored_budget(session, APP, clock.now) == Usage(3, 3, 20, 10_000)


def test_a_reservation_that_missed_a_row_created_meanwhile_asks_again(sessions, monkeypatch):
    """Our UPDATE found no row, another worker then created it: that is not a spent budget."""
    with sessions.begin() as session:
        BudgetRepository(session, APP).reconcile(NOW, 0, 0, 100, 1000)
    real = BudgetRepository._update_returning
    missed = []

    def first_misses(self, statement):  # noqa: ANN001, ANN202
        if not missed:
            missed.append(True)
            return None
        return real(self, statement)

    monkeypatch.setattr(BudgetRepository, "_update_returning", first_misses)
    with sessions.begin() as session:
        assert BudgetRepository(session, APP).reserve(NOW, 0.9, 100, 1000) == Usage(1, 1, 100, 1000)


def test_many_threads_of_two_workers_starting_together_never_see_a_spent_budget(engine):
    for attempt in range(5):  # a fresh application each time: the row does not exist yet
        app = APP + 1 + attempt
        workers = [SharedRequestBudget(sessionmaker(engine, expire_on_commit=False), app, margin=0.1)
                   for _ in range(2)]
        start = threading.Barrier(8)
        errors: list[BaseException] = []

        def first_requests(budget: SharedRequestBudget) -> None:
            start.wait()
            try:
                for _ in range(5):
                    budget.check()
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=first_requests, args=(workers[i % 2],)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        with Session(engine) as session:
            assert BudgetRepository(session, app).current().used_15min == 40  # every reservation counted once
