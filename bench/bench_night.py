"""A simulated night against the fake Strava: many athletes, most with nothing new.

    .venv/bin/python bench/bench_night.py --athletes 1000 --db sqlite|postgres --workers 1|2|1,2
                                          [--latency-ms 50] [--new-share 0.05] [--webhooks] [--days 35]
                                          [--batch 100] [--threads 8] [--pg-url URL] [--profile PREFIX]

Setup, not timed: the fake is seeded with `--days` of history per athlete and its request budget
raised far above Strava's default one (100 reads per 15 minutes and 1,000 a day, API.md §3:
10,000 athletes a night are only possible "when the budget allows it"); the database is
pre-loaded directly (bench/night_seed.py) as if every athlete had connected and been back-filled
last night; `--new-share` of the athletes then upload one new activity. With `--webhooks` a push
subscription is stored and the new activities arrive as queued webhook events.

Timed, the night: (webhook events applied, then) `--workers` processes run the nightly batches
(bench/night_worker.py: lease, sync on threads, evaluate, queue alerts, release) against the same
database, each request to the fake delayed by `--latency-ms`. Delivery is not part of it.

Checked: every athlete taken exactly once across the workers, and the requests each athlete cost,
from the fake's own counters. `--workers 1,2` runs the night twice on fresh databases and prints
the speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from sqlalchemy import text  # noqa: E402

from coaching.crypto import generate_key  # noqa: E402
from coaching.fake_strava import FakeStrava, FakeStravaConfig  # noqa: E402
from coaching.runtime import Runtime  # noqa: E402
from coaching.settings import Settings  # noqa: E402
from coaching.store.db import make_engine, upgrade  # noqa: E402
from night_seed import preload  # noqa: E402

CLIENT_ID, CLIENT_SECRET = 8800, "bench-secret"
SUBSCRIPTION_ID = 424242
LIST_ROUTE = "GET /api/v3/athlete/activities"


def _database(kind: str, workdir: Path, pg_url: str) -> tuple[str, object]:
    """A fresh database: a SQLite file, or a schema of its own in PostgreSQL. Returns (url, drop)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'night-{uuid.uuid4().hex[:6]}.db'}", lambda: None
    schema = f"bench_night_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in pg_url else "?"
    return f"{pg_url}{separator}options=-csearch_path%3D{schema}", drop


def _queue_webhook_events(runtime: Runtime, new: dict[int, int], now: datetime) -> None:
    from coaching.services.webhook_receipt import IncomingEvent, queue_event
    from coaching.store.models import PushSubscription

    with runtime.sessions.begin() as session:
        session.add(PushSubscription(id=SUBSCRIPTION_ID, callback_url="http://127.0.0.1/strava/webhook"))
    with runtime.sessions.begin() as session:
        for strava_id, activity_id in new.items():
            queue_event(session, IncomingEvent(SUBSCRIPTION_ID, "activity", activity_id, "create", strava_id,
                                               int(now.timestamp()), {}), now)


def run_night(fake: FakeStrava, strava_ids: list[int], args: argparse.Namespace, workers: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-night-"))
    url, drop = _database(args.db, workdir, args.pg_url)
    env = {**os.environ, "COACH_DATABASE_URL": url, "COACH_STRAVA_API_URL": fake.base_url,
           "COACH_STRAVA_CLIENT_ID": str(CLIENT_ID), "COACH_STRAVA_CLIENT_SECRET": CLIENT_SECRET,
           "COACH_TOKEN_KEY": generate_key(), "COACH_LINK_SECRET": "bench-link-secret",
           "COACH_STRAVA_REQUEST_TIMEOUT_S": "30"}
    settings = Settings(**{k.removeprefix("COACH_").lower(): v for k, v in env.items() if k.startswith("COACH_")})
    runtime = Runtime(settings)
    try:
        upgrade(runtime.engine)
        now = datetime.now(timezone.utc)
        started = time.monotonic()
        preload(runtime, fake, strava_ids, synced_at=now - timedelta(hours=20))
        setup_s = time.monotonic() - started
        step = max(1, round(1 / args.new_share)) if args.new_share > 0 else 0
        new = {s: fake.add_activity(s) for s in strava_ids[::step]} if step else {}
        if args.webhooks:
            _queue_webhook_events(runtime, new, now)
        fake.reset_stats()
        procs = [
            subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "night_worker.py"), "--out", str(workdir / f"w{i}.json"),
                 "--now", now.isoformat(), "--name", f"bench-w{i}", "--batch", str(args.batch),
                 "--threads", str(args.threads),
                 *(["--profile", f"{args.profile}.w{i}.txt"] if args.profile else [])],
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
            for i in range(workers)
        ]
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        load_before = os.getloadavg()[0]
        night_started, fake_cpu_start = time.monotonic(), time.process_time()
        webhook_s = 0.0
        if args.webhooks:  # what the nightly flow does before its batches
            from coaching.services.webhooks import drain_webhook_events

            processed = drain_webhook_events(runtime, now)
            webhook_s = time.monotonic() - night_started
            assert processed.processed == len(new), processed
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            if proc.wait() != 0:
                raise RuntimeError(f"a worker failed with exit code {proc.returncode}")
        results = [json.loads((workdir / f"w{i}.json").read_text()) for i in range(workers)]
        wall_s = webhook_s + max(r["end"] for r in results) - min(r["start"] for r in results)
        figures = _figures(fake, strava_ids, new, results, args, workers, wall_s, setup_s)
        # The fake runs in this process: its CPU competes with the workers' on a small machine.
        figures["fake_cpu_s"] = round(time.process_time() - fake_cpu_start, 1)
        figures["webhook_s"] = round(webhook_s, 1)  # events applied before the batches (part of wall_s)
        # The machine is shared: the 1-minute load average when the night started and ended.
        figures["load_1min"] = f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"
        return figures
    finally:
        runtime.close()
        drop()  # type: ignore[operator]


