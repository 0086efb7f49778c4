"""Fan-out through the real deployment: a Prefect server, a process work pool, `prefect deploy` from
deployments/prefect.yaml, `--workers` process workers, and nightly runs triggered through the API
with `fan_out=0` and `fan_out=N`, against the fake Strava with `--latency-ms` per request.

    .venv/bin/python bench/bench_deployment.py --athletes 1000 [--fan-out 2] [--workers 2] [--nights 2]
                                               [--latency-ms 50] [--new-share 0.05] [--poll-s 2]

Setup, not timed: the fake seeded (35 days each), the database (a schema of its own in
COACH_TEST_DATABASE_URL's PostgreSQL) preloaded as if everyone had connected and been back-filled
(bench/night_seed.py), the server, the pool, the deployments and the workers started. Then
`--nights` pairs of nights alternate fan_out=0 and fan_out=N (each night re-takes everybody:
`local_hour` null), with `--new-share` of the athletes uploading one activity before each.
Timed: from the API call that creates the nightly run until the run and every worker run it
started have finished. Checked: every athlete taken exactly once across the runs' artifacts.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench", ROOT / "tests" / "scale"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_night import CLIENT_ID, CLIENT_SECRET, _database  # noqa: E402
from coaching.crypto import generate_key  # noqa: E402
from coaching.fake_strava import FakeStrava, FakeStravaConfig  # noqa: E402
from coaching.runtime import Runtime  # noqa: E402
from coaching.settings import Settings  # noqa: E402
from coaching.store.db import upgrade  # noqa: E402
from night_seed import preload  # noqa: E402
from prefect_processes import Child, api_call, clean_env, poll, prefect_cli, start_server  # noqa: E402

TERMINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def _rows(markdown: str) -> dict[str, str]:
    return dict(re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", markdown, flags=re.MULTILINE))


def _runs_of(api: str, deployment_id: str, since: str) -> list[dict]:
    return api_call("POST", f"{api}/flow_runs/filter", json={
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"expected_start_time": {"after_": since}}}) or []


def one_night(api: str, deployments: dict, fan_out: int, children: list[Child]) -> dict:
    since = datetime.now(timezone.utc).isoformat()
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    run = poll("the nightly run to be created", lambda: api_call(
        "POST", f"{api}/deployments/{deployments['nightly']['id']}/create_flow_run",
        json={"parameters": {"local_hour": None, "fan_out": fan_out}}), 60, *children)

    def done() -> list[dict] | None:
        parent = api_call("GET", f"{api}/flow_runs/{run['id']}")
        workers = _runs_of(api, deployments["nightly-worker"]["id"], since)
        runs = [parent, *workers] if parent else []
        finished = parent and len(workers) == fan_out and all(r["state_type"] in TERMINAL for r in runs)
        return runs if finished else None

    runs = poll("the night's runs to finish", done, 1800, *children, every_s=0.25)
    wall_s = time.monotonic() - started
    assert all(r["state_type"] == "COMPLETED" for r in runs), [(r["name"], r["state_type"]) for r in runs]
    shares = []
    for r in runs:
        [artifact] = api_call("POST", f"{api}/artifacts/filter",
                              json={"artifacts": {"flow_run_id": {"any_": [r["id"]]}}})
        shares.append(int(_rows(artifact["data"])["athletes"]))
    created = datetime.fromisoformat(runs[0]["created"])
    start_delays = [round((datetime.fromisoformat(r["start_time"]) - created).total_seconds(), 1) for r in runs]
    return {"fan_out": fan_out, "wall_s": round(wall_s, 1), "athletes_per_run": shares,
            "start_after_s": start_delays, "load_1min": f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--fan-out", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nights", type=int, default=2, help="pairs of nights (fan_out=0, then fan_out=N)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--new-share", type=float, default=0.05)
    parser.add_argument("--days", type=int, default=35)
    parser.add_argument("--poll-s", type=float, default=2.0, help="the workers' PREFECT_WORKER_QUERY_SECONDS")
    parser.add_argument("--pg-url", default=os.environ.get("COACH_TEST_DATABASE_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    budget = 100 * args.athletes + 10_000
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, read_limit_15min=budget,
                                       read_limit_daily=budget, overall_limit_15min=budget, overall_limit_daily=budget))
    strava_ids = fake.seed(count=args.athletes, end_date=date.today() - timedelta(days=1), seed=2026, days=args.days)
    url, drop = _database("postgres", work, args.pg_url)
    coach = {"COACH_DATABASE_URL": url, "COACH_STRAVA_API_URL": "", "COACH_STRAVA_CLIENT_ID": str(CLIENT_ID),
             "COACH_STRAVA_CLIENT_SECRET": CLIENT_SECRET, "COACH_TOKEN_KEY": generate_key(),
             "COACH_LINK_SECRET": "bench-link-secret", "COACH_STRAVA_REQUEST_TIMEOUT_S": "30",
             "COACH_SMTP_HOST": "127.0.0.1", "COACH_SMTP_PORT": "9", "COACH_SMTP_MODE": "insecure"}
    children: list[Child] = []
    with fake:
        coach["COACH_STRAVA_API_URL"] = fake.base_url
        runtime = Runtime(Settings(**{k.removeprefix("COACH_").lower(): v for k, v in coach.items()}))
        try:
            upgrade(runtime.engine)
            preload(runtime, fake, strava_ids, synced_at=datetime.now(timezone.utc) - timedelta(hours=20))
            fake.set_latency(args.latency_ms / 1000)
            home = work / "prefect"
            home.mkdir()
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            server, api = start_server(home, port, work)
            children.append(server)
            client = clean_env(PREFECT_API_URL=api, PREFECT_HOME=str(work / "client"), COACH_HOME=str(ROOT))
            for command in (["work-pool", "create", "knee-coach", "--type", "process"],
                            ["--no-prompt", "deploy", "--all", "--prefect-file", "deployments/prefect.yaml"]):
                done = prefect_cli(command, client, ROOT)
                assert done.returncode == 0, done.stdout + done.stderr
            deployments = {d["name"]: d for d in api_call("POST", f"{api}/deployments/filter", json={})}
            for index in range(args.workers):
                env = {**clean_env(PREFECT_API_URL=api, PREFECT_HOME=str(work / f"worker{index}"),
                                   PREFECT_WORKER_QUERY_SECONDS=str(args.poll_s), PREFECT_LOGGING_LEVEL="WARNING"),
                       **coach}
                children.append(Child(f"worker{index}", [sys.executable, "-m", "prefect", "worker", "start",
                                                         "--pool", "knee-coach", "--limit", "4"], env, work, work))
            results = []
            for _ in range(args.nights):
                for fan_out in (0, args.fan_out):
                    step = max(1, round(1 / args.new_share)) if args.new_share > 0 else 0
                    for strava_id in strava_ids[::step] if step else []:
                        fake.add_activity(strava_id)
                    fake.reset_stats()
                    result = one_night(api, deployments, fan_out, children)
                    stats = fake.stats
                    result["requests_per_athlete"] = round(stats.requests_total / args.athletes, 3)
                    assert sum(result["athletes_per_run"]) == args.athletes, result  # nobody twice, nobody missed
                    results.append(result)
                    print(result, flush=True)
            by = {f: [r["wall_s"] for r in results if r["fan_out"] == f] for f in (0, args.fan_out)}
            print(f"athletes {args.athletes}, latency {args.latency_ms:.0f} ms, {args.workers} workers, "
                  f"poll {args.poll_s} s: fan_out=0 {by[0]} s, fan_out={args.fan_out} {by[args.fan_out]} s, "
                  f"speed-up {min(by[0]) / min(by[args.fan_out]):.2f}x (best of each)")
        finally:
            for child in reversed(children):
                child.stop()
            runtime.close()
            drop()  # type: ignore[operator]


if __name__ == "__main__":
    main()
