"""A runner who removes the app on Strava: everything of theirs is deleted, in every table, and
nothing of anyone else's (API.md §5). On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from web_helpers import (
    LiveServer,
    WebEnv,
    sign_in_through_strava,
    table_counts,
    wait_for_backfill,
    web_env,
)

from coaching.services.subscriptions import subscribe
from coaching.services.webhooks import process_webhook_events
from coaching.store.athlete_data import rows_about
from coaching.store.athletes import (
    AthleteRepository,
    CheckinRepository,
    CoachRepository,
)
from coaching.store.models import (
    Athlete,
    EvaluationRecord,
    FindingAcknowledgement,
    FindingRecord,
    ThresholdChange,
)
from coaching.store.outbox import NewMessage, OutboxRepository


@pytest.fixture
def db_env(tmp_path: Path, engine: Engine, server: LiveServer) -> Iterator[WebEnv]:
    with web_env(tmp_path, server=server, engine=engine) as started:
        yield started


def _give_rows_in_every_table(env: WebEnv, athlete: Athlete, coach_id: int) -> None:
    today = env.now().date()
    with env.runtime.sessions.begin() as db:
        finding = FindingRecord(athlete_id=athlete.id, key="long-run-spike:1", rule="long-run-spike", severity=2,
                                evidence="B", metrics={}, why="", suggestions=[], first_seen_on=today,
                                last_seen_on=today)
        db.add(finding)
        db.flush()
        db.add(FindingAcknowledgement(finding_id=finding.id, athlete_id=athlete.id, coach_id=coach_id,
                                      coach_name="Carla", note="seen"))
        db.add(ThresholdChange(athlete_id=athlete.id, coach_id=coach_id, changed_by="Carla",
                               key="pain_reported.caution_score", old_value=3, new_value=2))
        db.add(EvaluationRecord(athlete_id=athlete.id, as_of=today, metrics={}, skipped=[], data_quality=[]))
        CheckinRepository(db).record(athlete.id, today, 4)
        CoachRepository(db).grant_consent(coach_id, athlete.id)
        OutboxRepository(db).enqueue(
            NewMessage("athlete", athlete.id, "alert", today.isoformat(), "email", "s", "t"), env.now()
        )
    env.fake.add_activity(athlete.strava_id)  # a webhook event on record


def test_revoking_access_on_strava_deletes_every_row_about_the_runner_and_no_other(db_env: WebEnv) -> None:
    env = db_env
    subscribe(env.runtime)
    for _ in range(2):
        with sign_in_through_strava(env):
            pass
    with env.runtime.sessions.begin() as db:
        victim, other = AthleteRepository(db).all()
        coach_id = CoachRepository(db).upsert(name="Carla", email="carla@example.org").id
    for athlete in (victim, other):
        wait_for_backfill(env, athlete.id)
        _give_rows_in_every_table(env, athlete, coach_id)
    assert env.fake.wait_for_webhooks()
    assert process_webhook_events(env.runtime, env.now()).processed == 2

    totals_before = table_counts(env.runtime.engine)
    with env.runtime.sessions.begin() as db:
        victim_rows = rows_about(db, db.get(Athlete, victim.id))
        other_rows = rows_about(db, db.get(Athlete, other.id))
    # Every table that holds anything about a runner holds something about this one.
    assert victim_rows and all(count > 0 for count in victim_rows.values()), victim_rows

    env.fake.revoke_athlete(victim.strava_id)
    assert env.fake.wait_for_webhooks()
    report = process_webhook_events(env.runtime, env.now())
    assert report.erased_athletes == 1

    totals_after = table_counts(env.runtime.engine)
    assert totals_after == {name: n - victim_rows.get(name, 0) for name, n in totals_before.items()}
    with env.runtime.sessions.begin() as db:
        assert db.get(Athlete, victim.id) is None
        assert rows_about(db, db.get(Athlete, other.id)) == other_rows
    # Processing the (already applied) revocation again changes nothing.
    assert process_webhook_events(env.runtime, env.now()).erased_athletes == 0
    assert table_counts(env.runtime.engine) == totals_after
