"""A burst of Strava webhook events against the real web app: the README's webhook latency figures.

`coach web` runs as its own process (uvicorn on 127.0.0.1, as deployed); this process plays Strava:
the fake Strava holds the activities, and a pool of threads posts 1,000 events in 10 seconds on a
fixed schedule, a new connection each (Strava gives each event 2 s and tries 3 times). A fifth of
the events are Strava's retries of earlier ones. Then `process_webhook_events` applies the queue, and
the run checks exactly-once: every answer 200, each event queued once (retries answered
"duplicate"), each activity fetched once and stored once under its owner, no event left.

    python bench/bench_webhook_burst.py [--db sqlite|postgresql|URL] [--events 1000] [--seconds 10]
                                        [--connections 16] [--athletes 10] [--duplicates 0.2]

The test tests/web_hostile/test_webhook_burst.py runs this same code.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text  # noqa: E402

from coaching.crypto import generate_key  # noqa: E402
from coaching.fake_strava import FakeStrava, FakeStravaConfig  # noqa: E402
from coaching.fake_strava.testing import follow_authorize  # noqa: E402
from coaching.runtime import Runtime  # noqa: E402
from coaching.services.connect import connect_athlete  # noqa: E402
from coaching.services.subscriptions import subscribe  # noqa: E402
from coaching.services.webhooks import WebhookReport, process_webhook_events  # noqa: E402
from coaching.settings import Settings  # noqa: E402
from coaching.store.db import make_engine, upgrade  # noqa: E402
from coaching.store.models import Activity, WebhookEvent  # noqa: E402

CLIENT_ID, CLIENT_SECRET = 5151, "burst-client-secret"
UNLIMITED = {"read_limit_15min": 10**6, "read_limit_daily": 10**7, "overall_limit_15min": 10**6,
             "overall_limit_daily": 10**7}
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
STRAVA_DEADLINE_S = 2.0


@dataclass
class BurstResult:
    latencies_s: list[float] = field(default_factory=list)
    lateness_s: list[float] = field(default_factory=list)  # how far behind schedule each send started
    statuses: Counter = field(default_factory=Counter)
    answers: Counter = field(default_factory=Counter)  # "queued", "duplicate", "error: ..."
    wall_s: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


@dataclass
class Outcome:
    burst: BurstResult
    report: WebhookReport
    process_s: float
    unique: int
    duplicates: int
    queued_rows: int
    left_over: int
    stored: int  # activities stored among the events' ones
    stored_twice_or_misowned: int
    fetches: int  # GET /activities/{id} the fake answered during processing
    problems: list[str]

    @property
    def exactly_once(self) -> bool:
        return not self.problems


# The world: a database, the fake Strava with the runners' new activities, `coach web` --------------

@contextlib.contextmanager
def database(kind: str, directory: Path) -> Iterator[str]:
    """A migrated, empty database URL: a SQLite file, or a fresh schema in PostgreSQL."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / 'burst.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    base = DEFAULT_POSTGRES if kind == "postgresql" else kind
    schema = f"burst_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def web_process(settings: Settings, port: int, log_path: Path) -> Iterator[str]:
    """`coach web` in its own process, configured through COACH_* variables like a deployment."""
    env = {**os.environ, "COACH_DATABASE_URL": settings.database_url, "COACH_STRAVA_API_URL": settings.strava_api_url,
           "COACH_STRAVA_CLIENT_ID": str(CLIENT_ID), "COACH_STRAVA_CLIENT_SECRET": CLIENT_SECRET,
           "COACH_TOKEN_KEY": settings.token_key.get_secret_value(),  # type: ignore[union-attr]
           "COACH_LINK_SECRET": settings.link_secret.get_secret_value(),  # type: ignore[union-attr]
           "COACH_PUBLIC_URL": settings.public_url, "COACH_STRAVA_REDIRECT_URI": settings.strava_redirect_uri,
           "SILENCE_TOKEN_WARNINGS": "true"}
    command = [sys.executable, "-c", "from coaching.cli import main; main()", "web", "--host", "127.0.0.1",
               "--port", str(port)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=Path(__file__).resolve().parents[1])
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base_url + "/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"coach web did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.05)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class World:
    fake: FakeStrava
    runtime: Runtime
    base_url: str
    owner_of: dict[int, int]  # activity id -> owner's Strava id
    athlete_of: dict[int, int]  # Strava id -> our athlete id


