"""What lets fan-out pay off through a work pool: batches sized from the night (about four per run)
and worker runs that start early yet begin their batches only once the webhook events are applied."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from coaching.services.claims import Night, ensure_sync_states
from coaching.services.webhook_receipt import IncomingEvent, queue_event
from coaching.store.models import PushSubscription, WebhookEvent
from flows.nightly import MIN_BATCH, batch_size_for, wait_for_webhook_events
from scale_helpers import NOW, add_athletes, runtime_on


def test_batches_are_sized_for_about_four_per_run_between_twenty_and_the_configured_size(engine):
    runtime = runtime_on(engine, "http://127.0.0.1:9")
    try:
        add_athletes(runtime.sessions, ["Europe/Berlin"] * 200)
        night = Night.everyone(NOW)
        assert batch_size_for(runtime, night, runs=1) == 50
        assert batch_size_for(runtime, night, runs=2) == 25
        assert batch_size_for(runtime, night, runs=5) == MIN_BATCH  # 10 would be too many task runs
        add_athletes(runtime.sessions, ["Europe/Berlin"] * 300)
        assert batch_size_for(runtime, night, runs=1) == runtime.settings.sync_batch_size  # 125 capped at 100
        assert batch_size_for(runtime, Night.everyone(NOW, athlete_ids=[1, 2, 3]), runs=1) == MIN_BATCH
    finally:
        runtime.close()


def test_a_worker_run_waits_for_the_webhook_events_then_goes_ahead(engine):
    runtime = runtime_on(engine, "http://127.0.0.1:9")
    try:
        with runtime.sessions.begin() as session:
            ensure_sync_states(session)
            session.add(PushSubscription(id=77, callback_url="http://127.0.0.1/strava/webhook"))
        assert wait_for_webhook_events(runtime, NOW, timeout_s=0.0)  # nothing queued: no wait
        with runtime.sessions.begin() as session:
            queue_event(session, IncomingEvent(77, "activity", 5, "create", 42, int(NOW.timestamp()), {}),
                        NOW - timedelta(minutes=1))
        assert not wait_for_webhook_events(runtime, NOW, timeout_s=0.3, every_s=0.1)  # due, not applied
        with runtime.sessions.begin() as session:  # the parent's drain has it in hand
            session.execute(update(WebhookEvent).values(status="processing", next_attempt_at=NOW))
        assert not wait_for_webhook_events(runtime, NOW, timeout_s=0.3, every_s=0.1)
        with runtime.sessions.begin() as session:  # applied
            session.execute(update(WebhookEvent).values(status="done", processed_at=NOW))
        assert wait_for_webhook_events(runtime, NOW, timeout_s=0.0)
        with runtime.sessions.begin() as session:  # one arriving during the night is for the next run
            queue_event(session, IncomingEvent(77, "activity", 6, "create", 42, int(NOW.timestamp()), {}),
                        NOW + timedelta(minutes=5))
        assert wait_for_webhook_events(runtime, NOW, timeout_s=0.0)
    finally:
        runtime.close()
