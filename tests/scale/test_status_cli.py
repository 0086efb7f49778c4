"""`coach status` after a real night (on SQLite and PostgreSQL): the same figures the run reported,
read back from the database by the command an operator types."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from coaching.fake_strava import FakeStrava
from coaching.services.claims import Night
from coaching.services.night import NightOptions, run_worker
from scale_helpers import CLIENT_ID, CLIENT_SECRET, preloaded_runtime, roomy_fake, url_of


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with roomy_fake(count=6, seed=23, days=28) as fake:
        yield fake


def _coach_status(engine: Engine, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_DATABASE_URL=url_of(engine), COACH_STRAVA_CLIENT_ID=str(CLIENT_ID))
    done = subprocess.run([sys.executable, "-m", "coaching.cli", "status", *args], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_coach_status_prints_what_the_night_reported_from_the_database(engine, fake):
    runtime, ids = preloaded_runtime(engine, fake)
    try:
        fake.inject_fault("/athlete/activities", "500", count=1)
        fake.add_activity(fake.athlete_ids[-1])
        now = runtime.clock()
        report = run_worker(runtime, "w1", Night.everyone(now), now, NightOptions(batch_size=10, strava_threads=1))
    finally:
        runtime.close()
    summary = report.as_summary()
    assert (summary["synced"], summary["sync_failed"]) == (5, 1)

    status = json.loads(_coach_status(engine, "--json", "--athletes", "10", "--as-of", now.isoformat()))
    # The failed athlete's last success was the back-fill an hour ago: still within 24 h.
    assert (status["connected"], status["synced_last_day"], status["failing"], status["leased_now"]) == (6, 6, 1, 0)
    assert status["findings_by_rule"] == summary["findings_by_rule"]  # one evaluation each: the same count
    assert status["messages"].get("queued", 0) == summary["alerts_queued"] > 0  # queued, not delivered
    # Last successful sync per athlete, the failing one first with its reason.
    detail = status["athletes_detail"]
    assert sorted(line["athlete_id"] for line in detail) == ids
    failed_id = ids[0]
    assert detail[0]["athlete_id"] == failed_id and "Strava server error (500)" in detail[0]["last_error"]
    assert all(line["last_success_at"] for line in detail)  # the failed one keeps last night's
    # The budget as the workers counted it: every request the night made (the failed one too).
    budget = status["budget"]
    assert (budget["short_limit"], budget["daily_limit"]) == (10_000, 100_000)
    assert budget["short_used"] == budget["daily_used"] == fake.stats.requests_total

    printed = _coach_status(engine, "--athletes", "10", "--as-of", now.isoformat())
    assert "synced in the last 24 h: 6, never synced: 0, failing: 1" in printed
    assert f"queued {summary['alerts_queued']}" in printed
    left = 10_000 - fake.stats.requests_total
    assert f"Strava budget: 15-minute window {left} of 10000 left" in printed
    assert "last successful sync" in printed and "Strava server error (500)" in printed
    assert CLIENT_SECRET not in printed
