"""One worker process of the benchmark's night: what a nightly flow run does batch by batch
(lease, sync on threads, evaluate, queue, release), without Prefect around it.

Started by bench_night.py with the COACH_* settings in its environment. It builds its runtime,
says "ready" on stdout, waits for a line on stdin (so that every worker starts together and
imports are not timed), runs the night and writes what it did as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coaching.runtime import Runtime  # noqa: E402
from coaching.services.night import NightOptions, run_worker  # noqa: E402
from coaching.services.claims import Night  # noqa: E402
from coaching.settings import Settings  # noqa: E402
from coaching.store.db import check_schema  # noqa: E402


def peak_rss_mb() -> float:
    """This process's own high-water mark. Not ru_maxrss: Linux carries the parent's peak across
    fork and exec into it, and the parent here holds the whole fake Strava."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _InlineExecutor:
    """A ThreadPoolExecutor stand-in that runs everything on the calling thread (profiling only)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> "_InlineExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def map(self, fn, *iterables):  # noqa: ANN001, ANN201
        return [fn(*items) for items in zip(*iterables)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--now", required=True, help="the night's instant, ISO 8601 with offset")
    parser.add_argument("--name", default=f"bench-{os.getpid()}")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--profile", type=Path, default=None,
                        help="write a pyinstrument profile of the night here (pyinstrument must be importable)")
    args = parser.parse_args()

    runtime = Runtime(Settings())
    check_schema(runtime.engine)
    runtime.box, runtime.strava, runtime.budget  # noqa: B018  (built before the clock starts)
    now = datetime.fromisoformat(args.now)
    options = NightOptions(batch_size=args.batch, strava_threads=args.threads, webhook_reconcile=timedelta(days=7))
    print("ready", flush=True)
    sys.stdin.readline()
    profiler = None
    if args.profile is not None:
        from pyinstrument import Profiler

        # pyinstrument samples the calling thread only: run each batch's pool inline, so the
        # profile sees the work (use --latency-ms 0 too, or the waits for the fake dominate).
        import coaching.services.batch as batch

        batch.ThreadPoolExecutor = _InlineExecutor  # type: ignore[misc,assignment]
        profiler = Profiler(interval=0.002, async_mode="disabled")
        profiler.start()
    start, cpu_start = time.monotonic(), time.process_time()
    report = run_worker(runtime, args.name, Night.everyone(now), now, options)
    end, cpu_s = time.monotonic(), time.process_time() - cpu_start
    if profiler is not None:
        profiler.stop()
        args.profile.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        args.profile.with_suffix(".html").write_text(profiler.output_html())
    runtime.close()
    args.out.write_text(json.dumps({
        "name": args.name, "start": start, "end": end, "athlete_ids": report.athlete_ids,
        "summary": report.as_summary(), "cpu_s": cpu_s,
        "max_rss_mb": peak_rss_mb(),
    }))


if __name__ == "__main__":
    main()
