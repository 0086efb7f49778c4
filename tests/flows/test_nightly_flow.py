"""The flows under Prefect's test harness, against the fake Strava and a real SMTP sink."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from coaching.crypto import generate_key
from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.runtime import Runtime
from coaching.settings import Settings
from coaching.sinks.push_sink import PushSink
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.athletes import AthleteRepository, CoachRepository
from coaching.store.db import upgrade
from coaching.store.outbox import OutboxRepository
from tests.strava.conftest import connect

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


def test_nightly_weekly_and_digest_flows_deliver_each_message_once(prefect_harness, tmp_path, monkeypatch):
    yesterday = date.today() - timedelta(days=1)
    fake = FakeStrava(FakeStravaConfig(client_id=99, client_secret="flow-secret"))
    strava_ids = fake.seed(count=3, end_date=yesterday, personas=["steady", "long_run_spike", "no_rest"], seed=3)
    with fake, SmtpSink(tmp_path) as smtp, PushSink(tmp_path) as push:
        env = {
            "COACH_DATABASE_URL": f"sqlite:///{tmp_path / 'coach.db'}", "COACH_STRAVA_API_URL": fake.base_url,
            "COACH_STRAVA_CLIENT_ID": "99", "COACH_STRAVA_CLIENT_SECRET": "flow-secret",
            "COACH_TOKEN_KEY": generate_key(), "COACH_LINK_SECRET": "link-secret",
            "COACH_SMTP_HOST": "127.0.0.1", "COACH_SMTP_PORT": str(smtp.port), "COACH_SMTP_MODE": "insecure",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        runtime = Runtime(Settings())
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

        night = nightly()
        assert night["synced"] == 3 and night["sync_failed"] == 0
        assert night["new_activities"] == sum(len(fake.activities(s)) for s in strava_ids)
        assert night["findings_by_rule"].get("long-run-spike") and night["findings_by_rule"].get("no-rest-day")
        assert night["alerts_queued"] == 3  # spike by email and push, no-rest by email; steady gets none
        assert night["messages_sent"] == 3
        assert weekly_summaries()["summaries_queued"] == 4  # three emails and one push
        digest = coach_digests()
        assert (digest["digests_queued"], digest["messages_sent"]) == (1, 1)

        again = nightly()
        assert (again["new_activities"], again["alerts_queued"], again["messages_sent"]) == (0, 0, 0)
        assert again["strava_requests"] == 3  # one list call per athlete on a quiet night
        assert weekly_summaries()["summaries_queued"] == 0
        assert coach_digests()["digests_queued"] == 0

        with runtime.sessions.begin() as s:
            assert OutboxRepository(s).counts_by_status() == {"sent": 8}
        # Emails: 2 alerts, 3 summaries, 1 digest. Push: the spike runner's alert and summary.
        assert len(smtp.received) == 6 and len(push.received) == 2
        assert [m.rcpt_tos for m in smtp.received].count(("cora@example.org",)) == 1
        runtime.close()
