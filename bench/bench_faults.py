"""A long random SIGKILL campaign: the README's "kill points tried" figure.

The same kill points as tests/faults/test_kill_campaign.py, many more of them: the night (sync,
evaluate, queue alerts) killed at a random Strava request, and the delivery run killed after a
random message, each then run again and checked (every activity stored once, every due message
sent once, or twice only in the documented window).

    python bench/bench_faults.py --sync-points 100 --delivery-points 100 [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers

from coaching.sinks.push_sink import PushSink  # noqa: E402
from coaching.sinks.smtp_sink import SmtpSink  # noqa: E402
from tests.faults.fault_env import Clock, make_fake  # noqa: E402
from tests.faults.kill_campaign import (  # noqa: E402
    UNLIMITED_BUDGET,
    KillDriver,
    build_delivery_world,
    build_sync_world,
    delivery_campaign,
    sync_campaign,
)

def _quiet_resets() -> None:
    """A killed flow process resets its connections; the fake's server would print each one."""
    from coaching.fake_strava.server import FakeHttpServer

    original = FakeHttpServer.handle_error

    def handle_error(self: FakeHttpServer, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            original(self, request, client_address)

    FakeHttpServer.handle_error = handle_error  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sync-points", type=int, default=100)
    parser.add_argument("--delivery-points", type=int, default=100)
    parser.add_argument("--athletes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    _quiet_resets()
    workdir = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    driver = KillDriver(workdir / "driver.log")
    started = time.perf_counter()
    try:
        clock = Clock()
        personas = ["long_run_spike", "no_rest", "steady", "ramp", "low_cadence", "worn_shoes"][: args.athletes]
        with make_fake(clock, count=args.athletes, personas=personas, seed=args.seed, days=45,
                       **UNLIMITED_BUDGET) as fake:
            fake.set_latency(0.004)
            world = build_sync_world(fake, workdir / "sync", driver, clock.now())
            syncs = sync_campaign(world, driver, args.sync_points, seed=args.seed)
        sync_s = time.perf_counter() - started
        with SmtpSink(workdir / "sinks") as smtp, PushSink(workdir / "sinks") as push:
            delivery_world = build_delivery_world(workdir / "delivery", smtp, push,
                                                  datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc))
            deliveries = delivery_campaign(delivery_world, driver, args.delivery_points, seed=args.seed)
    finally:
        driver.close()
    elapsed_s = time.perf_counter() - started
    activities = sum(len(fake.activities(strava_id)) for strava_id in world.athletes)
    messages = len(delivery_world.subjects) - len(delivery_world.cancelled)
    print(f"night kill points     {len(syncs)} ({sum(o.killed for o in syncs)} killed mid-run) over "
          f"{world.requests_per_run} requests a night, {activities} activities: none lost, none doubled")
    print(f"  evaluation window   {sum(bool(o.evaluation_lost) for o in syncs)} kill points fell between an "
          "athlete's committed sync and its evaluation: that night's alert was not queued (claims.py)")
    print(f"delivery kill points  {len(deliveries)} ({sum(o.killed for o in deliveries)} killed mid-run) over "
          f"{messages} due messages: every one sent")
    print(f"  at-least-once       {sum(o.resent_in_window for o in deliveries)} messages re-sent after the lease "
          f"(accepted by the server, not yet recorded); {sum(o.sending_unsent for o in deliveries)} claimed but "
          "unsent, sent once after the lease")
    print(f"elapsed               {elapsed_s:.0f} s (night campaign {sync_s:.0f} s)")


if __name__ == "__main__":
    main()
