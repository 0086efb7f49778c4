"""Benchmark: render and queue N weekly summaries (issue goal: 10,000 in under 30 s).

Builds a SQLite (or PostgreSQL) database with N athletes, each with 16 weeks of runs, rides and
strength sessions, then times `queue_weekly_summaries`, the real code path of the weekly flow:
load, summarise, render (HTML, text, push), write to the outbox.

    python bench/bench_messages.py --athletes 10000 [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

from coaching.crypto import generate_key
from coaching.runtime import Runtime
from coaching.services.weekly import queue_weekly_summaries, week_just_ended
from coaching.settings import Settings
from coaching.store.db import downgrade, upgrade
from coaching.store.models import Activity, Athlete

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)  # a Monday morning


def build(runtime: Runtime, athletes: int, seed: int = 1, chunk_athletes: int = 500) -> int:
    """Insert `athletes` runners with 16 weeks of training, `chunk_athletes` at a time: holding all
    960,000 rows of 10,000 athletes in memory at once made the benchmark's own set-up the peak RSS."""
    rng = random.Random(seed)
    activities = 0
    for first in range(1, athletes + 1, chunk_athletes):
        athlete_rows, activity_rows = _rows(rng, range(first, min(first + chunk_athletes, athletes + 1)))
        with runtime.engine.begin() as conn:
            conn.execute(insert(Athlete), athlete_rows)
            conn.execute(insert(Activity), activity_rows)
        activities += len(activity_rows)
    return activities


def _rows(rng: random.Random, athlete_ids: range) -> tuple[list[dict], list[dict]]:
    week_start = week_just_ended(NOW, "UTC")
    first_day = week_start - timedelta(weeks=15)
    athlete_rows, activity_rows = [], []
    for athlete_id in athlete_ids:
        athlete_rows.append(dict(
            id=athlete_id, strava_id=10**6 + athlete_id, first_name=f"Runner{athlete_id}", last_name="",
            timezone="UTC", units=rng.choice(["metric", "imperial"]), email=f"r{athlete_id}@example.org",
            send_email=True, send_push=False, alerts_enabled=True, summaries_enabled=True, connected=True,
            threshold_overrides={}, created_at=NOW, updated_at=NOW,
        ))
        for day in range(16 * 7):
            date_ = first_day + timedelta(days=day)
            sport = ("Run", "Run", None, "Run", "Ride", "Run", "WeightTraining")[date_.weekday()]
            if sport is None:
                continue
            start_local = datetime.combine(date_, datetime.min.time()) + timedelta(hours=7)
            km = rng.uniform(5, 16) if sport == "Run" else rng.uniform(20, 40)
            activity_rows.append(dict(
                id=10**10 + athlete_id * 1000 + day, athlete_id=athlete_id, name=sport, sport_type=sport,
                start_utc=start_local.replace(tzinfo=timezone.utc), start_local=start_local,
                distance_m=km * 1000 if sport != "WeightTraining" else 0.0,
                moving_s=int(km * 330) if sport != "WeightTraining" else 2700, elapsed_s=0,
                elevation_gain_m=rng.uniform(0, 120), average_speed_mps=3.0,
                average_cadence_raw=rng.uniform(80, 88) if sport == "Run" else None,
                gear_id=None, manual=False, trainer=False, private=False, raw={}, fetched_at=NOW,
            ))
    return athlete_rows, activity_rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--athletes", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-messages-"))
    url = f"sqlite:///{workdir / 'coach.db'}" if args.db == "sqlite" else "postgresql://postgres@127.0.0.1:5432/test"
    runtime = Runtime(Settings(database_url=url, token_key=generate_key(), link_secret="bench"))
    if args.db == "postgres":
        downgrade(runtime.engine, "base")
        with runtime.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(runtime.engine)
    started = time.perf_counter()
    activities = build(runtime, args.athletes)
    built_s = time.perf_counter() - started

    built_peak_mb = _peak_rss_mb()
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    queued = queue_weekly_summaries(runtime, NOW)
    elapsed_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    load_after = os.getloadavg()[0]
    again_started = time.perf_counter()
    requeued = queue_weekly_summaries(runtime, NOW)
    again_s = time.perf_counter() - again_started
    peak_mb = _peak_rss_mb()
    if args.db == "postgres":
        downgrade(runtime.engine, "base")
    runtime.close()
    print(f"database            {args.db}")
    print(f"athletes            {args.athletes:,}  ({activities:,} activities, built in {built_s:.1f} s)")
    print(f"summaries queued    {queued:,} in {elapsed_s:.1f} s = {queued / elapsed_s:,.0f} messages/s "
          f"({cpu_s:.1f} s of CPU)")
    print(f"load average        {load_before:.2f} before, {load_after:.2f} after (1 min, {os.cpu_count()} cores)")
    print(f"rerun               {requeued} queued in {again_s:.1f} s (nothing twice)")
    print(f"peak memory         {peak_mb:,.0f} MB (max RSS; {built_peak_mb:,.0f} MB after building the data)")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
