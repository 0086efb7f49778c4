"""Evaluation benchmark: 1,000 synthetic athletes with a year of history each, evaluated from the
database (the real `coaching.store` schema on SQLite).

    .venv/bin/python bench/bench_evaluate.py [--athletes 1000] [--batch 100] [--workers 1] [--db PATH]
                                             [--tracemalloc]

Setup (generating and inserting the history) is not timed. The timed part is what the nightly flow
does: per batch of athletes, ONE query for all their activities of the last 400 days (ordered by
athlete and start, served by the (athlete_id, start_utc) index) and one for their gear, rows turned
into domain dataclasses, then `evaluate()` per athlete. Nothing is cached between athletes.
With --workers N the batches are shared by N processes (as the nightly flow shares batches between
workers), each with its own connection. Prints athlete-evaluations per second and peak memory (peak
RSS of the largest process; with --tracemalloc, single process only, also the Python heap peak, at
tracemalloc's cost in speed).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta, timezone
from itertools import groupby
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coaching.domain.evaluate import evaluate  # noqa: E402
from coaching.domain.model import Activity, Gear  # noqa: E402
from coaching.store import models  # noqa: E402
from coaching.store.db import make_engine  # noqa: E402

AS_OF = date(2025, 10, 19)
DAYS = 365
HISTORY_DAYS = 400  # what the nightly evaluation loads: a year plus the longest rule window


def synthetic_athlete(rng: random.Random, athlete_id: int, first_activity_id: int) -> tuple[list[dict], list[dict]]:
    """A year of plausible training for one athlete: 3-6 runs a week with a weekly long run, a
    block structure with the odd spike and break, some cross-training and strength, two pairs of
    shoes, and a few watch+phone duplicates and manual entries for the guards to catch."""
    runs_per_week = rng.randint(3, 6)
    easy_km = rng.uniform(4.0, 11.0)
    long_factor = rng.uniform(1.4, 2.4)
    pace_s = rng.uniform(270.0, 400.0)
    stride_cadence = rng.uniform(76.0, 90.0)
    max_hr = rng.uniform(175.0, 198.0)
    trail_share = rng.choice((0.0, 0.0, 0.1, 0.3))
    rides_per_week = rng.choice((0, 0, 1, 2))
    strength_per_week = rng.choice((0, 1, 2, 3))
    shoes = [f"g{athlete_id}1", f"g{athlete_id}2"]
    break_start = rng.randint(30, DAYS - 30) if rng.random() < 0.3 else -1
    run_days = sorted(rng.sample(range(7), runs_per_week))
    rows: list[dict] = []
    next_id = first_activity_id
    start = AS_OF - timedelta(days=DAYS - 1)
    for offset in range(DAYS):
        today = start + timedelta(days=offset)
        if break_start <= offset < break_start + rng.randint(10, 20):
            continue
        week = offset // 7
        block = 1.0 + 0.1 * (week % 4) - (0.25 if week % 4 == 3 else 0.0)
        weekday = today.weekday()
        if weekday in run_days:
            km = easy_km * block * rng.uniform(0.8, 1.2)
            if weekday == run_days[-1]:
                km *= long_factor * (1.5 if rng.random() < 0.05 else 1.0)
            sport = "TrailRun" if rng.random() < trail_share else "Run"
            moving = int(km * pace_s * rng.uniform(0.93, 1.07))
            hard = rng.random() < 0.15
            rows.append(
                _row(
                    next_id, athlete_id, sport, today, rng.randint(6, 19), km * 1000, moving,
                    elevation=km * rng.uniform(2, 25 if sport == "TrailRun" else 8),
                    heartrate=max_hr * (0.9 if hard else rng.uniform(0.72, 0.84)),
                    max_heartrate=max_hr * rng.uniform(0.88, 1.0),
                    cadence=stride_cadence * rng.uniform(0.96, 1.04) * (1.03 if hard else 1.0),
                    workout_type=3 if hard and rng.random() < 0.5 else 0,
                    gear=shoes[offset % 2 if rng.random() < 0.7 else 0],
                )
            )
            next_id += 1
            if rng.random() < 0.02:  # the same run from the phone too
                rows.append(_row(next_id, athlete_id, sport, today, None, km * 1000 * 1.01, moving, base=rows[-1]))
                next_id += 1
        if rides_per_week and rng.random() < rides_per_week / 7:
            minutes = rng.uniform(30, 90)
            rows.append(_row(next_id, athlete_id, "Ride", today, 17, minutes * 450, int(minutes * 60)))
            next_id += 1
        if strength_per_week and rng.random() < strength_per_week / 7:
            manual = rng.random() < 0.3
            rows.append(_row(next_id, athlete_id, "WeightTraining", today, 20, 0.0, 2700, manual=manual))
            next_id += 1
    gear = [
        {"id": shoe, "athlete_id": athlete_id, "name": f"Shoe {i + 1}", "distance_m": rng.uniform(100, 900) * 1000}
        for i, shoe in enumerate(shoes)
    ]
    return rows, gear


def _row(
    activity_id: int, athlete_id: int, sport: str, day: date, hour: int | None, distance_m: float,
    moving_s: int, *, elevation: float = 0.0, heartrate: float | None = None,
    max_heartrate: float | None = None, cadence: float | None = None, workout_type: int | None = None,
    gear: str | None = None, manual: bool = False, base: dict | None = None,
) -> dict:
    if base is not None:  # a second recording of the same activity, 20 s later, with less data
        return {**base, "id": activity_id, "distance_m": distance_m,
                "start_utc": base["start_utc"] + timedelta(seconds=20),
                "start_local": base["start_local"] + timedelta(seconds=20),
                "average_heartrate_bpm": None, "max_heartrate_bpm": None, "gear_id": None}
    local = datetime(day.year, day.month, day.day, hour or 7, 0)
    return {
        "id": activity_id, "athlete_id": athlete_id, "name": sport, "sport_type": sport,
        "start_utc": (local - timedelta(hours=2)).replace(tzinfo=timezone.utc), "start_local": local,
        "distance_m": distance_m, "moving_s": moving_s, "elapsed_s": moving_s + 60,
        "elevation_gain_m": elevation, "average_speed_mps": distance_m / moving_s if moving_s else None,
        "average_heartrate_bpm": heartrate, "max_heartrate_bpm": max_heartrate,
        "average_cadence_raw": cadence, "workout_type": workout_type, "gear_id": gear,
        "manual": manual, "trainer": False, "private": False, "raw": {},
    }


def populate(engine, athletes: int) -> int:
    models.Base.metadata.create_all(engine)
    rng = random.Random(20251019)
    total = 0
    with engine.begin() as connection:
        connection.execute(
            insert(models.Athlete),
            [{"id": i, "strava_id": 10_000_000 + i, "timezone": "Europe/Berlin"} for i in range(1, athletes + 1)],
        )
        for athlete_id in range(1, athletes + 1):
            rows, gear = synthetic_athlete(rng, athlete_id, athlete_id * 10_000_000_000)
            connection.execute(insert(models.Activity), rows)
            connection.execute(insert(models.Gear), gear)
            total += len(rows)
    return total


_COLUMNS = (
    models.Activity.athlete_id, models.Activity.id, models.Activity.sport_type,
    models.Activity.start_local, models.Activity.start_utc, models.Activity.distance_m,
    models.Activity.moving_s, models.Activity.elapsed_s, models.Activity.elevation_gain_m,
    models.Activity.average_speed_mps, models.Activity.average_heartrate_bpm,
    models.Activity.max_heartrate_bpm, models.Activity.average_cadence_raw,
    models.Activity.workout_type, models.Activity.gear_id, models.Activity.manual,
    models.Activity.trainer,
)


def evaluate_batch(connection, athlete_ids: list[int]) -> list:
    since = datetime.combine(AS_OF - timedelta(days=HISTORY_DAYS), datetime.min.time(), timezone.utc)
    rows = connection.execute(
        select(*_COLUMNS)
        .where(models.Activity.athlete_id.in_(athlete_ids), models.Activity.start_utc >= since)
        .order_by(models.Activity.athlete_id, models.Activity.start_utc)
    ).all()
    gear_rows = connection.execute(
        select(models.Gear.athlete_id, models.Gear.id, models.Gear.name, models.Gear.distance_m, models.Gear.retired)
        .where(models.Gear.athlete_id.in_(athlete_ids))
    ).all()
    gear: dict[int, list[Gear]] = {}
    for athlete_id, gear_id, name, distance_m, retired in gear_rows:
        gear.setdefault(athlete_id, []).append(Gear(gear_id, name, distance_m, retired))
    evaluations = []
    for athlete_id, group in groupby(rows, key=lambda row: row[0]):
        activities = [Activity.from_values(row[1:]) for row in group]
        evaluations.append(evaluate(activities, AS_OF, gear=gear.get(athlete_id, ())))
    return evaluations


_worker_engine = None


def _init_worker(db_path: str) -> None:
    global _worker_engine
    _worker_engine = make_engine(f"sqlite:///{db_path}")


def _evaluate_in_worker(athlete_ids: list[int]) -> tuple[int, int, int]:
    assert _worker_engine is not None
    with _worker_engine.connect() as connection:
        evaluations = evaluate_batch(connection, athlete_ids)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return len(evaluations), sum(len(e.findings) for e in evaluations), peak_kib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the batches")
    parser.add_argument("--db", type=Path, default=None, help="reuse or create this SQLite file")
    parser.add_argument("--tracemalloc", action="store_true", help="also measure the Python heap peak (slower)")
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory()
    db_path = args.db or Path(workdir.name) / "bench.sqlite"
    engine = make_engine(f"sqlite:///{db_path}")
    fresh = not db_path.exists() or db_path.stat().st_size == 0
    if fresh:
        started = time.perf_counter()
        total = populate(engine, args.athletes)
        print(f"setup: {args.athletes} athletes, {total} activities inserted in {time.perf_counter() - started:.1f} s")

    engine.dispose()
    ids = list(range(1, args.athletes + 1))
    batches = [ids[i : i + args.batch] for i in range(0, len(ids), args.batch)]
    evaluated = findings = 0
    heap_peak = cpu_s = None
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers, initializer=_init_worker, initargs=(str(db_path),)) as pool:
            started = time.perf_counter()
            for count, found, peak_kib in pool.map(_evaluate_in_worker, batches):
                evaluated, findings, rss_kib = evaluated + count, findings + found, max(rss_kib, peak_kib)
            elapsed = time.perf_counter() - started
    else:
        if args.tracemalloc:
            tracemalloc.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        with engine.connect() as connection:
            for batch in batches:
                for evaluation in evaluate_batch(connection, batch):
                    evaluated, findings = evaluated + 1, findings + len(evaluation.findings)
        elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
        heap_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
        rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(
        f"evaluated {evaluated} athletes in {elapsed:.2f} s with {args.workers} process(es) on "
        f"{os.cpu_count()} CPUs: {evaluated / elapsed:.0f} athlete-evaluations/s"
    )
    if cpu_s is not None:  # wall time depends on what else the machine runs; CPU time much less
        print(f"CPU time: {cpu_s:.2f} s ({1000 * cpu_s / max(evaluated, 1):.1f} ms per athlete)")
    print(f"findings: {findings} ({findings / max(evaluated, 1):.1f} per athlete)")
    print(f"peak RSS: {rss_kib / 1024:.0f} MiB" + (f"; Python heap peak: {heap_peak / 2**20:.0f} MiB" if heap_peak else ""))
    workdir.cleanup()


if __name__ == "__main__":
    main()
