"""The size of a stored activity row before and after dropping location from `raw`.

    .venv/bin/python bench/bench_raw_size.py [--pg-url postgresql://postgres@127.0.0.1:5432/test]

Real recorded Strava answers (../shared/strava/fixtures): the 30 summaries of the 2025 list
recording (what the nightly sync stores) and the 2018 detailed activity (what a webhook re-fetch
stores). Printed: JSON bytes of `raw` as Strava sent it and as stored now, and, with --pg-url, the
whole row as PostgreSQL stores it (pg_column_size of the row, TOAST compression included).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from coaching.strava.parse import parse_activity  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "strava" / "fixtures"


def _bytes(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def _pg_row_sizes(url: str, raws: list[tuple[dict, dict]]) -> tuple[float, float]:
    from coaching.store.db import make_engine

    schema = f"bench_raw_{uuid.uuid4().hex[:8]}"
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            connection.execute(text(f'CREATE TABLE "{schema}".r (kind text, raw json)'))
            for before, after in raws:
                connection.execute(text(f'INSERT INTO "{schema}".r VALUES (:k, :raw)'),
                                   [{"k": "before", "raw": json.dumps(before)}, {"k": "after", "raw": json.dumps(after)}])
            sizes = dict(connection.execute(text(
                f'SELECT kind, avg(pg_column_size(r.*)) FROM "{schema}".r r GROUP BY kind')).all())
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
    return float(sizes["before"]), float(sizes["after"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default=os.environ.get("COACH_TEST_DATABASE_URL"))
    args = parser.parse_args()
    summaries = json.loads((FIXTURES / "summary_activities_list.real_runs_2025.json").read_text())
    detailed = json.loads((FIXTURES / "detailed_activity.real_run_2018.json").read_text())
    for label, records in (("summary (2025 list, 30 runs)", summaries), ("detailed (2018 run)", [detailed])):
        pairs = [(raw, parse_activity(raw).raw) for raw in records]
        before = [_bytes(b) for b, _ in pairs]
        after = [_bytes(a) for _, a in pairs]
        line = (f"{label}: raw JSON {statistics.mean(before):,.0f} -> {statistics.mean(after):,.0f} bytes "
                f"({1 - sum(after) / sum(before):.0%} smaller)")
        if args.pg_url:
            pg_before, pg_after = _pg_row_sizes(args.pg_url, pairs)
            line += f"; PostgreSQL row {pg_before:,.0f} -> {pg_after:,.0f} bytes"
        print(line)


if __name__ == "__main__":
    main()