def _figures(fake: FakeStrava, strava_ids: list[int], new: dict[int, int], results: list[dict],
             args: argparse.Namespace, workers: int, wall_s: float, setup_s: float) -> dict:
    taken = Counter(athlete_id for r in results for athlete_id in r["athlete_ids"])
    stats = fake.stats
    quiet = [s for s in strava_ids if s not in new]
    summaries = [r["summary"] for r in results]
    return {
        "db": args.db, "athletes": len(strava_ids), "workers": workers, "webhooks": args.webhooks,
        "latency_ms": args.latency_ms, "new": len(new), "wall_s": round(wall_s, 1),
        "athletes_per_s": round(len(strava_ids) / wall_s, 1),
        "req_per_quiet_athlete": round(sum(stats.by_athlete.get(s, 0) for s in quiet) / max(1, len(quiet)), 3),
        "req_per_new_athlete": round(sum(stats.by_athlete.get(s, 0) for s in new) / max(1, len(new)), 3),
        "requests": stats.requests_total, "list_calls": stats.by_route.get(LIST_ROUTE, 0),
        "rate_limited": stats.rate_limited,
        "taken": len(taken), "taken_twice": sum(1 for n in taken.values() if n > 1),
        "per_worker": [len(r["athlete_ids"]) for r in results],
        "synced": sum(s["synced"] for s in summaries), "quiet": sum(s["quiet_by_webhook"] for s in summaries),
        "failed": sum(s["sync_failed"] for s in summaries), "evaluated": sum(s["evaluated"] for s in summaries),
        "alerts_queued": sum(s["alerts_queued"] for s in summaries),
        "new_activities": sum(s["new_activities"] for s in summaries),
        "skipped": sum(s["sync_skipped"] for s in summaries),
        "budget_exhausted": any(s["budget_exhausted"] for s in summaries),
        "failure_reasons": dict(sum((Counter(s["failure_reasons"]) for s in summaries), Counter())),
        "peak_rss_mb": round(max(r["max_rss_mb"] for r in results)), "setup_s": round(setup_s, 1),
        "worker_cpu_s": round(sum(r["cpu_s"] for r in results), 1),
    }


COLUMNS = [("db", 8), ("athletes", 8), ("workers", 7), ("webhooks", 8), ("wall_s", 7), ("athletes_per_s", 10),
           ("req_per_quiet_athlete", 10), ("req_per_new_athlete", 10), ("requests", 8), ("taken_twice", 11),
           ("evaluated", 9), ("alerts_queued", 9), ("peak_rss_mb", 11), ("worker_cpu_s", 12), ("fake_cpu_s", 10),
           ("load_1min", 9)]


def print_table(rows: list[dict]) -> None:
    print(" | ".join(f"{name:>{width}}" for name, width in COLUMNS))
    print("-|-".join("-" * width for _, width in COLUMNS))
    for row in rows:
        print(" | ".join(f"{str(row[name]):>{width}}" for name, width in COLUMNS))
    if len(rows) > 1 and rows[-1]["wall_s"]:
        print(f"speed-up {rows[0]['workers']} -> {rows[-1]['workers']} workers: "
              f"{rows[0]['wall_s'] / rows[-1]['wall_s']:.2f}x")


def _seeded_fake(args: argparse.Namespace) -> FakeStrava:
    budget = 100 * args.athletes + 10_000  # far above the real 100/15 min: see the docstring
    fake = FakeStrava(FakeStravaConfig(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, latency_s=args.latency_ms / 1000,
        read_limit_15min=budget, read_limit_daily=budget, overall_limit_15min=budget, overall_limit_daily=budget,
    ))
    started = time.monotonic()
    fake.seed(count=args.athletes, end_date=date.today() - timedelta(days=1), seed=2026, days=args.days)
    print(f"fake seeded with {args.athletes} athletes x {args.days} days in {time.monotonic() - started:.1f} s",
          file=sys.stderr)
    return fake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", default="1", help="worker processes, or a list such as 1,2")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--new-share", type=float, default=0.05, help="share of athletes with a new activity")
    parser.add_argument("--webhooks", action="store_true")
    parser.add_argument("--days", type=int, default=35, help="history per athlete in the fake")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--profile", default=None,
                        help="profile each worker with pyinstrument into PREFIX.w<i>.txt (and .html)")
    parser.add_argument("--pg-url", default=os.environ.get("COACH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()

    rows = []
    for workers in (int(w) for w in args.workers.split(",")):
        fake = _seeded_fake(args)  # the same seed each time: every scenario gets the same night
        with fake:
            rows.append(run_night(fake, fake.athlete_ids, args, workers))
        print(json.dumps(rows[-1]), file=sys.stderr)
    print_table(rows)


if __name__ == "__main__":
    main()
