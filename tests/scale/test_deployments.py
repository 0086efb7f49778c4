"""The deployments as data (schedules, parameters, limits), prefect.yaml in step with them, and
the local-time rules the hourly schedules rely on."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml

from coaching.store.athletes import CoachRepository
from coaching.store.outbox import NewMessage, OutboxRepository
from deployments.definitions import SPECS, runner_deployments
from flows.weekly import athletes_due_summary, coaches_due_digest, past_weekly_time
from scale_helpers import NOW, add_athletes

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_runs_hourly_in_utc_with_its_local_hour_and_a_concurrency_limit():
    deployments = {d.flow_name + "/" + d.name: d for d in runner_deployments()}
    assert sorted(deployments) == ["coach-digests/coach-digests", "nightly-worker/nightly-worker",
                                   "nightly/nightly", "weekly-summaries/weekly-summaries"]
    schedules = {name: [(s.schedule.cron, s.schedule.timezone) for s in d.schedules] for name, d in deployments.items()}
    assert schedules == {
        "nightly/nightly": [("0 * * * *", "UTC")],
        "nightly-worker/nightly-worker": [],
        "weekly-summaries/weekly-summaries": [("0 * * * 0,1", "UTC")],
        "coach-digests/coach-digests": [("0 * * * 0,1", "UTC")],
    }
    assert deployments["nightly/nightly"].parameters == {"local_hour": 3, "fan_out": 0}
    assert deployments["weekly-summaries/weekly-summaries"].parameters == {"local_hour": 7}
    assert deployments["coach-digests/coach-digests"].parameters == {"local_hour": 8}
    nightly = deployments["nightly/nightly"]
    assert nightly.concurrency_limit == 1 and nightly.concurrency_options.collision_strategy.value == "CANCEL_NEW"
    assert deployments["nightly-worker/nightly-worker"].concurrency_limit == 4
    # Module entrypoints: the served runs import the installed package from any directory.
    assert nightly.entrypoint == "flows.nightly.nightly"


def test_prefect_yaml_declares_the_same_deployments_as_coach_serve():
    document = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text())
    declared = {
        d["name"]: (d["entrypoint"].split(":")[1], [s["cron"] for s in d["schedules"] or []],
                    {s["timezone"] for s in d["schedules"] or []}, d["parameters"], d["concurrency_limit"])
        for d in document["deployments"]
    }
    expected = {
        spec.name: (spec.flow.fn.__name__, [spec.cron] if spec.cron else [], {"UTC"} if spec.cron else set(),
                    spec.parameters, {"limit": spec.concurrency_limit, "collision_strategy": spec.collision_strategy})
        for spec in SPECS
    }
    assert declared == expected
    # `schedules: []` makes Prefect 3.9 warn on every redeploy; a deployment without one says null.
    assert all(d["schedules"] is None or d["schedules"] for d in document["deployments"])
    for d in document["deployments"]:  # every entrypoint names a real file and function
        path, function = d["entrypoint"].split(":")
        assert f"def {function}(" in (ROOT / path).read_text()


def test_the_weekly_hour_has_passed_only_once_monday_reaches_it_on_the_zones_clock():
    sunday_evening_utc = datetime(2026, 11, 29, 21, 0, tzinfo=timezone.utc)  # Monday 08:00 in Sydney
    assert past_weekly_time(sunday_evening_utc, "Australia/Sydney", 7)
    assert past_weekly_time(sunday_evening_utc, "Australia/Sydney", 8)
    assert not past_weekly_time(datetime(2026, 11, 29, 19, 0, tzinfo=timezone.utc), "Australia/Sydney", 7)
    monday_noon_utc = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)  # Monday 05:00 in Denver
    assert not past_weekly_time(monday_noon_utc, "America/Denver", 7)
    assert past_weekly_time(datetime(2026, 11, 30, 14, 0, tzinfo=timezone.utc), "America/Denver", 7)
    assert past_weekly_time(datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc), "America/Denver", 7)  # Monday night


def test_summaries_and_digests_are_due_in_each_ones_morning_and_only_until_queued(sessions):
    sydney, denver = add_athletes(sessions, ["Australia/Sydney", "America/Denver"])
    with sessions.begin() as session:
        coaches = CoachRepository(session)
        berlin = coaches.upsert(name="Bea", email="bea@example.org", timezone="Europe/Berlin").id
        la = coaches.upsert(name="Lou", email="lou@example.org", timezone="America/Los_Angeles").id
        outbox = OutboxRepository(session)  # last week's went out last Monday
        outbox.enqueue(NewMessage("athlete", denver, "weekly_summary", "2026-W47", "email", "s", "b"), NOW)
        outbox.enqueue(NewMessage("coach", la, "coach_digest", "2026-W47", "email", "s", "b"), NOW)
    monday_0800_berlin = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)
    with sessions.begin() as session:
        assert athletes_due_summary(session, monday_0800_berlin, 7) == [sydney]  # Denver: Monday 00:00
        assert coaches_due_digest(session, monday_0800_berlin, 8) == [berlin]  # LA: still Sunday
        assert coaches_due_digest(session, monday_0800_berlin, 8, coach_ids=[la]) == []
        OutboxRepository(session).enqueue(
            NewMessage("athlete", sydney, "weekly_summary", "2026-W48", "email", "s", "b"), monday_0800_berlin)
    with sessions.begin() as session:
        assert athletes_due_summary(session, monday_0800_berlin, 7) == []  # queued: an hour later is a no-op
        later = datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)  # Monday 09:00 in Denver, 08:00 in LA
        assert athletes_due_summary(session, later, 7) == [denver]
        assert coaches_due_digest(session, later, 8) == [berlin, la]


def test_every_deployed_flows_database_steps_retry_twice_on_a_connection_failure():
    """Retries live on the steps (Prefect tasks), not the whole run: a retried step is idempotent
    (leases, outbox keys), and only a lost database connection is worth waiting for."""
    import flows.nightly as nightly
    import flows.weekly as weekly
    from flows._runtime import database_hiccup

    steps = {
        "nightly/nightly": [nightly.night_batch, nightly.apply_webhook_events, nightly.deliver],
        "nightly-worker/nightly-worker": [nightly.night_batch, nightly.deliver],
        "weekly-summaries/weekly-summaries": [weekly.queue_summaries, weekly.deliver],
        "coach-digests/coach-digests": [weekly.queue_digests, weekly.deliver],
    }
    assert sorted(steps) == sorted(spec.full_name for spec in SPECS)
    for name, tasks in steps.items():
        for step in tasks:
            assert step.retries == 2 and step.retry_delay_seconds == [10, 60], (name, step.name)
            assert step.retry_condition_fn is not None, (name, step.name)
    assert weekly.deliver.retry_condition_fn is database_hiccup
