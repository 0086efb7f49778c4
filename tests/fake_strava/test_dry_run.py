"""`coach fake-strava` for an operator's dry run: its counters and a new day over HTTP (/_fake/),
its budget, latency and credentials as options, and its runners connected into a database without
a browser, tokens encrypted as the real connect stores them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
import requests
from sqlalchemy import select

from coaching.crypto import SecretBox, generate_key
from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.fake_strava.testing import stravalib_client
from coaching.store.db import make_engine, upgrade
from coaching.store.models import Athlete, StravaToken
from coaching.strava.client import StravalibSource

END = date(2026, 3, 17)
LIST_ROUTE = "GET /api/v3/athlete/activities"


def test_the_counters_and_a_new_day_are_on_http_and_are_not_counted_themselves():
    with FakeStrava(FakeStravaConfig()) as fake:
        ids = fake.seed(count=4, end_date=END, seed=5, days=10)
        token = fake.issue_tokens(ids[0])["access_token"]
        before = len(fake.activities(ids[0])) + len(fake.activities(ids[1])) + len(fake.activities(ids[2])) + \
            len(fake.activities(ids[3]))
        stravalib_client(fake.base_url, token).get_athlete()
        stats = requests.get(f"{fake.base_url}/_fake/stats", timeout=5).json()
        assert stats["requests_total"] == 1 and stats["by_route"] == {"GET /api/v3/athlete": 1}
        assert (stats["athletes"], stats["athletes_with_requests"]) == (4, 1)
        assert stats["requests_by_athlete"] == {str(ids[0]): 1} and stats["rate_usage"]["read_15min"] == 1

        new = requests.post(f"{fake.base_url}/_fake/new-day?share=0.5", timeout=5).json()["new_activities"]
        assert len(new) == 2
        after = sum(len(fake.activities(athlete_id)) for athlete_id in ids)
        assert after == before + 2
        assert requests.post(f"{fake.base_url}/_fake/new-day?share=2", timeout=5).status_code == 400
        assert requests.post(f"{fake.base_url}/_fake/reset-stats", timeout=5).status_code == 204
        assert requests.get(f"{fake.base_url}/_fake/stats", timeout=5).json()["requests_total"] == 0
        assert requests.get(f"{fake.base_url}/_fake/nothing", timeout=5).status_code == 404
        assert fake.stats.requests_total == 0  # the control paths are not Strava's requests


def _env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COACH_")}
    env.update(extra)
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_coach_fake_strava_connects_its_runners_into_a_database_and_serves_the_budget_it_was_given(tmp_path):
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    engine = make_engine(url)
    upgrade(engine)
    key, port, log = generate_key(), _free_port(), tmp_path / "fake.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "coaching.cli", "fake-strava", "--port", str(port), "--athletes", "3",
             "--days", "14", "--client-id", "777", "--client-secret", "dry-secret", "--read-limit", "5000,50000",
             "--latency-ms", "20", "--connect-into", url],
            stdout=out, stderr=subprocess.STDOUT, env=_env(COACH_TOKEN_KEY=key))
    try:
        deadline = time.monotonic() + 60
        while "Fake Strava at" not in log.read_text() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        output = log.read_text()
        assert "Fake Strava at" in output, f"coach fake-strava did not come up:\n{output}"
        assert "connected 3 runners (3 new) into the database" in output
        base = re.search(r"Fake Strava at (http://\S+)", output).group(1)  # type: ignore[union-attr]
        assert requests.get(f"{base}/_fake/stats", timeout=5).json()["requests_total"] == 0  # connecting is not counted

        with engine.connect() as connection:
            athletes = connection.execute(select(Athlete.id, Athlete.strava_id, Athlete.timezone, Athlete.email)).all()
            tokens = connection.execute(select(StravaToken.access_token_encrypted, StravaToken.scopes)).all()
        assert len(athletes) == len(tokens) == 3 and all(a.email and a.timezone for a in athletes)
        box = SecretBox([key])
        access = box.decrypt(tokens[0].access_token_encrypted)
        assert access not in tokens[0].access_token_encrypted and "activity:read_all" in tokens[0].scopes
        # The stored token works against the fake, with our client, and the budget is the one asked for.
        source = StravalibSource(client_id=777, client_secret="dry-secret", api_url=base)
        started = time.monotonic()
        assert source.get_athlete(access)["id"] in {a.strava_id for a in athletes}
        assert time.monotonic() - started >= 0.02  # the latency asked for
        answer = requests.get(f"{base}/api/v3/athlete", headers={"Authorization": f"Bearer {access}"}, timeout=5)
        assert answer.headers["X-Readratelimit-Limit"] == "5000,50000"
        assert requests.get(f"{base}/_fake/stats", timeout=5).json()["requests_total"] == 2
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=10)
        engine.dispose()


@pytest.mark.parametrize("args, env, message", [
    (["--read-limit", "100"], {}, "--read-limit: a budget is two positive whole numbers"),
    (["--connect-into", "URL"], {}, "token encryption key missing: set COACH_TOKEN_KEY"),
    (["--connect-into", "URL"], {"COACH_TOKEN_KEY": generate_key()}, "run `coach db upgrade`"),
    (["--connect-into", "nonsense://x:pw@h/db"], {"COACH_TOKEN_KEY": generate_key()}, "cannot open that database"),
])
def test_a_dry_run_set_up_wrong_gets_one_line_and_exit_code_2(tmp_path, args, env, message):
    args = [f"sqlite:///{tmp_path / 'empty.db'}" if a == "URL" else a for a in args]
    done = subprocess.run([sys.executable, "-m", "coaching.cli", "fake-strava", "--port", str(_free_port()),
                           "--athletes", "1", "--days", "3", *args], env=_env(**env), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "pw" not in done.stderr, done.stderr
