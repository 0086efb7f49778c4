"""The flows under Prefect (its test harness), on SQLite and PostgreSQL: the nightly run is a few
batch tasks however many athletes there are, reports synced, failed and why in its summary
artifact, `coach status` reads the same figures back from the database, and the weekly flows'
steps retry a database hiccup (and nothing else)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import OperationalError

from coaching.fake_strava import FakeStrava
from coaching.services.status import pipeline_status
from coaching.store.athletes import CoachRepository
from scale_helpers import roomy_fake

pytestmark = pytest.mark.prefect


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with roomy_fake(count=10, seed=29, days=28) as fake:
        yield fake


def _task_names_once_recorded(client, run_id, done, timeout_s: float = 30.0) -> list[str]:  # noqa: ANN001
    """The flow run's task names, without their numbers, once `done(names)` holds. Prefect
    records task runs from events that reach its server after the flow has returned (a task read
    back too early still has its default name, `night_batch-d45`), so ask again until they are in,
    for at most `timeout_s`."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + timeout_s
    while True:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
        names = sorted(re.sub(r"-\d+$", "", t.name) for t in tasks)
        if done(names) or time.monotonic() > deadline:
            return names
        time.sleep(0.2)


def _rows(markdown: str) -> dict[str, str]:
    return dict(re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", markdown, flags=re.MULTILINE))


def test_the_nightly_run_is_a_few_batch_tasks_and_its_artifact_says_what_coach_status_says(
    prefect_harness, pipeline, fake
):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.nightly import nightly

    runtime, ids, smtp = pipeline
    fake.inject_fault("/athlete/activities", "500", count=1)
    fake.add_activity(fake.athlete_ids[-1])
    state = nightly(batch_size=4, strava_threads=2, now_iso=runtime.clock().isoformat(), return_state=True)
    summary = state.result()
    run_id = state.state_details.flow_run_id
    assert (summary["athletes"], summary["synced"], summary["sync_failed"], summary["batches"]) == (10, 9, 1, 3)
    assert summary["failure_reasons"] == {"StravaUnavailable": 1}

    # Ten athletes in batches of 4: three batches and the claim that found nobody left, never a
    # task per athlete; plus the webhook events and the delivery.
    expected_tasks = lambda names: names.count("batch") == 4 and len(names) <= 6  # noqa: E731
    with get_client(sync_client=True) as client:
        names = _task_names_once_recorded(client, run_id, expected_tasks)
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    assert expected_tasks(names), f"Prefect recorded these tasks within 30 s: {names}"
    [artifact] = [a for a in artifacts if a.key == "nightly-summary"]
    rows = _rows(artifact.data)
    expected = {
        "athletes": "10", "synced": "9", "sync failed": "1", "new activities": "1",
        "strava requests": str(summary["strava_requests"]), "evaluated": "10",
        "alerts queued": str(summary["alerts_queued"]), "messages queued": str(summary["messages_queued"]),
        "messages sent": str(summary["messages_sent"]), "messages waiting": str(summary["messages_waiting"]),
        "deliveries sent": str(summary["deliveries_sent"]), "outbox waiting": str(summary["outbox_waiting"]),
    }
    assert {key: rows.get(key) for key in expected} == expected
    assert "| StravaUnavailable | 1 |" in artifact.data  # failure reasons
    # Who failed, and why: the first list call of the first batch, taken by either of its threads.
    [failed] = [athlete_id for athlete_id in ids[:4] if f"- athlete {athlete_id}: StravaUnavailable" in artifact.data]
    assert summary["failures"][0].startswith(f"athlete {failed}: StravaUnavailable")
    for rule, count in summary["findings_by_rule"].items():
        assert f"| {rule} | {count} |" in artifact.data
    assert rows["strava budget"].startswith("15-minute window ")
    assert summary["alerts_queued"] > 0 and summary["deliveries_sent"] == len(smtp.received) > 0
    # The run's own messages add up: alerts (and check-in prompts) queued = sent + failed + ...
    assert summary["messages_queued"] >= summary["alerts_queued"]
    assert summary["messages_queued"] == sum(summary[f"messages_{fate}"] for fate in
                                             ("sent", "failed", "cancelled", "waiting"))

    # `coach status` reads the same night back from the database.
    with runtime.sessions.begin() as session:
        status = pipeline_status(session, runtime.clock(), athlete_limit=20)
    assert status.failing == 1 and status.athletes_detail[0].athlete_id == failed  # failing ones first
    assert status.findings_by_rule == summary["findings_by_rule"]
    assert status.messages.get("queued", 0) == summary["outbox_waiting"]
    assert status.messages.get("sent", 0) == summary["messages_sent"]


def test_each_flows_artifact_counts_its_own_messages_whichever_run_sent_them(prefect_harness, pipeline, monkeypatch):
    """Two flows running together each deliver whatever is due: the weekly run's summaries sent
    by another run's delivery still count as sent in its artifact, and nobody else's."""
    from prefect import task
    from prefect.cache_policies import NO_CACHE

    import flows.weekly as weekly
    from coaching.services.notify import DeliveryReport, deliver_due
    from flows.nightly import nightly

    runtime, ids, smtp = pipeline
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)

    @task(cache_policy=NO_CACHE)
    def someone_else_delivers(runtime, now):  # noqa: ANN001, ANN202
        deliver_due(runtime, now)  # as if the nightly's delivery step took them first
        return DeliveryReport()

    monkeypatch.setattr(weekly, "deliver", someone_else_delivers)
    summary = weekly.weekly_summaries(now_iso=monday.isoformat())
    assert (summary["summaries_queued"], summary["messages_queued"], summary["messages_sent"]) == (10, 10, 10)
    assert summary["deliveries_sent"] == 0 and summary["messages_waiting"] == 0
    assert len(smtp.received) == 10

    # A night after it queues and sends its own alerts; its artifact does not claim the summaries.
    night = nightly(now_iso=runtime.clock().isoformat())  # (the preloaded athletes were synced an hour before)
    assert night["alerts_queued"] > 0
    assert night["messages_queued"] == night["messages_sent"] == night["deliveries_sent"] == len(smtp.received) - 10

    with runtime.sessions.begin() as session:
        coaches = CoachRepository(session)
        coach = coaches.upsert(name="Cora", email="cora@example.org", timezone="Europe/Berlin")
        coaches.grant_consent(coach.id, ids[0])
    digests = weekly.coach_digests(now_iso=monday.isoformat())
    assert (digests["digests_queued"], digests["messages_queued"], digests["messages_sent"]) == (1, 1, 1)
    assert digests["deliveries_sent"] == 0  # someone else's delivery sent it


def test_the_weekly_steps_retry_a_database_hiccup_and_nothing_else(prefect_harness, pipeline, monkeypatch):
    import flows.weekly as weekly

    calls: list[str] = []
    real = weekly.queue_weekly_summaries

    def flaky(runtime, now, **kwargs):  # noqa: ANN001, ANN202
        calls.append("queue")
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return real(runtime, now, **kwargs)

    monkeypatch.setattr(weekly, "queue_weekly_summaries", flaky)
    monkeypatch.setattr(weekly, "queue_summaries", weekly.queue_summaries.with_options(retry_delay_seconds=0))
    runtime = pipeline[0]
    assert weekly.weekly_summaries(now_iso=runtime.clock().isoformat())["summaries_queued"] == 10
    assert calls == ["queue", "queue"]

    def broken(runtime, now, **kwargs):  # noqa: ANN001, ANN202
        calls.append("broken")
        raise ValueError("a bug, not a hiccup")

    monkeypatch.setattr(weekly, "queue_weekly_summaries", broken)
    with pytest.raises(ValueError):
        weekly.weekly_summaries(now_iso=runtime.clock().isoformat())
    assert calls.count("broken") == 1
