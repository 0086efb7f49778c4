from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coaching.domain.model import Activity as DomainActivity
from coaching.store.activities import ActivityRepository
from coaching.store.athletes import AthleteRepository, CheckinRepository, CoachRepository
from coaching.store.db import current_revision, downgrade, head_revision, table_names, upgrade
from coaching.store.models import Activity, StravaToken
from coaching.store.outbox import NewMessage, OutboxRepository
from coaching.store.tokens import TokenRepository

BIG_ID = 2**53 + 12345  # Strava ids outgrew 32 bits long ago; this one is past float precision too


def _activity(activity_id: int = BIG_ID, **overrides) -> DomainActivity:
    fields = dict(
        id=activity_id,
        sport_type="Run",
        start_local=datetime(2026, 11, 20, 7, 30),
        start_utc=datetime(2026, 11, 20, 6, 30, tzinfo=timezone.utc),
        distance_m=10_000.0,
        moving_s=3000,
    )
    fields.update(overrides)
    return DomainActivity(**fields)


def test_the_domain_columns_are_read_in_the_domain_activitys_field_order():
    from dataclasses import fields

    from coaching.store.activities import _DOMAIN_COLUMNS

    assert [c.key for c in _DOMAIN_COLUMNS[1:]] == [f.name for f in fields(DomainActivity)]


def test_migration_creates_every_table_and_downgrades_cleanly(engine):
    assert current_revision(engine) == head_revision()
    assert {"athletes", "strava_tokens", "activities", "gear", "sync_state", "findings", "outbox",
            "coaches", "coach_athletes", "pain_checkins", "evaluations"} <= set(table_names(engine))
    downgrade(engine, "base")
    assert table_names(engine) == ["alembic_version"]
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_activity_ids_above_2_to_the_53_round_trip_exactly(sessions):
    with sessions.begin() as s:
        athlete = AthleteRepository(s).upsert_from_strava(7, first_name="A", last_name="B", timezone=None, units=None)
        assert ActivityRepository(s).upsert(athlete.id, _activity(), private=False, raw={"id": BIG_ID})
    with sessions.begin() as s:
        stored = ActivityRepository(s).for_athlete(athlete.id)
        assert [a.id for a in stored] == [BIG_ID]
        assert stored[0].start_utc == datetime(2026, 11, 20, 6, 30, tzinfo=timezone.utc)
        assert stored[0].start_local == datetime(2026, 11, 20, 7, 30)


def test_storing_the_same_activity_twice_keeps_one_row(sessions):
    with sessions.begin() as s:
        athlete = AthleteRepository(s).upsert_from_strava(7, first_name="A", last_name="B", timezone=None, units=None)
        repo = ActivityRepository(s)
        assert repo.upsert(athlete.id, _activity(), private=False, raw={}) is True
        assert repo.upsert(athlete.id, _activity(name="renamed"), private=False, raw={}) is False
    with sessions.begin() as s:
        assert ActivityRepository(s).count() == 1
        assert s.scalar(select(Activity.name)) == "renamed"


def test_reconnecting_the_same_strava_athlete_updates_instead_of_duplicating(sessions):
    with sessions.begin() as s:
        repo = AthleteRepository(s)
        first = repo.upsert_from_strava(99, first_name="Ann", last_name="Lee", timezone="Europe/Berlin", units="metric")
        repo.mark_disconnected(first.id, "revoked")
    with sessions.begin() as s:
        again = AthleteRepository(s).upsert_from_strava(99, first_name="Anna", last_name="Lee", timezone=None, units=None)
        assert again.id == first.id and again.connected and again.first_name == "Anna"
        assert again.timezone == "Europe/Berlin"
        assert len(AthleteRepository(s).all()) == 1


