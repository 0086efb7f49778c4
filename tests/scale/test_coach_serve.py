"""`coach serve` for real: no server to start, deployments registered and scheduled, one SIGTERM
stops it (and the Prefect server it started) cleanly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from coaching.store.db import make_engine, upgrade
from scale_helpers import free_port

pytestmark = pytest.mark.slow  # 20-60 s on 2 cores: a Prefect server starts, then stops

NAMES = {"nightly", "nightly-worker", "weekly-summaries", "coach-digests"}


def _poll(what: str, fn, timeout_s: float, log: Path):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; coach serve said:\n{log.read_text()[-3000:]}")


def test_coach_serve_registers_and_schedules_every_deployment_and_stops_on_one_sigterm(tmp_path, prefect_home):
    engine = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    upgrade(engine)
    engine.dispose()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "COACH_"))}
    env.update({
        "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "COACH_DATABASE_URL": f"sqlite:///{tmp_path / 'coach.db'}",
        "COACH_STRAVA_CLIENT_ID": "5150", "COACH_STRAVA_CLIENT_SECRET": "unused-no-athletes",
    })
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen([sys.executable, "-m", "coaching.cli", "serve", "--port", str(port)],
                                 stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        def registered() -> list[dict] | None:
            found = requests.post(f"{api}/deployments/filter", json={}, timeout=5).json()
            return found if len(found) == len(NAMES) else None

        deployments = _poll("the deployments", registered, 90, log)
        assert {d["name"] for d in deployments} == NAMES
        by_name = {d["name"]: d for d in deployments}
        assert [s["schedule"]["cron"] for s in by_name["nightly"]["schedules"]] == ["0 * * * *"]
        assert by_name["nightly"]["parameters"] == {"local_hour": 3, "fan_out": 0}
        nightly_id = by_name["nightly"]["id"]
        scheduled = _poll("scheduled nightly runs", lambda: [
            run for run in requests.post(f"{api}/flow_runs/filter", json={
                "deployments": {"id": {"any_": [nightly_id]}}, "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            }, timeout=5).json()
        ], 30, log)
        assert all(run["expected_start_time"].endswith(":00:00Z") or ":00:00+" in run["expected_start_time"]
                   for run in scheduled)
        # A run started by hand executes in the served process and leaves its summary artifact.
        def created() -> dict | None:
            # Prefect's SQLite-backed server can answer a busy moment with an error body: ask again.
            response = requests.post(f"{api}/deployments/{nightly_id}/create_flow_run",
                                     json={"parameters": {"local_hour": 3}}, timeout=5)
            return response.json() if response.status_code == 201 else None

        run = _poll("a run started by hand", created, 30, log)

        def finished() -> dict | None:
            state = requests.get(f"{api}/flow_runs/{run['id']}", timeout=5).json()["state"]
            return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        assert _poll("the nightly run", finished, 60, log)["type"] == "COMPLETED"
        artifacts = requests.post(f"{api}/artifacts/filter", json={
            "artifacts": {"flow_run_id": {"any_": [run["id"]]}}}, timeout=5).json()
        assert [a["key"] for a in artifacts] == ["nightly-summary"]
        assert "| athletes | 0 |" in artifacts[0]["data"] and "| strava requests | 0 |" in artifacts[0]["data"]
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            code = serve.wait(timeout=40)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise AssertionError(f"coach serve ignored SIGTERM:\n{log.read_text()[-3000:]}")
    assert code == 0, log.read_text()[-3000:]
    with pytest.raises(requests.ConnectionError):  # the Prefect server it started is gone too
        requests.get(f"{api}/health", timeout=2)
    with sqlite3.connect(prefect_home / "prefect.db") as db:  # paused, so no run piles up while down
        assert dict(db.execute("select name, paused from deployment")) == {name: 1 for name in NAMES}
