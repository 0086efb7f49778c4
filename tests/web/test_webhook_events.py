"""Strava's push events end to end: the fake validates our callback when subscribing, posts events
as Strava does, and `process_webhook_events` applies them by re-fetching through the API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from web_helpers import LINK_SECRET, WebEnv, sign_in_through_strava, wait_for_backfill

from coaching.fake_strava.testing import follow_authorize
from coaching.services.connect import connect_athlete
from coaching.services.subscriptions import (
    show,
    subscribe,
    unsubscribe,
    verify_token_for,
)
from coaching.services.sync import sync_athlete
from coaching.services.webhooks import (
    athletes_with_pending_events,
    process_webhook_events,
)
from coaching.store.athletes import AthleteRepository
from coaching.store.models import Activity, Athlete, PushSubscription, WebhookEvent

Hooked = tuple[WebEnv, Athlete]


@pytest.fixture
def hooked(env: WebEnv) -> Iterator[Hooked]:
    """Our subscription made (the fake GETs our callback), one runner connected, history in."""
    subscribe(env.runtime)
    with sign_in_through_strava(env):
        pass
    with env.runtime.sessions.begin() as db:
        (athlete,) = AthleteRepository(db).all()
    wait_for_backfill(env, athlete.id)
    yield env, athlete


def _process(env: WebEnv, now: datetime | None = None):  # type: ignore[no-untyped-def]
    assert env.fake.wait_for_webhooks()
    return process_webhook_events(env.runtime, now or env.now())


def _stored(env: WebEnv, activity_id: int) -> Activity | None:
    with env.runtime.sessions.begin() as db:
        return db.get(Activity, activity_id)


def _event(env: WebEnv, **fields: object) -> dict:
    with env.runtime.sessions.begin() as db:
        subscription_id = db.scalar(select(PushSubscription.id))
    event = {"aspect_type": "create", "event_time": int(env.now_s()), "object_id": 1, "object_type": "activity",
             "owner_id": 1, "subscription_id": subscription_id, "updates": {}}
    return {**event, **fields}


def test_the_validation_get_echoes_the_challenge_only_with_our_verify_token(env: WebEnv) -> None:
    token = verify_token_for(LINK_SECRET)
    with env.client() as client:
        ok = client.get("/strava/webhook", params={"hub.mode": "subscribe", "hub.verify_token": token,
                                                   "hub.challenge": "15f7d1a91c1f40f8a748fd134752feb3"})
        wrong = client.get("/strava/webhook", params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                                      "hub.challenge": "x"})
    assert (ok.status_code, ok.json()) == (200, {"hub.challenge": "15f7d1a91c1f40f8a748fd134752feb3"})
    assert wrong.status_code == 403 and "x" not in wrong.json().values()


def test_subscribe_show_and_unsubscribe_manage_the_one_subscription(env: WebEnv) -> None:
    created = subscribe(env.runtime)  # the fake refuses it unless our callback echoed its challenge
    assert created.callback_url == env.base_url + "/strava/webhook"
    assert [(s.id, s.stored_here) for s in show(env.runtime)] == [(created.id, True)]
    assert unsubscribe(env.runtime) == [created.id]
    assert show(env.runtime) == []
    with env.runtime.sessions.begin() as db:
        assert db.scalar(select(PushSubscription.id)) is None


def test_a_new_activity_is_queued_at_once_and_fetched_when_processed(hooked: Hooked) -> None:
    env, athlete = hooked
    activity_id = env.fake.add_activity(athlete.strava_id, distance_m=12_345.0)
    assert env.fake.wait_for_webhooks()
    (delivery,) = env.fake.webhook_deliveries
    assert (delivery.delivered, delivery.attempts, delivery.status) == (True, 1, 200)  # no retry needed
    assert _stored(env, activity_id) is None  # queued, not yet applied
    with env.runtime.sessions.begin() as db:
        assert athletes_with_pending_events(db) == [athlete.id]
    report = _process(env)
    assert (report.processed, report.athlete_ids) == (1, [athlete.id])
    stored = _stored(env, activity_id)
    assert stored is not None and stored.distance_m == pytest.approx(12_345.0) and stored.athlete_id == athlete.id


def test_title_and_type_updates_are_applied(hooked: Hooked) -> None:
    env, athlete = hooked
    activity_id = env.fake.activities(athlete.strava_id)[-1].id
    env.fake.update_activity(activity_id, name="Hill reps", sport_type="TrailRun")
    assert _process(env).processed == 1
    stored = _stored(env, activity_id)
    assert (stored.name, stored.sport_type) == ("Hill reps", "TrailRun")


def test_an_activity_made_private_stays_when_the_runner_granted_private_activities(hooked: Hooked) -> None:
    env, athlete = hooked
    activity_id = env.fake.activities(athlete.strava_id)[-1].id
    env.fake.update_activity(activity_id, visibility="only_me")
    assert _process(env).processed == 1
    assert _stored(env, activity_id).private is True


def test_an_activity_made_private_without_read_all_is_removed(env: WebEnv) -> None:
    subscribe(env.runtime)
    strava_id = env.fake.athlete_ids[1]
    query = follow_authorize(env.fake.authorize_url(env.runtime.settings.strava_redirect_uri, athlete_id=strava_id,
                                                    scopes=("read", "activity:read"), state="s"))
    with env.runtime.sessions.begin() as db:
        athlete_id = connect_athlete(db, env.runtime.strava, env.runtime.box, code=query["code"],
                                     granted_scope=query["scope"]).athlete_id
    sync_athlete(env.runtime.sessions, env.runtime.strava, env.runtime.box, athlete_id, env.now())
    activity_id = env.fake.activities(strava_id)[-1].id
    assert _stored(env, activity_id) is not None
    env.fake.update_activity(activity_id, visibility="only_me")
    assert _process(env).processed == 1
    assert _stored(env, activity_id) is None


def test_a_deleted_activity_is_removed(hooked: Hooked) -> None:
    env, athlete = hooked
    activity_id = env.fake.activities(athlete.strava_id)[-1].id
    env.fake.delete_activity(activity_id)
    assert _process(env).processed == 1
    assert _stored(env, activity_id) is None


def test_an_event_is_not_trusted_a_forged_delete_keeps_the_activity(hooked: Hooked) -> None:
    env, athlete = hooked
    activity_id = env.fake.activities(athlete.strava_id)[-1].id
    with env.client() as client:
        answer = client.post("/strava/webhook", json=_event(env, aspect_type="delete", object_id=activity_id,
                                                            owner_id=athlete.strava_id))
    assert answer.json() == {"status": "queued"}
    assert _process(env).processed == 1  # re-fetched: Strava still has it
    assert _stored(env, activity_id) is not None


def test_an_event_naming_someone_elses_activity_cannot_remove_it(hooked: Hooked) -> None:
    env, victim = hooked
    with sign_in_through_strava(env):
        pass
    with env.runtime.sessions.begin() as db:
        other = AthleteRepository(db).all()[1]
    wait_for_backfill(env, other.id)
    activity_id = env.fake.activities(victim.strava_id)[-1].id
    with env.client() as client:
        client.post("/strava/webhook", json=_event(env, aspect_type="delete", object_id=activity_id,
                                                   owner_id=other.strava_id))
    report = _process(env)
    assert report.ignored == 1 and report.processed == 0
    assert _stored(env, activity_id).athlete_id == victim.id


def test_a_forged_revocation_erases_nothing_while_strava_still_accepts_the_token(hooked: Hooked) -> None:
    env, athlete = hooked
    with env.client() as client:
        client.post("/strava/webhook", json=_event(env, object_type="athlete", aspect_type="update",
                                                   object_id=athlete.strava_id, owner_id=athlete.strava_id,
                                                   updates={"authorized": "false"}))
    report = _process(env)
    assert (report.ignored, report.erased_athletes) == (1, 0)
    with env.runtime.sessions.begin() as db:
        assert db.get(Athlete, athlete.id) is not None


def test_events_for_another_subscription_or_malformed_ones_are_not_queued(hooked: Hooked) -> None:
    env, athlete = hooked
    with env.client() as client:
        foreign = _event(env, owner_id=athlete.strava_id)
        foreign["subscription_id"] += 1
        assert client.post("/strava/webhook", json=foreign).json() == {"status": "foreign"}
        assert client.post("/strava/webhook", json={"object_type": "activity"}).status_code == 400
        assert client.post("/strava/webhook", content=b"not json").status_code == 400
        assert client.post("/strava/webhook", json=_event(env, aspect_type="explode")).status_code == 400
    with env.runtime.sessions.begin() as db:
        assert db.scalar(select(WebhookEvent.id)) is None


def test_a_retried_delivery_is_queued_once(hooked: Hooked) -> None:
    env, athlete = hooked
    event = _event(env, owner_id=athlete.strava_id, object_id=env.fake.activities(athlete.strava_id)[-1].id)
    with env.client() as client:
        started = time.monotonic()
        first = client.post("/strava/webhook", json=event)
        assert time.monotonic() - started < 2.0  # Strava's limit for the answer
        second = client.post("/strava/webhook", json=event)
    assert (first.json(), second.json()) == ({"status": "queued"}, {"status": "duplicate"})


def test_processing_an_event_twice_changes_nothing(hooked: Hooked) -> None:
    env, athlete = hooked
    env.fake.add_activity(athlete.strava_id)
    env.fake.update_activity(env.fake.activities(athlete.strava_id)[0].id, name="Renamed")
    env.fake.delete_activity(env.fake.activities(athlete.strava_id)[1].id)
    assert _process(env).processed == 3

    def snapshot() -> list[tuple]:
        with env.runtime.sessions.begin() as db:
            rows = db.scalars(select(Activity).order_by(Activity.id))
            return [(a.id, a.name, a.sport_type, a.distance_m, a.private) for a in rows]

    before = snapshot()
    with env.runtime.sessions.begin() as db:
        db.execute(update(WebhookEvent).values(status="queued"))
    assert _process(env).processed == 3
    assert snapshot() == before


def test_strava_being_down_leaves_the_event_for_a_later_run(hooked: Hooked) -> None:
    env, athlete = hooked
    activity_id = env.fake.add_activity(athlete.strava_id)
    env.fake.inject_fault(r"/activities/\d+", "500", count=1)
    assert env.fake.wait_for_webhooks()
    now = env.now()
    report = _process(env, now)
    assert (report.deferred, report.processed) == (1, 0)
    assert process_webhook_events(env.runtime, now).deferred == 0  # not due again yet
    assert process_webhook_events(env.runtime, now + timedelta(minutes=5)).processed == 1
    assert _stored(env, activity_id) is not None


def test_a_rate_limited_run_stops_and_keeps_the_event_without_counting_an_attempt(hooked: Hooked) -> None:
    env, athlete = hooked
    env.fake.add_activity(athlete.strava_id)
    env.fake.inject_fault(r"/activities/\d+", "429", count=1)
    report = _process(env)
    assert report.budget_exhausted and report.deferred == 1
    with env.runtime.sessions.begin() as db:
        (row,) = db.scalars(select(WebhookEvent))
        assert (row.status, row.attempts) == ("queued", 0)


def test_events_of_runners_we_do_not_know_are_ignored(env: WebEnv) -> None:
    subscribe(env.runtime)
    stranger = env.fake.athlete_ids[2]
    env.fake.issue_tokens(stranger)  # authorized the app somewhere, never stored here
    env.fake.add_activity(stranger)
    report = _process(env)
    assert (report.ignored, report.processed) == (1, 0)


def test_applied_events_are_kept_a_month_then_pruned(hooked: Hooked) -> None:
    env, athlete = hooked
    env.fake.add_activity(athlete.strava_id)
    now = env.now() + timedelta(seconds=1)
    assert _process(env, now).processed == 1
    process_webhook_events(env.runtime, now + timedelta(days=29))
    with env.runtime.sessions.begin() as db:
        assert db.scalar(select(WebhookEvent.status)) == "done"
    process_webhook_events(env.runtime, now + timedelta(days=31))
    with env.runtime.sessions.begin() as db:
        assert db.scalar(select(WebhookEvent.id)) is None
