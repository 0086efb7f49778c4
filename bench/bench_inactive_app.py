"""Requests a night spends while Strava keeps the app inactive (API.md §6; goal: 1).

    .venv/bin/python bench/bench_inactive_app.py [--athletes 1000] [--nights 3] [--threads 8] [--batch 100]

Setup, not timed: a fake seeded with `--athletes` runners, all stored as connected and back-filled
(bench/night_seed.py), and webhook events queued for a tenth of them. Then the app goes inactive and
`--nights` nights run, each a fresh runtime as a flow run is (webhook drain, then the batches);
then the app is reactivated and one more night runs (with webhooks on, its athletes need no list
call: the drain's events are its requests). Printed per night: the fake's request count,
athletes synced, operator emails queued, and the wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from sqlalchemy import func, select  # noqa: E402

from coaching.crypto import generate_key  # noqa: E402
from coaching.fake_strava import FakeStrava, FakeStravaConfig  # noqa: E402
from coaching.runtime import Runtime  # noqa: E402
from coaching.services.claims import Night  # noqa: E402
from coaching.services.night import NightOptions, run_worker  # noqa: E402
from coaching.services.webhooks import drain_webhook_events  # noqa: E402
from coaching.settings import Settings  # noqa: E402
from coaching.store.db import upgrade  # noqa: E402
from coaching.store.models import Athlete, OutboxMessage, PushSubscription, WebhookEvent  # noqa: E402
from night_seed import preload  # noqa: E402

CLIENT_ID, CLIENT_SECRET = 8801, "bench-secret"
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    clock = {"at": NOW}
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, read_limit_15min=10**6,
                                       read_limit_daily=10**7, overall_limit_15min=10**6, overall_limit_daily=10**7),
                      now=lambda: clock["at"].timestamp())
    fake.seed(count=args.athletes, end_date=NOW.date() - timedelta(days=1), seed=5, days=7)
    workdir = Path(tempfile.mkdtemp(prefix="bench-inactive-"))
    settings = dict(database_url=f"sqlite:///{workdir / 'coach.db'}", strava_client_id=CLIENT_ID,
                    strava_client_secret=CLIENT_SECRET, token_key=generate_key(), link_secret="bench",
                    operator_email="operator@example.org")
    with fake:
        settings["strava_api_url"] = fake.base_url
        runtime = Runtime(Settings(**settings))
        upgrade(runtime.engine)
        preload(runtime, fake, fake.athlete_ids, NOW - timedelta(days=1))
        with runtime.sessions.begin() as session:
            session.add(PushSubscription(id=1, callback_url="http://127.0.0.1/strava/webhook"))
            owners = session.scalars(select(Athlete.strava_id).limit(max(1, args.athletes // 10))).all()
            session.add_all(WebhookEvent(dedupe_key=f"e{i}", subscription_id=1, object_type="activity",
                                         object_id=9_000_000 + i, aspect_type="create", owner_id=owner, updates={},
                                         event_time=int(NOW.timestamp()), next_attempt_at=NOW)
                            for i, owner in enumerate(owners))
        runtime.close()
        options = NightOptions(batch_size=args.batch, strava_threads=args.threads, webhook_reconcile=None)
        print(f"{args.athletes} athletes, {len(owners)} webhook events queued, threads {args.threads}, "
              f"load average {os.getloadavg()[0]:.2f}")
        for night in range(args.nights + 1):
            if night == args.nights:
                fake.set_app_inactive(False)
            elif night == 0:
                fake.set_app_inactive(True)
            at = NOW + timedelta(days=night)
            clock["at"] = at
            fake.reset_stats()
            started = time.monotonic()
            night_runtime = Runtime(Settings(**settings))
            night_runtime.box = runtime.box  # type: ignore[misc]
            drain_webhook_events(night_runtime, at)
            report = run_worker(night_runtime, "bench", Night.everyone(at), at, options)
            with night_runtime.sessions.begin() as session:
                emails = session.scalar(select(func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.recipient_type == "operator"))
            night_runtime.close()
            state = "inactive" if night < args.nights else "active again"
            print(f"night {night + 1} (app {state}): {fake.stats.requests_total} Strava requests, "
                  f"{report.sync.synced} athletes synced, {report.sync.quiet} current by webhook, "
                  f"{report.evaluation.evaluated} evaluated, {report.sync.disconnected} disconnected, "
                  f"{report.sync.failed} failed, operator emails queued so far {emails}, "
                  f"{time.monotonic() - started:.2f} s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
