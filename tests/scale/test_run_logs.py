"""What an operator reads in Prefect's log of a nightly run: our per-batch and per-failure lines at
INFO (written from the night's threads, too), none of the libraries' INFO chatter, and no Strava
host name for requests that went to the fake."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from coaching.fake_strava import FakeStrava
from coaching.strava.client import StravalibSource
from flows._logging import run_log_level
from scale_helpers import CLIENT_ID, CLIENT_SECRET, roomy_fake

pytestmark = pytest.mark.prefect


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with roomy_fake(count=6, seed=31, days=14) as fake:
        yield fake


def _run_logs(run_id) -> list:
    from prefect import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)  # the handler ships in batches
    with get_client(sync_client=True) as client:
        return client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))


def test_the_nightly_runs_prefect_log_has_our_batch_and_failure_lines_and_no_library_chatter(
    prefect_harness, pipeline, fake
):
    from flows.nightly import nightly

    fake.inject_fault("/athlete/activities", "500", count=1)
    state = nightly(batch_size=3, strava_threads=2, return_state=True)
    assert state.result()["sync_failed"] == 1
    logs = _run_logs(state.state_details.flow_run_id)
    ours = [log for log in logs if log.name.startswith(("coaching.", "flows."))]
    batches = [log.message for log in ours if log.message.startswith("night batch worker=")]
    assert len(batches) == 2 and all(log.level == logging.INFO for log in ours if "night batch" in log.message)
    assert "athletes=3" in batches[0]
    # Logged from a batch's thread pool, outside Prefect's run context, and still in the run's log.
    assert [log.name for log in ours if log.message.startswith("sync failed athlete_id=")] == \
        ["coaching.services.batch"]
    # Libraries stay at the root's WARNING: no INFO from httpx, alembic, stravalib, sqlalchemy.
    chatter = [log for log in logs if log.level < logging.WARNING
               and log.name.split(".")[0] in ("httpx", "alembic", "stravalib", "sqlalchemy", "urllib3")]
    assert chatter == []
    assert not any("www.strava.com" in log.message for log in logs)


def test_stravalibs_request_line_names_the_origin_the_request_really_went_to(fake, caplog):
    source = StravalibSource(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=fake.base_url)
    grant = fake.issue_tokens(fake.athlete_ids[0])
    with caplog.at_level(logging.INFO, logger="stravalib"):
        source.get_athlete(grant["access_token"])
    lines = [record.getMessage() for record in caplog.records if record.name.startswith("stravalib")]
    assert lines and all(f"'{fake.base_url}/api/v3/" in line for line in lines if line.startswith("GET ")), lines
    assert not any("www.strava.com" in line for line in lines)


def test_coach_log_level_picks_our_level_by_name_and_falls_back_to_info():
    assert run_log_level({}) == logging.INFO
    assert run_log_level({"COACH_LOG_LEVEL": "debug"}) == logging.DEBUG
    assert run_log_level({"COACH_LOG_LEVEL": "WARNING"}) == logging.WARNING
    assert run_log_level({"COACH_LOG_LEVEL": "chatty"}) == logging.INFO
