"""Leases and the due rule, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy.orm import Session, sessionmaker

from coaching.services.claims import (
    Night,
    claim_batch,
    connected_zones,
    due_count,
    ensure_sync_states,
    latest_local_time,
    release,
)
from coaching.store.models import SyncState
from scale_helpers import NOW, add_athletes

LEASE = timedelta(minutes=30)


def _state(sessions: sessionmaker[Session], athlete_id: int) -> SyncState:
    with sessions.begin() as session:
        state = session.get(SyncState, athlete_id)
        session.expunge(state)
        return state


def _prepared(sessions: sessionmaker[Session], count: int, zone: str = "UTC") -> list[int]:
    ids = add_athletes(sessions, [zone] * count)
    with sessions.begin() as session:
        ensure_sync_states(session)
    return ids


def test_every_connected_athlete_gets_a_sync_state_row_once(sessions):
    connected = add_athletes(sessions, ["UTC", "UTC"])
    add_athletes(sessions, ["UTC"], connected=False)
    with sessions.begin() as session:
        assert ensure_sync_states(session) == 2
    with sessions.begin() as session:
        assert ensure_sync_states(session) == 0
        assert sorted(s.athlete_id for s in session.query(SyncState)) == connected


def test_a_leased_athlete_is_not_claimed_again_until_the_lease_expires(sessions):
    ids = _prepared(sessions, 3)
    with sessions.begin() as session:
        first = claim_batch(session, "worker-a", NOW, 2, LEASE)
    with sessions.begin() as session:
        second = claim_batch(session, "worker-b", NOW + timedelta(minutes=1), 5, LEASE)
    assert first == ids[:2] and second == ids[2:]
    assert _state(sessions, ids[0]).lease_owner == "worker-a"
    # worker-a died: after its lease its athletes go to whoever asks, if still due; worker-b's
    # own lease (taken a minute later) still holds.
    with sessions.begin() as session:
        taken_over = claim_batch(session, "worker-c", NOW + LEASE + timedelta(seconds=1), 5, LEASE,
                                 Night.everyone(NOW + LEASE))
    assert taken_over == ids[:2]


def test_an_attempted_athlete_is_not_due_again_the_same_night_unless_the_budget_stopped_it(sessions):
    ids = _prepared(sessions, 3)
    with sessions.begin() as session:
        for athlete_id, error in zip(ids, [None, "StravaUnavailable: list activities: 500", "BudgetExhausted: spent"]):
            state = session.get(SyncState, athlete_id)
            state.last_attempt_at, state.last_error = NOW, error
    night = Night.everyone(NOW)
    with sessions.begin() as session:
        assert due_count(session, night) == 1
        assert claim_batch(session, "w", NOW, 10, LEASE, night) == [ids[2]]
    # The next night owes everybody a sync again.
    with sessions.begin() as session:
        assert due_count(session, Night.everyone(NOW + timedelta(days=1))) == 3


def test_disconnected_athletes_and_those_outside_the_selection_are_never_claimed(sessions):
    berlin = _prepared(sessions, 2, "Europe/Berlin")
    tokyo = _prepared(sessions, 1, "Asia/Tokyo")
    gone = add_athletes(sessions, ["Europe/Berlin"], connected=False)
    with sessions.begin() as session:
        session.add(SyncState(athlete_id=gone[0], backfill_done=True))
    with sessions.begin() as session:
        assert claim_batch(session, "w", NOW, 10, LEASE, Night.everyone(NOW, time_zones=["Asia/Tokyo"])) == tokyo
        assert claim_batch(session, "w", NOW, 10, LEASE, Night.everyone(NOW, athlete_ids=[berlin[1], gone[0]])) == [berlin[1]]


def test_release_gives_back_only_our_own_leases_and_marks_the_quiet_ones_attempted(sessions):
    ids = _prepared(sessions, 3)
    with sessions.begin() as session:
        mine = claim_batch(session, "mine", NOW, 2, LEASE)
        theirs = claim_batch(session, "theirs", NOW, 1, LEASE)
    with sessions.begin() as session:
        assert release(session, "mine", ids, handled_without_sync=[mine[0]], handled_at=NOW) == 2
    assert _state(sessions, mine[0]).last_attempt_at == NOW
    assert _state(sessions, mine[1]).last_attempt_at is None and _state(sessions, mine[1]).lease_owner is None
    assert _state(sessions, theirs[0]).lease_owner == "theirs"


def test_latest_local_three_oclock_follows_each_zone_including_half_hours_and_dst_gaps():
    now = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)
    # Sydney is at UTC+11 in November: 03:00 there was 16:00 UTC today.
    assert latest_local_time(now, "Australia/Sydney", time(3)) == datetime(2026, 11, 25, 16, 0, tzinfo=timezone.utc)
    # Denver (UTC-7): 03:00 was 10:00 UTC today.
    assert latest_local_time(now, "America/Denver", time(3)) == datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    # Kolkata (UTC+5:30): 03:00 was 21:30 UTC yesterday.
    assert latest_local_time(now, "Asia/Kolkata", time(3)) == datetime(2026, 11, 24, 21, 30, tzinfo=timezone.utc)
    # Kyiv jumps from 03:00 to 04:00 on 2026-03-29: the missing hour still has an instant (01:00 UTC).
    spring = datetime(2026, 3, 29, 2, 30, tzinfo=timezone.utc)
    assert latest_local_time(spring, "Europe/Kyiv", time(3)) == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)
    assert latest_local_time(now, "Not/AZone", time(3)) == datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)


def test_the_hourly_run_takes_sydney_in_its_morning_and_denver_later_each_once(sessions):
    sydney = _prepared(sessions, 1, "Australia/Sydney")
    denver = _prepared(sessions, 1, "America/Denver")
    with sessions.begin() as session:
        zones = connected_zones(session)
    taken = {}
    for hour in range(24):  # one day of hourly runs from 00:00 UTC, each syncing what it claims
        now = datetime(2026, 11, 25, hour, 0, tzinfo=timezone.utc)
        with sessions.begin() as session:
            claimed = claim_batch(session, "w", now, 10, LEASE, Night.at_local_hour(now, 3, zones))
            for athlete_id in claimed:
                taken.setdefault(athlete_id, []).append(hour)
                session.get(SyncState, athlete_id).last_attempt_at = now
            release(session, "w", claimed)
    # The very first run catches up both (never synced); then each once a day, after 03:00 local.
    assert taken == {sydney[0]: [0, 16], denver[0]: [0, 10]}


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_workers_never_claim_the_same_athlete(sessions, workers):
    ids = _prepared(sessions, 120)
    claimed: dict[str, list[int]] = {f"w{i}": [] for i in range(workers)}
    start = threading.Barrier(workers)

    def work(name: str) -> None:
        start.wait()
        while True:
            with sessions.begin() as session:
                batch = claim_batch(session, name, NOW, 7, LEASE)
            if not batch:
                return
            claimed[name].extend(batch)
            with sessions.begin() as session:  # what a sync does: the athlete is done for the night
                for athlete_id in batch:
                    session.get(SyncState, athlete_id).last_attempt_at = NOW
                release(session, name, batch)

    threads = [threading.Thread(target=work, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [athlete_id for batch in claimed.values() for athlete_id in batch]
    assert sorted(everything) == ids  # each exactly once
