"""The deployment path an operator follows (deployments/README.md), for real: a Prefect server as a
child process (SQLite, its own PREFECT_HOME), a process work pool, `prefect deploy` from
deployments/prefect.yaml, one `prefect worker start`, a nightly run triggered through the API, and
the run's artifact and logs read back. Also what `prefect deploy` says without COACH_HOME, and that
a redeploy is quiet."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.db import make_engine, upgrade
from prefect_processes import Child, api_call, clean_env, poll, prefect_cli, start_server
from scale_helpers import CLIENT_ID, CLIENT_SECRET, free_port, preload, runtime_on

pytestmark = [pytest.mark.slow, pytest.mark.prefect]  # 60-120 s: a server, three deploys, a worker, a run

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 18, 12, 2, tzinfo=timezone.utc)  # the night's instant, passed to the run
ATHLETES = 12
DEPLOY = ["--no-prompt", "deploy", "--all", "--prefect-file", "deployments/prefect.yaml"]
TERMINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def _rows(markdown: str) -> dict[str, str]:
    return dict(re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", markdown, flags=re.MULTILINE))


@pytest.fixture
def coach_env(tmp_path):
    """A coach database with ATHLETES connected and back-filled an hour before NOW, the fake Strava
    they are on, an SMTP sink, and the COACH_* settings a worker machine would have."""
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, read_limit_15min=10_000,
                                       read_limit_daily=100_000, overall_limit_15min=10_000,
                                       overall_limit_daily=100_000))
    fake.seed(count=ATHLETES, end_date=NOW.date() - timedelta(days=1), seed=17, days=21)
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with fake, SmtpSink(tmp_path / "mail") as smtp:
        runtime = runtime_on(engine, fake.base_url)
        preload(runtime, fake, fake.athlete_ids, NOW - timedelta(hours=1))
        fake.add_activity(fake.athlete_ids[0])
        env = {
            "COACH_DATABASE_URL": url, "COACH_STRAVA_API_URL": fake.base_url,
            "COACH_STRAVA_CLIENT_ID": str(CLIENT_ID), "COACH_STRAVA_CLIENT_SECRET": CLIENT_SECRET,
            "COACH_TOKEN_KEY": runtime.settings.token_key.get_secret_value(),  # type: ignore[union-attr]
            "COACH_LINK_SECRET": "scale-link-secret", "COACH_SMTP_HOST": "127.0.0.1",
            "COACH_SMTP_PORT": str(smtp.port), "COACH_SMTP_MODE": "insecure",
        }
        yield env, fake, smtp
        runtime.close()
    engine.dispose()


def test_a_nightly_run_deployed_with_prefect_deploy_runs_on_a_process_worker_and_reports(
    tmp_path, prefect_home, coach_env
):
    coach, fake, smtp = coach_env
    server, api = start_server(prefect_home, free_port(), tmp_path)
    children = [server]
    client_env = clean_env(PREFECT_API_URL=api, PREFECT_HOME=str(tmp_path / "client-home"))
    try:
        created = prefect_cli(["work-pool", "create", "knee-coach", "--type", "process"], client_env, tmp_path)
        assert created.returncode == 0, created.stdout + created.stderr

        # Without COACH_HOME, deploy refuses, says why, and registers nothing.
        refused = prefect_cli(DEPLOY, client_env, ROOT)
        assert refused.returncode != 0
        assert "COACH_HOME must be set" in refused.stdout + refused.stderr
        assert api_call("POST", f"{api}/deployments/filter", json={}) == []

        with_home = {**client_env, "COACH_HOME": str(ROOT)}
        first = prefect_cli(DEPLOY, with_home, ROOT)
        assert first.returncode == 0, first.stdout + first.stderr
        again = prefect_cli(DEPLOY, with_home, ROOT)  # as after each release: quietly
        assert again.returncode == 0, again.stdout + again.stderr
        said = again.stdout + again.stderr
        assert "FutureWarning" not in said and "Preserving existing schedules" not in said, said
        deployments = {d["name"]: d for d in api_call("POST", f"{api}/deployments/filter", json={})}
        assert sorted(deployments) == ["coach-digests", "nightly", "nightly-worker", "weekly-summaries"]
        for deployment in deployments.values():
            assert deployment["pull_steps"] == [
                {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]
        assert deployments["nightly-worker"]["schedules"] == []

        worker = Child("worker", [sys.executable, "-m", "prefect", "worker", "start", "--pool", "knee-coach",
                                  "--limit", "2"],
                       {**clean_env(PREFECT_API_URL=api, PREFECT_HOME=str(tmp_path / "worker-home"),
                                    PREFECT_WORKER_QUERY_SECONDS="1"), **coach}, tmp_path, tmp_path)
        children.append(worker)
        # A whole night now, as the runbook says (local_hour null), here at an explicit instant.
        started = prefect_cli(["deployment", "run", "nightly/nightly", "--param", "local_hour=null",
                               "--param", f"now_iso={NOW.isoformat()}"], client_env, tmp_path)
        assert started.returncode == 0, started.stdout + started.stderr
        run_id = re.search(r"UUID: ([0-9a-f-]{36})", started.stdout).group(1)  # type: ignore[union-attr]
        run = api_call("GET", f"{api}/flow_runs/{run_id}")
        assert run["parameters"] == {"local_hour": None, "now_iso": NOW.isoformat(), "fan_out": 0}

        def finished() -> dict | None:
            state = (api_call("GET", f"{api}/flow_runs/{run['id']}") or {}).get("state") or {}
            return state if state.get("type") in TERMINAL else None

        state = poll("the nightly run to finish on the worker", finished, 180, *children)
        assert state["type"] == "COMPLETED", state
        [artifact] = api_call("POST", f"{api}/artifacts/filter",
                              json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}})
        assert artifact["key"] == "nightly-summary"
        rows = _rows(artifact["data"])
        assert (rows["athletes"], rows["synced"], rows["sync failed"], rows["new activities"]) == \
            (str(ATHLETES), str(ATHLETES), "0", "1")
        assert int(rows["strava requests"]) == fake.stats.requests_total > 0
        assert int(rows["deliveries sent"]) == len(smtp.received) > 0
        assert rows["messages queued"] == rows["messages sent"] == str(len(smtp.received))

        def logs() -> list[str] | None:
            found = api_call("POST", f"{api}/logs/filter", json={"logs": {"flow_run_id": {"any_": [run["id"]]}}})
            return [log["message"] for log in found or []] or None

        messages = poll("the run's logs", logs, 30, *children)
        assert any(m.startswith("night batch worker=") and f"athletes={ATHLETES}" in m for m in messages), messages
        assert not any("www.strava.com" in m for m in messages)

        # The next night with fan_out=1: the parent starts a nightly-worker run on the pool, and
        # between them every athlete is taken exactly once.
        next_night = (NOW + timedelta(days=1)).isoformat()
        second = prefect_cli(["deployment", "run", "nightly/nightly", "--param", "local_hour=null",
                              "--param", f"now_iso={next_night}", "--param", "fan_out=1"], client_env, tmp_path)
        assert second.returncode == 0, second.stdout + second.stderr
        parent_id = re.search(r"UUID: ([0-9a-f-]{36})", second.stdout).group(1)  # type: ignore[union-attr]
        worker_id = deployments["nightly-worker"]["id"]

        def night_done() -> list[dict] | None:
            parent = api_call("GET", f"{api}/flow_runs/{parent_id}")
            helpers = api_call("POST", f"{api}/flow_runs/filter",
                               json={"deployments": {"id": {"any_": [worker_id]}}}) or []
            runs = [parent, *helpers] if parent else []
            return runs if len(helpers) == 1 and all(r["state_type"] in TERMINAL for r in runs) else None

        runs = poll("the fanned-out night to finish", night_done, 240, *children)
        assert [r["state_type"] for r in runs] == ["COMPLETED", "COMPLETED"], [(r["name"], r["state"]) for r in runs]
        assert runs[1]["parameters"]["now_iso"] == next_night
        shares = {}
        for r in runs:
            [summary] = api_call("POST", f"{api}/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [r["id"]]}}})
            shares[summary["key"]] = int(_rows(summary["data"])["athletes"])
        assert set(shares) == {"nightly-summary", "nightly-worker-summary"} and sum(shares.values()) == ATHLETES
    finally:
        for child in reversed(children):
            child.stop()