@contextlib.contextmanager
def burst_world(kind: str, directory: Path, *, athletes: int, activities: int) -> Iterator[World]:
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **UNLIMITED))
    end = datetime.now(timezone.utc).date() - timedelta(days=1)
    fake.seed(count=athletes, end_date=end, personas=["steady"], seed=5, days=7)
    port = _free_port()
    with fake, database(kind, directory) as url:
        settings = Settings(
            database_url=url, strava_api_url=fake.base_url, strava_client_id=CLIENT_ID,
            strava_client_secret=CLIENT_SECRET, token_key=generate_key(), link_secret="burst-link-secret-0123456789",
            public_url=f"http://127.0.0.1:{port}", strava_redirect_uri=f"http://127.0.0.1:{port}/strava/callback",
            strava_request_timeout_s=10.0, _env_file=None,  # type: ignore[call-arg]
        )
        runtime = Runtime(settings)
        athlete_of = {}
        for strava_id in fake.athlete_ids:  # connected; their history is not imported (not needed here)
            query = follow_authorize(fake.authorize_url(settings.strava_redirect_uri, athlete_id=strava_id,
                                                        scopes=("read", "activity:read_all"), state="s"))
            with runtime.sessions.begin() as db:
                athlete_of[strava_id] = connect_athlete(db, runtime.strava, runtime.box, code=query["code"],
                                                        granted_scope=query["scope"]).athlete_id
        # New uploads, made before the subscription exists: the burst below stands in for their events.
        owner_of = {}
        for n in range(activities):
            strava_id = fake.athlete_ids[n % len(fake.athlete_ids)]
            owner_of[fake.add_activity(strava_id, distance_m=5_000.0 + n)] = strava_id
        try:
            with web_process(settings, port, directory / "web.log") as base_url:
                subscribe(runtime)  # the fake checks our callback answers its challenge
                yield World(fake, runtime, base_url, owner_of, athlete_of)
        finally:
            runtime.close()


def events_for(world: World, *, total: int, duplicate_share: float, seed: int = 1) -> tuple[list[bytes], int]:
    """`total` event bodies: one create per activity, and Strava's retries of some of them (byte for
    byte), each after its original. Returns the bodies in sending order and the number of retries."""
    with world.runtime.sessions.begin() as db:
        from coaching.store.models import PushSubscription

        subscription_id = int(db.scalar(select(PushSubscription.id)) or 0)
    rng = random.Random(seed)
    retries = round(total * duplicate_share)
    originals = [json.dumps({"aspect_type": "create", "event_time": int(time.time()), "object_id": activity_id,
                             "object_type": "activity", "owner_id": owner, "subscription_id": subscription_id,
                             "updates": {}}).encode()
                 for activity_id, owner in list(world.owner_of.items())[: total - retries]]
    order = list(originals)
    for _ in range(retries):
        original = rng.randrange(len(originals))
        position = order.index(originals[original])
        order.insert(rng.randrange(position + 1, len(order) + 1), originals[original])
    return order, retries


# The burst --------------------------------------------------------------------------------------

def burst(base_url: str, bodies: list[bytes], *, seconds: float, connections: int) -> BurstResult:
    """Post `bodies` evenly over `seconds` from `connections` threads, each post on a new connection."""
    result = BurstResult()
    lock = threading.Lock()
    interval = seconds / len(bodies)
    next_index = iter(range(len(bodies)))
    start = time.perf_counter() + 0.2

    def worker() -> None:
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=base_url, timeout=30, limits=limits) as client:
            while True:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                due = start + index * interval
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                sent = time.perf_counter()
                try:
                    answer = client.post("/strava/webhook", content=bodies[index],
                                         headers={"content-type": "application/json"})
                    status, outcome = answer.status_code, answer.json().get("status", "error")
                except (httpx.HTTPError, ValueError) as error:
                    status, outcome = 0, f"error: {type(error).__name__}"
                took = time.perf_counter() - sent
                with lock:
                    result.latencies_s.append(took)
                    result.lateness_s.append(max(0.0, sent - due))
                    result.statuses[status] += 1
                    result.answers[outcome] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - start
    return result


