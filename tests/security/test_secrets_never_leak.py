"""A whole night (sync with a token refresh, a revoked runner and a Strava 500; evaluation; alerts
by email and push, a failed push retried), the weekly summaries and the coach digest, all under
Prefect with every logger at DEBUG into a file. Then every place the run wrote is searched for the
planted secrets: the log file, stdout and stderr, Prefect's logs, artifacts, flow runs and its
database file, our database file and every non-encrypted column, and the files in the output
directory (mails and pushes)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text, update

from coaching.crypto import generate_key
from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.runtime import Runtime
from coaching.settings import Settings
from coaching.sinks.push_sink import PushSink
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.athletes import AthleteRepository, CoachRepository
from coaching.store.db import upgrade
from coaching.store.models import Base, StravaToken
from coaching.store.outbox import OutboxRepository
from coaching.store.tokens import TokenRepository
from tests.clock import make_clock
from tests.faults.fault_env import connect, free_port
from tests.security.planted import Secrets, planted

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

CLIENT_ID = 6161


@contextmanager
def everything_at_debug_into(path: Path) -> Iterator[None]:
    """Every logger, ours, the libraries' and Prefect's (which does not propagate to the root)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    targets = [logging.getLogger(), logging.getLogger("prefect")]
    run_loggers = [logging.getLogger(name) for name in ("prefect.flow_runs", "prefect.task_runs")]
    saved = [(logger, logger.level) for logger in targets]
    for logger in targets:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    named = run_loggers + [logging.getLogger(name) for name in ("apprise", "urllib3", "stravalib", "coaching",
                                                                "flows", "sqlalchemy.engine", "mail.log", "httpx")]
    saved += [(logger, logger.level) for logger in named]
    for logger in named:
        logger.setLevel(logging.DEBUG)
    # Prefect's handler that ships run logs to its API has its own level (PREFECT_LOGGING_LEVEL).
    shipping = [handler for logger in run_loggers for handler in logger.handlers]
    saved_handlers = [(handler, handler.level) for handler in shipping]
    for api_handler in shipping:
        api_handler.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger in targets:
            logger.removeHandler(handler)
        for logger, level in saved:
            logger.setLevel(level)
        for api_handler, level in saved_handlers:
            api_handler.setLevel(level)
        handler.close()


def _prefect_records() -> tuple[str, Path]:
    """Everything Prefect's API holds about the runs, as text, and its database file."""
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    APILogWorker.drain_all(timeout=10)  # the run loggers ship in batches
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
        logs = client.read_logs()
        runs = client.read_flow_runs()
        tasks = client.read_task_runs()
    assert artifacts and logs and runs, "the harness recorded nothing: the search would prove nothing"
    dumped = [item.model_dump_json() for item in [*artifacts, *logs, *runs, *tasks]]
    database = Path(str(PREFECT_API_DATABASE_CONNECTION_URL.value()).split(":///", 1)[1])
    return "\n".join(dumped), database


def _plain_columns(runtime: Runtime) -> str:
    """Every row of every table, encrypted columns left out (they hold ciphertext by design)."""
    lines = []
    with runtime.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name not in inspect(connection).get_table_names():
                continue
            columns = [column for column in table.columns if not column.name.endswith("_encrypted")]
            for row in connection.execute(select(*columns)):
                lines.append(f"{table.name}: {json.dumps(list(row), default=str)}")
        lines += [str(row) for row in connection.execute(text("SELECT * FROM alembic_version"))]
    return "\n".join(lines)


