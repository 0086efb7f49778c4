"""The flows under Prefect (its test harness), on SQLite and PostgreSQL: the nightly run is a few
batch tasks however many athletes there are, reports synced, failed and why in its summary
artifact, `coach status` reads the same figures back from the database, and the weekly flows'
steps retry a database hiccup (and nothing else)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import OperationalError

from coaching.fake_strava import FakeStrava
from coaching.services.status import pipeline_status
from scale_helpers import roomy_fake

pytestmark = pytest.mark.prefect


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with roomy_fake(count=10, seed=29, days=28) as fake:
        yield fake


def _rows(markdown: str) -> dict[str, str]:
    return dict(re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", markdown, flags=re.MULTILINE))


def test_the_nightly_run_is_a_few_batch_tasks_and_its_artifact_says_what_coach_status_says(
    prefect_harness, pipeline, fake
):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, FlowRunFilterId

    from flows.nightly import nightly

    runtime, ids, smtp = pipeline
    fake.inject_fault("/athlete/activities", "500", count=1)
    fake.add_activity(fake.athlete_ids[-1])
    state = nightly(batch_size=4, strava_threads=2, return_state=True)
    summary = state.result()
    run_id = state.state_details.flow_run_id
    assert (summary["athletes"], summary["synced"], summary["sync_failed"], summary["batches"]) == (10, 9, 1, 3)
    assert summary["failure_reasons"] == {"StravaUnavailable": 1}

    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    names = sorted(re.sub(r"-\d+$", "", t.name) for t in tasks)
    # Ten athletes in batches of 4: three batches and the claim that found nobody left, never a
    # task per athlete; plus the webhook events and the delivery.
    assert names.count("batch") == 4 and len(names) <= 6, names
    [artifact] = [a for a in artifacts if a.key == "nightly-summary"]
    rows = _rows(artifact.data)
    expected = {
        "athletes": "10", "synced": "9", "sync failed": "1", "new activities": "1",
        "strava requests": str(summary["strava_requests"]), "evaluated": "10",
        "alerts queued": str(summary["alerts_queued"]), "messages sent": str(summary["messages_sent"]),
        "messages waiting": str(summary["messages_waiting"]),
    }
    assert {key: rows.get(key) for key in expected} == expected
    assert "| StravaUnavailable | 1 |" in artifact.data  # failure reasons
    # Who failed, and why: the first list call of the first batch, taken by either of its threads.
    [failed] = [athlete_id for athlete_id in ids[:4] if f"- athlete {athlete_id}: StravaUnavailable" in artifact.data]
    assert summary["failures"][0].startswith(f"athlete {failed}: StravaUnavailable")
    for rule, count in summary["findings_by_rule"].items():
        assert f"| {rule} | {count} |" in artifact.data
    assert rows["strava budget"].startswith("15-minute window ")
    assert summary["alerts_queued"] > 0 and summary["messages_sent"] == len(smtp.received) > 0

    # `coach status` reads the same night back from the database.
    with runtime.sessions.begin() as session:
        status = pipeline_status(session, datetime.now(timezone.utc), athlete_limit=20)
    assert status.failing == 1 and status.athletes_detail[0].athlete_id == failed  # failing ones first
    assert status.findings_by_rule == summary["findings_by_rule"]
    assert status.messages.get("queued", 0) == summary["messages_waiting"]
    assert status.messages.get("sent", 0) == summary["messages_sent"]


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
    assert weekly.weekly_summaries()["summaries_queued"] == 10
    assert calls == ["queue", "queue"]

    def broken(runtime, now, **kwargs):  # noqa: ANN001, ANN202
        calls.append("broken")
        raise ValueError("a bug, not a hiccup")

    monkeypatch.setattr(weekly, "queue_weekly_summaries", broken)
    with pytest.raises(ValueError):
        weekly.weekly_summaries()
    assert calls.count("broken") == 1