def process_everything(world: World) -> WebhookReport:
    total = WebhookReport()
    while True:
        part = process_webhook_events(world.runtime, datetime.now(timezone.utc))
        for name in ("processed", "ignored", "failed", "deferred"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        if part.processed + part.ignored + part.failed + part.deferred == 0:
            return total


def run_burst(world: World, *, events: int, seconds: float, connections: int, duplicate_share: float) -> Outcome:
    bodies, retries = events_for(world, total=events, duplicate_share=duplicate_share)
    unique = events - retries
    result = burst(world.base_url, bodies, seconds=seconds, connections=connections)
    with world.runtime.sessions.begin() as db:
        queued_rows = int(db.scalar(select(func.count()).select_from(WebhookEvent)) or 0)
    world.fake.reset_stats()
    started = time.perf_counter()
    report = process_everything(world)
    process_s = time.perf_counter() - started
    fetches = world.fake.stats.by_route.get("GET /api/v3/activities/{id}", 0)
    sent_ids = {json.loads(body)["object_id"] for body in bodies}
    with world.runtime.sessions.begin() as db:
        left_over = int(db.scalar(select(func.count()).select_from(WebhookEvent)
                                  .where(WebhookEvent.status.in_(("queued", "processing")))) or 0)
        rows = db.execute(select(Activity.id, Activity.athlete_id).where(Activity.id.in_(sent_ids))).all()
    stored_ids = Counter(activity_id for activity_id, _ in rows)
    misowned = sum(1 for activity_id, athlete_id in rows
                   if world.athlete_of[world.owner_of[activity_id]] != athlete_id)
    twice = sum(1 for count in stored_ids.values() if count > 1)
    problems = []
    if result.statuses != Counter({200: events}):
        problems.append(f"statuses {dict(result.statuses)}")
    if result.answers != Counter({"queued": unique, "duplicate": retries}):
        problems.append(f"answers {dict(result.answers)}, expected {unique} queued and {retries} duplicate")
    if queued_rows != unique:
        problems.append(f"{queued_rows} events queued for {unique} distinct events")
    if (report.processed, report.failed, report.deferred) != (unique, 0, 0):
        problems.append(f"processing: {report}")
    if left_over:
        problems.append(f"{left_over} events left")
    if len(stored_ids) != unique or twice or misowned:
        problems.append(f"{len(stored_ids)} of {unique} activities stored, {twice} twice, {misowned} misowned")
    if fetches != unique:
        problems.append(f"{fetches} activity fetches for {unique} activities")
    return Outcome(result, report, process_s, unique, retries, queued_rows, left_over, len(stored_ids),
                   twice + misowned, fetches, problems)


def measure(kind: str, *, events: int = 1000, seconds: float = 10.0, connections: int = 16, athletes: int = 10,
            duplicate_share: float = 0.2) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="burst-") as directory:
        unique = events - round(events * duplicate_share)
        with burst_world(kind, Path(directory), athletes=athletes, activities=unique) as world:
            return run_burst(world, events=events, seconds=seconds, connections=connections,
                             duplicate_share=duplicate_share)


def describe(kind: str, outcome: Outcome) -> str:
    burst_result = outcome.burst
    ms = 1000.0
    late = statistics.median(burst_result.lateness_s) * ms
    return "\n".join([
        f"database: {kind}",
        f"  sent: {sum(burst_result.statuses.values())} events in {burst_result.wall_s:.1f} s "
        f"({outcome.unique} distinct, {outcome.duplicates} Strava retries), statuses {dict(burst_result.statuses)}",
        f"  latency: median {statistics.median(burst_result.latencies_s) * ms:.1f} ms, "
        f"p99 {burst_result.percentile(99) * ms:.1f} ms, max {max(burst_result.latencies_s) * ms:.1f} ms "
        f"(Strava's deadline {STRAVA_DEADLINE_S * ms:.0f} ms; client behind schedule: median {late:.1f} ms)",
        f"  answers: {dict(burst_result.answers)}; rows queued: {outcome.queued_rows}",
        f"  processed in {outcome.process_s:.1f} s: {outcome.report.processed} applied, {outcome.report.failed} "
        f"failed, {outcome.report.deferred} deferred, {outcome.left_over} left; {outcome.fetches} activity fetches; "
        f"{outcome.stored} activities stored, {outcome.stored_twice_or_misowned} twice or under the wrong runner",
        f"  exactly once: {'yes' if outcome.exactly_once else 'NO: ' + '; '.join(outcome.problems)}",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite", help="sqlite, postgresql (local test server) or a PostgreSQL URL")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--athletes", type=int, default=10)
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of the events that are retries")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} cores")
    outcome = measure(args.db, events=args.events, seconds=args.seconds, connections=args.connections,
                      athletes=args.athletes, duplicate_share=args.duplicates)
    print(describe(args.db if args.db in ("sqlite", "postgresql") else "postgresql (URL)", outcome))
    load = os.getloadavg()
    print(f"load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0 if outcome.exactly_once else 1


if __name__ == "__main__":
    sys.exit(main())