def test_a_whole_night_and_week_at_debug_leave_no_secret_in_logs_artifacts_databases_or_files(
    tmp_path, monkeypatch, capfd
):
    from prefect.settings import PREFECT_LOGGING_LEVEL, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    secrets = Secrets()
    client_secret = secrets.add("Strava client secret", planted("client"))
    smtp_password = secrets.add("SMTP password", planted("smtp"))
    push_password = secrets.add("push URL password", planted("push"))
    link_secret = secrets.add("link signing secret", planted("link"))
    token_key = secrets.add("token encryption key", generate_key())
    out, log_path = tmp_path / "out", tmp_path / "debug.log"
    clock = make_clock()
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=client_secret), now=clock)
    strava_ids = fake.seed(count=3, personas=["long_run_spike", "no_rest", "steady"], seed=4,
                           days=60)

    # Prefect re-applies its logging levels at each flow run, from this setting.
    with prefect_test_harness(server_startup_timeout=90), temporary_settings({PREFECT_LOGGING_LEVEL: "DEBUG"}), \
            fake, SmtpSink(out, credentials=("coach", smtp_password)) as smtp, PushSink(out) as push, \
            everything_at_debug_into(log_path):
        env = {
            "COACH_DATABASE_URL": f"sqlite:///{tmp_path / 'coach.db'}", "COACH_STRAVA_API_URL": fake.base_url,
            "COACH_STRAVA_CLIENT_ID": str(CLIENT_ID), "COACH_STRAVA_CLIENT_SECRET": client_secret,
            "COACH_TOKEN_KEY": token_key, "COACH_LINK_SECRET": link_secret, "COACH_SMTP_HOST": "127.0.0.1",
            "COACH_SMTP_PORT": str(smtp.port), "COACH_SMTP_MODE": "insecure", "COACH_SMTP_USERNAME": "coach",
            "COACH_SMTP_PASSWORD": smtp_password, "COACH_SMTP_FROM_ADDRESS": "coach@example.org",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        runtime = Runtime(Settings(), clock=clock.now)
        upgrade(runtime.engine)
        ids = [connect(runtime.sessions, runtime.strava, runtime.box, strava_id) for strava_id in strava_ids]
        with runtime.sessions.begin() as s:
            for athlete_id in ids:
                tokens = TokenRepository(s, runtime.box).load(athlete_id)
                secrets.add(f"access token {athlete_id}", tokens.access_token)
                secrets.add(f"refresh token {athlete_id}", tokens.refresh_token)
            pusher = AthleteRepository(s).get(ids[0])
            dead_push = f"json://pushuser:{push_password}@127.0.0.1:{free_port()}/push"  # refused: logged, retried
            pusher.push_url_encrypted, pusher.send_push = runtime.box.encrypt(dead_push), True
            # The second runner's token is about to expire: the night refreshes it with the client secret.
            s.execute(update(StravaToken).where(StravaToken.athlete_id == ids[1])
                      .values(expires_at=int(clock()) + 60))
            coach = CoachRepository(s).upsert(name="Cora", email="cora@example.org")
            CoachRepository(s).grant_consent(coach.id, ids[0])
        fake.revoke_athlete(strava_ids[2])  # the third runner's tokens die: disconnected in the night
        fake.inject_fault(r"/api/v3/gear/", kind="500")  # and one Strava error on the way

        from flows.nightly import nightly
        from flows.weekly import coach_digests, weekly_summaries

        first = nightly(now_iso=clock.now().isoformat())
        with runtime.sessions.begin() as s:
            live_push = f"json://pushuser:{push_password}@127.0.0.1:{push.port}/push"
            AthleteRepository(s).get(ids[0]).push_url_encrypted = runtime.box.encrypt(live_push)
        second = nightly(now_iso=(clock.now() + timedelta(minutes=10)).isoformat())
        weekly = weekly_summaries(now_iso=clock.now().isoformat())
        digest = coach_digests(now_iso=clock.now().isoformat())
        with runtime.sessions.begin() as s:
            for athlete_id in ids:
                tokens = TokenRepository(s, runtime.box).load(athlete_id)
                if tokens is not None:
                    secrets.add(f"access token {athlete_id} after the night", tokens.access_token)
                    secrets.add(f"refresh token {athlete_id} after the night", tokens.refresh_token)
            sent = OutboxRepository(s).counts_by_status().get("sent", 0)
            disconnected = not AthleteRepository(s).get(ids[2]).connected
        prefect_text, prefect_database = _prefect_records()
        plain_columns = _plain_columns(runtime)
        runtime.close()
        captured = capfd.readouterr()

        hits = secrets.found_in(log_path.read_bytes(), "DEBUG log file")
        hits += secrets.found_in(captured.out + captured.err, "stdout/stderr")
        hits += secrets.found_in(prefect_text, "Prefect logs, artifacts and runs")
        hits += [hit for path in (prefect_database, Path(f"{prefect_database}-wal")) if path.exists()
                 for hit in secrets.found_in(path.read_bytes(), "Prefect database file")]
        hits += secrets.found_in(plain_columns, "our database's plain columns")
        hits += secrets.found_in_files(tmp_path, "output directory, our database file included")
    assert hits == []

    # The run did what the search is about: the failure paths logged, the messages went out.
    log_text = log_path.read_text(encoding="utf-8")
    assert first["sync_failed"] + first["disconnected"] >= 2 and first["deliveries_failed"] >= 1, first
    assert second["deliveries_sent"] >= 1 and weekly["summaries_queued"] >= 1 and digest["digests_queued"] == 1
    assert disconnected and sent >= 5 and len(smtp.received) >= 4 and len(push.received) >= 1
    assert all(f" DEBUG {name}" in log_text for name in ("apprise", "urllib3", "sqlalchemy.engine"))
    assert "delivery of message" in log_text and "/oauth/token" in log_text
    assert len(secrets.values) >= 11
