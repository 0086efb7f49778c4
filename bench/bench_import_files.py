"""Files imported per second from a Strava bulk export zip (`coach import`'s path, not the CLI).

    .venv/bin/python bench/bench_import_files.py [--activities 1000] [--points 600] [--db sqlite|postgres]

Setup, not timed: an export zip made here (never committed) in Strava's shape: activities.csv and
`activities/<id>.fit.gz`, one FIT file per day written with Garmin's SDK encoder, each with
`--points` track records (600: a 50-minute run at one point every 5 s, ~20 KB of FIT). Timed: the
import of the whole zip into a fresh database (open, decode, dedupe, store, evaluate), then a rerun
of the same zip (which stores nothing).
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests" / "activity_files"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from sqlalchemy import text  # noqa: E402

from coaching.activity_files.importer import import_files  # noqa: E402
from coaching.crypto import generate_key  # noqa: E402
from coaching.runtime import Runtime  # noqa: E402
from coaching.settings import Settings  # noqa: E402
from coaching.store.db import make_engine, upgrade  # noqa: E402
from device_files import fit_run  # noqa: E402

START = datetime(2023, 11, 1, 6, 30, tzinfo=timezone.utc)


def export_zip(activities: int, points: int) -> bytes:
    buffer = io.BytesIO()
    lines = ["Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename"]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for day in range(activities):
            strava_id = 10_000_000_000 + day
            start = START + timedelta(days=day)
            data = fit_run(start, distance_m=6000 + (day % 7) * 1500, seconds=2400 + (day % 7) * 600, points=points)
            archive.writestr(f"activities/{strava_id}.fit.gz", gzip.compress(data))
            lines.append(f"{strava_id},{start:%b %d %Y},Run {day},Run,,activities/{strava_id}.fit.gz")
        archive.writestr("activities.csv", "\n".join(lines) + "\n")
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--points", type=int, default=600)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("COACH_TEST_DATABASE_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    made = time.perf_counter()
    data = export_zip(args.activities, args.points)
    print(f"export: {args.activities} FIT files, {len(data) / 1024 ** 2:.1f} MB zipped, made in "
          f"{time.perf_counter() - made:.1f} s; load average {os.getloadavg()[0]:.2f}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    schema = None
    if args.db == "sqlite":
        url, connect_args = f"sqlite:///{workdir / 'coach.db'}", {}
    else:
        schema, url = f"bench_import_{uuid.uuid4().hex[:8]}", args.pg_url
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        connect_args = {"options": f"-csearch_path={schema}"}
    runtime = Runtime(Settings(database_url=url, token_key=generate_key(), link_secret="bench"))
    runtime.__dict__["engine"] = make_engine(url, connect_args=connect_args) if connect_args else make_engine(url)
    try:
        upgrade(runtime.engine)
        now = START + timedelta(days=args.activities + 1)
        for label in ("import", "rerun"):
            started = time.perf_counter()
            report = import_files(runtime, "exporter@example.org", [("export.zip", data)], now)
            seconds = time.perf_counter() - started
            print(f"{label} ({args.db}): {report.stored} stored, {report.already_stored} already stored in "
                  f"{seconds:.1f} s: {args.activities / seconds:.0f} files/s")
    finally:
        runtime.close()
        if schema is not None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