def test_tokens_are_encrypted_at_rest_and_compare_and_swap_refuses_a_stale_writer(sessions, box):
    with sessions.begin() as s:
        athlete = AthleteRepository(s).upsert_from_strava(5, first_name="A", last_name="B", timezone=None, units=None)
        TokenRepository(s, box).save(athlete.id, access_token="acc-SECRET", refresh_token="ref-SECRET",
                                     expires_at=100, scopes="read,activity:read_all")
    with sessions.begin() as s:
        row = s.get(StravaToken, athlete.id)
        assert "SECRET" not in row.access_token_encrypted + row.refresh_token_encrypted
        tokens = TokenRepository(s, box).load(athlete.id)
        assert (tokens.access_token, tokens.refresh_token, tokens.version) == ("acc-SECRET", "ref-SECRET", 1)
        assert "SECRET" not in repr(tokens)
    with sessions.begin() as s:
        repo = TokenRepository(s, box)
        assert repo.compare_and_swap(athlete.id, 1, access_token="a2", refresh_token="r2", expires_at=200)
        # A second worker that also read version 1 must not overwrite the newer refresh token.
        assert not repo.compare_and_swap(athlete.id, 1, access_token="a3", refresh_token="r3", expires_at=300)
    with sessions.begin() as s:
        tokens = TokenRepository(s, box).load(athlete.id)
        assert (tokens.refresh_token, tokens.version) == ("r2", 2)


def test_outbox_refuses_a_second_message_for_the_same_athlete_kind_and_period(sessions):
    now = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
    message = NewMessage("athlete", 1, "weekly_summary", "2026-W47", "email", "Your week", "text", "<p>html</p>")
    with sessions.begin() as s:
        repo = OutboxRepository(s)
        assert repo.enqueue(message, now) is True
        assert repo.enqueue(message, now) is False
        assert repo.enqueue(NewMessage("athlete", 1, "weekly_summary", "2026-W48", "email", "s", "t"), now)
    with sessions.begin() as s:
        assert OutboxRepository(s).counts_by_status() == {"queued": 2}


def test_outbox_claim_is_exclusive_and_a_failed_send_waits_for_its_retry_time(sessions):
    now = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
    with sessions.begin() as s:
        OutboxRepository(s).enqueue(NewMessage("athlete", 1, "alert", "2026-11-23", "email", "s", "t"), now)
    with sessions.begin() as s:
        repo = OutboxRepository(s)
        [message_id] = repo.due_ids(now)
        assert repo.claim(message_id, now) is not None
        assert repo.claim(message_id, now) is None  # a second worker gets nothing
        repo.mark_failed(message_id, "smtp down", retry_at=datetime(2026, 11, 24, 6, 5, tzinfo=timezone.utc))
    with sessions.begin() as s:
        repo = OutboxRepository(s)
        assert repo.due_ids(now) == []
        assert repo.due_ids(datetime(2026, 11, 24, 6, 5, tzinfo=timezone.utc)) == [message_id]


def test_database_rejects_a_duplicate_outbox_row_even_past_the_repository(sessions):
    from coaching.store.models import OutboxMessage

    def row() -> OutboxMessage:
        return OutboxMessage(recipient_type="coach", recipient_id=3, kind="coach_digest", period="2026-W47",
                             channel="email", subject="s", body_text="t")

    with pytest.raises(IntegrityError):
        with sessions.begin() as s:
            s.add_all([row(), row()])


def test_a_coach_sees_only_athletes_whose_consent_stands(sessions):
    with sessions.begin() as s:
        athletes = AthleteRepository(s)
        a = athletes.upsert_from_strava(1, first_name="A", last_name="", timezone=None, units=None)
        b = athletes.upsert_from_strava(2, first_name="B", last_name="", timezone=None, units=None)
        athletes.upsert_from_strava(3, first_name="C", last_name="", timezone=None, units=None)
        coaches = CoachRepository(s)
        coach = coaches.upsert(name="Coach", email="coach@example.org")
        coaches.grant_consent(coach.id, a.id)
        coaches.grant_consent(coach.id, b.id)
        coaches.withdraw_consent(coach.id, b.id)
        assert [x.first_name for x in coaches.consenting_athletes(coach.id)] == ["A"]


def test_deleting_an_athlete_cascades_to_their_data(sessions):
    with sessions.begin() as s:
        athlete = AthleteRepository(s).upsert_from_strava(8, first_name="A", last_name="", timezone=None, units=None)
        ActivityRepository(s).upsert(athlete.id, _activity(123), private=False, raw={})
        CheckinRepository(s).record(athlete.id, date(2026, 11, 20), 3)
    with sessions.begin() as s:
        s.delete(s.get(type(athlete), athlete.id))
    with sessions.begin() as s:
        assert ActivityRepository(s).count() == 0
        assert CheckinRepository(s).for_athlete(athlete.id) == []
