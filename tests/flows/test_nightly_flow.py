"""The flows under Prefect's test harness, against the fake Strava and a real SMTP sink."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest

from coaching.crypto import generate_key
from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.runtime import Runtime
from coaching.settings import Settings
from coaching.sinks.push_sink import PushSink
from coaching.sinks.smtp_sink import SmtpSink
from coaching.services.webhook_receipt import IncomingEvent, queue_event
from coaching.store.athletes import AthleteRepository, CoachRepository
from coaching.store.db import upgrade
from coaching.store.models import Activity, OutboxMessage, PushSubscription, WebhookEvent
from coaching.store.outbox import OutboxRepository
from tests.clock import make_clock
from tests.strava.conftest import connect

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


def _point_the_flows_at(monkeypatch, tmp_path, fake: FakeStrava, smtp: SmtpSink) -> None:
    env = {
        "COACH_DATABASE_URL": f"sqlite:///{tmp_path / 'coach.db'}", "COACH_STRAVA_API_URL": fake.base_url,
        "COACH_STRAVA_CLIENT_ID": "99", "COACH_STRAVA_CLIENT_SECRET": "flow-secret",
        "COACH_TOKEN_KEY": generate_key(), "COACH_LINK_SECRET": "link-secret",
        "COACH_SMTP_HOST": "127.0.0.1", "COACH_SMTP_PORT": str(smtp.port), "COACH_SMTP_MODE": "insecure",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_nightly_weekly_and_digest_flows_deliver_each_message_once(prefect_harness, tmp_path, monkeypatch):
    clock = make_clock()
    fake = FakeStrava(FakeStravaConfig(client_id=99, client_secret="flow-secret"), now=clock)
    strava_ids = fake.seed(count=3, personas=["steady", "long_run_spike", "no_rest"], seed=3)
    with fake, SmtpSink(tmp_path) as smtp, PushSink(tmp_path) as push:
        _point_the_flows_at(monkeypatch, tmp_path, fake, smtp)
        runtime = Runtime(Settings(), clock=clock.now)
        upgrade(runtime.engine)
        ids = [connect(runtime.sessions, runtime.strava, runtime.box, s) for s in strava_ids]
        with runtime.sessions.begin() as s:
            spike = AthleteRepository(s).get(ids[1])
            spike.push_url_encrypted = runtime.box.encrypt(push.apprise_url)
            spike.send_push = True
            coach = CoachRepository(s).upsert(name="Cora", email="cora@example.org")
            CoachRepository(s).grant_consent(coach.id, ids[0])
            CoachRepository(s).grant_consent(coach.id, ids[1])

        from flows.nightly import nightly
        from flows.weekly import coach_digests, weekly_summaries

        night = nightly(now_iso=clock.now().isoformat())
        assert night["synced"] == 3 and night["sync_failed"] == 0
        assert night["new_activities"] == sum(len(fake.activities(s)) for s in strava_ids)
        assert night["findings_by_rule"].get("long-run-spike") and night["findings_by_rule"].get("no-rest-day")
        assert night["alerts_queued"] == 3  # spike by email and push, no-rest by email; steady gets none
        assert night["messages_sent"] == 3
        assert weekly_summaries(now_iso=clock.now().isoformat())["summaries_queued"] == 4  # three emails and one push
        digest = coach_digests(now_iso=clock.now().isoformat())
        assert (digest["digests_queued"], digest["messages_sent"]) == (1, 1)

        again = nightly(now_iso=clock.now().isoformat())
        assert (again["new_activities"], again["alerts_queued"], again["messages_sent"]) == (0, 0, 0)
        assert again["strava_requests"] == 3  # one list call per athlete on a quiet night
        assert weekly_summaries(now_iso=clock.now().isoformat())["summaries_queued"] == 0
        assert coach_digests(now_iso=clock.now().isoformat())["digests_queued"] == 0

        with runtime.sessions.begin() as s:
            assert OutboxRepository(s).counts_by_status() == {"sent": 8}
        # Emails: 2 alerts, 3 summaries, 1 digest. Push: the spike runner's alert and summary.
        assert len(smtp.received) == 6 and len(push.received) == 2
        assert [m.rcpt_tos for m in smtp.received].count(("cora@example.org",)) == 1
        runtime.close()


def test_the_nightly_flow_applies_queued_webhook_events_first_and_tells_a_revoked_runner_once(
    prefect_harness, tmp_path, monkeypatch
):
    """With webhooks on, the night applies the queued events before its batches (so the new
    activity is evaluated tonight) and spends no list call on a runner the events keep current.
    A runner whose access Strava has revoked gets one reconnect email, not one a night."""
    clock = make_clock()
    fake = FakeStrava(FakeStravaConfig(client_id=99, client_secret="flow-secret"), now=clock)
    kept, revoked = fake.seed(count=2, personas=["steady", "steady"], seed=5)
    with fake, SmtpSink(tmp_path) as smtp:
        _point_the_flows_at(monkeypatch, tmp_path, fake, smtp)
        runtime = Runtime(Settings(), clock=clock.now)
        upgrade(runtime.engine)
        kept_id, revoked_id = (connect(runtime.sessions, runtime.strava, runtime.box, s) for s in (kept, revoked))
        from flows.nightly import nightly

        assert nightly(now_iso=clock.now().isoformat())["synced"] == 2  # the back-fill
        with runtime.sessions.begin() as s:
            s.add(PushSubscription(id=4242, callback_url="http://127.0.0.1/strava/webhook"))
        new_activity = fake.add_activity(kept, start_local=fake.local_now(kept) - timedelta(hours=1))
        with runtime.sessions.begin() as s:
            event = IncomingEvent(subscription_id=4242, object_type="activity", object_id=new_activity,
                                  aspect_type="create", owner_id=kept, event_time=1, updates={})
            assert queue_event(s, event, clock.now() - timedelta(seconds=1)) == "queued"
        fake.revoke_athlete(revoked)
        fake.reset_stats()

        night = nightly(now_iso=clock.now().isoformat())
        assert night["webhook_events_applied"] == 1 and night["webhook_events_deferred"] == 0
        assert night["quiet_by_webhook"] == 2 and night["strava_requests"] == 0
        with runtime.sessions.begin() as s:
            assert s.get(Activity, new_activity).athlete_id == kept_id
            assert s.query(WebhookEvent).filter(WebhookEvent.status != "done").count() == 0

        # A week later the reconcile list call finds that Strava refused the revoked runner.
        monkeypatch.setenv("COACH_DATABASE_URL", runtime.settings.database_url)
        later = clock.now() + timedelta(days=8)
        week_on = nightly(now_iso=later.isoformat())
        assert week_on["disconnected"] == 1 and week_on["synced"] == 1
        again = nightly(now_iso=(later + timedelta(days=1)).isoformat())
        assert again["disconnected"] == 0 and again["athletes"] == 1  # the revoked runner is not taken
        with runtime.sessions.begin() as s:
            assert not AthleteRepository(s).get(revoked_id).connected
            reconnects = s.query(OutboxMessage).filter_by(kind="reconnect").all()
            assert [(m.recipient_id, m.status) for m in reconnects] == [(revoked_id, "sent")]
        subjects = [message_from_bytes(m.path.read_bytes(), policy=default)["subject"] for m in smtp.received]
        assert sum("reconnect" in subject.lower() for subject in subjects) == 1, subjects
        runtime.close()
