"""A night meets runners Strava no longer answers for, and evaluations that never committed.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from coaching.fake_strava import FakeStrava
from coaching.runtime import Runtime
from coaching.services.claims import Night, due_count
from coaching.services.night import NightOptions, run_worker
from coaching.store.models import Athlete, EvaluationRecord, OutboxMessage, SyncState
from coaching.store.tokens import TokenRepository
from scale_helpers import roomy_fake

OPTIONS = NightOptions(batch_size=2, strava_threads=2)


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with roomy_fake(count=4, seed=17, days=14) as fake:
        yield fake


def _reconnect_messages(runtime: Runtime) -> list[tuple[int, str]]:
    with runtime.sessions.begin() as session:
        rows = session.query(OutboxMessage).filter_by(kind="reconnect").order_by(OutboxMessage.id).all()
        return [(row.recipient_id, row.body_text) for row in rows]


def test_a_revoked_runner_is_disconnected_and_told_once_how_to_reconnect(connected, fake):
    runtime, ids = connected
    fake.revoke_athlete(fake.athlete_ids[1])
    now = runtime.clock()
    report = run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS)
    assert (report.sync.synced, report.sync.disconnected, report.sync.failed) == (3, 1, 0)
    messages = _reconnect_messages(runtime)
    assert [recipient for recipient, _ in messages] == [ids[1]]
    assert "revoked" in messages[0][1] and "/connect" in messages[0][1]
    with runtime.sessions.begin() as session:
        assert not session.get(Athlete, ids[1]).connected

    tomorrow = now + timedelta(days=1)
    again = run_worker(runtime, "w1", Night.everyone(tomorrow), tomorrow, OPTIONS)
    assert ids[1] not in again.athlete_ids and again.sync.disconnected == 0
    assert len(_reconnect_messages(runtime)) == 1


def test_a_runner_who_unticked_the_activity_scope_is_told_which_box_to_keep(connected, fake):
    runtime, ids = connected
    grant = fake.issue_tokens(fake.athlete_ids[0], ["read"])
    with runtime.sessions.begin() as session:
        TokenRepository(session, runtime.box).save(
            ids[0], access_token=grant["access_token"], refresh_token=grant["refresh_token"],
            expires_at=grant["expires_at"], scopes="read")
    now = runtime.clock()
    report = run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS)
    assert report.sync.disconnected == 1 and dict(report.sync.reasons) == {"MissingScope": 1}
    [(recipient, text)] = _reconnect_messages(runtime)
    assert recipient == ids[0] and "permission to read your activities is missing" in text


def test_an_athlete_synced_but_not_evaluated_tonight_is_taken_again_and_evaluated(connected, fake):
    """What a process killed between the sync's commit and the evaluation's leaves behind."""
    runtime, ids = connected
    now = runtime.clock()
    run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS)
    night = Night.everyone(now)
    with runtime.sessions.begin() as session:
        assert due_count(session, night) == 0
        session.delete(session.get(EvaluationRecord, ids[2]))  # the evaluation never committed
    with runtime.sessions.begin() as session:
        assert due_count(session, night) == 1
    fake.reset_stats()
    rerun = run_worker(runtime, "w1", night, now, OPTIONS)
    assert rerun.athlete_ids == [ids[2]] and rerun.evaluation.evaluated == 1
    assert rerun.sync.requests == 1  # one more list call: the price of a crash, not of every night
    with runtime.sessions.begin() as session:
        assert session.get(EvaluationRecord, ids[2]).evaluated_at == now
        assert due_count(session, night) == 0


def test_an_evaluation_that_fails_is_recorded_and_not_retried_every_hour(connected, fake, monkeypatch):
    runtime, ids = connected
    import coaching.services.batch as batch

    real = batch.evaluate_athlete

    def broken_for_one(session, athlete, as_of, evaluated_at=None):
        if athlete.id == ids[3]:
            raise ZeroDivisionError("a bug in one athlete's data")
        return real(session, athlete, as_of, evaluated_at=evaluated_at)

    monkeypatch.setattr(batch, "evaluate_athlete", broken_for_one)
    now = runtime.clock()
    report = run_worker(runtime, "w1", Night.everyone(now), now, OPTIONS)
    assert (report.evaluation.evaluated, report.evaluation.failed) == (3, 1)
    with runtime.sessions.begin() as session:
        assert session.get(SyncState, ids[3]).last_error == "EvaluationFailed: ZeroDivisionError"
        assert due_count(session, Night.everyone(now)) == 0
