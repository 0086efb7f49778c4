"""The nightly's webhook drain on several threads (SQLite and PostgreSQL): every event applied once,
each athlete's events in order on one thread, and a spent budget leaves the rest queued."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from coaching.fake_strava import FakeStrava
from coaching.services.webhook_receipt import IncomingEvent, queue_event
from coaching.services.webhooks import drain_webhook_events
from coaching.store.models import Activity, Athlete, PushSubscription, WebhookEvent
from scale_helpers import preloaded_runtime, roomy_fake

SUBSCRIPTION = 4242


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with roomy_fake(count=12, seed=31, days=14) as fake:
        yield fake


def _queue(runtime, events: list[tuple[str, int, str, int, dict]], now: datetime) -> None:  # noqa: ANN001
    with runtime.sessions.begin() as session:
        session.merge(PushSubscription(id=SUBSCRIPTION, callback_url="http://127.0.0.1/strava/webhook"))
    with runtime.sessions.begin() as session:
        for index, (object_type, object_id, aspect, owner, updates) in enumerate(events):
            assert queue_event(session, IncomingEvent(SUBSCRIPTION, object_type, object_id, aspect, owner,
                                                      int(now.timestamp()) + index, updates), now) == "queued"


def _statuses(runtime) -> dict[str, int]:  # noqa: ANN001
    with runtime.sessions.begin() as session:
        rows = session.query(WebhookEvent.status).all()
    counts: dict[str, int] = {}
    for (status,) in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_a_threaded_drain_applies_every_event_once_and_each_runners_in_order(engine, fake):
    runtime, ids = preloaded_runtime(engine, fake)
    try:
        strava_ids = fake.athlete_ids
        new = {s: fake.add_activity(s) for s in strava_ids[:10]}
        leaving = strava_ids[11]
        last_run = fake.add_activity(leaving)
        fake.revoke_athlete(leaving)
        now = runtime.clock()
        events = [("activity", activity_id, "create", s, {}) for s, activity_id in new.items()]
        events.append(("activity", new[strava_ids[0]], "update", strava_ids[0], {"title": "Morning run"}))
        # The leaving runner's upload, then their revocation: one thread takes both, in that order.
        events.append(("activity", last_run, "create", leaving, {}))
        events.append(("athlete", leaving, "update", leaving, {"authorized": "false"}))
        _queue(runtime, events, now)
        fake.set_latency(0.02)
        fake.reset_stats()

        report = drain_webhook_events(runtime, now, chunk=5, threads=4)

        assert (report.processed, report.ignored, report.failed, report.deferred) == (12, 0, 1, 0)
        assert report.erased_athletes == 1 and not report.budget_exhausted
        # The erasure took the leaving runner's own two events with the rest of their data.
        assert _statuses(runtime) == {"done": 11}
        with runtime.sessions.begin() as session:
            stored = {a.id for a in session.query(Activity).filter(Activity.id.in_(list(new.values())))}
            assert stored == set(new.values())
            assert session.query(Athlete).filter_by(strava_id=leaving).count() == 0  # erased
        # One fetch per activity event (and a shoe for the new ones), nothing twice.
        assert fake.stats.by_route.get("GET /api/v3/activities/{id}", 0) <= 12
    finally:
        runtime.close()


def test_a_spent_budget_stops_the_drain_and_leaves_the_rest_queued_unclaimed(engine, fake):
    runtime, ids = preloaded_runtime(engine, fake)
    try:
        new = {s: fake.add_activity(s) for s in fake.athlete_ids}
        now = runtime.clock()
        _queue(runtime, [("activity", a, "create", s, {}) for s, a in new.items()], now)
        fake.set_rate_limits(read_15min=fake.rate_usage()["read_15min"] + 6)

        report = drain_webhook_events(runtime, now, chunk=50, threads=4)

        assert report.budget_exhausted and report.deferred >= 1
        assert 0 < report.processed < len(new)
        statuses = _statuses(runtime)
        assert "processing" not in statuses  # nothing left claimed by a stopped thread
        assert statuses["queued"] == len(new) - report.processed
        assert fake.stats.rate_limited == 0 or report.deferred >= 1
    finally:
        runtime.close()
