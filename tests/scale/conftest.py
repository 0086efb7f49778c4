"""Fixtures the scale tests share; each module seeds its own `fake`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coaching.runtime import Runtime
from coaching.sinks.smtp_sink import SmtpSink
from scale_helpers import CLIENT_ID, CLIENT_SECRET, preloaded_runtime, url_of


@pytest.fixture
def connected(engine, fake) -> Iterator[tuple[Runtime, list[int]]]:
    """Every athlete of the module's fake connected and back-filled an hour ago (stored directly,
    as the benchmark does)."""
    runtime, ids = preloaded_runtime(engine, fake)
    yield runtime, ids
    runtime.close()


@pytest.fixture(scope="module")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def pipeline(engine, fake, tmp_path, monkeypatch):
    """The module's `fake` athletes connected and back-filled, the flows' settings in the
    environment, an SMTP sink."""
    runtime, ids = preloaded_runtime(engine, fake)
    with SmtpSink(tmp_path) as smtp:
        for key, value in {
            "COACH_DATABASE_URL": url_of(engine), "COACH_STRAVA_API_URL": fake.base_url,
            "COACH_STRAVA_CLIENT_ID": str(CLIENT_ID), "COACH_STRAVA_CLIENT_SECRET": CLIENT_SECRET,
            "COACH_TOKEN_KEY": runtime.settings.token_key.get_secret_value(),  # type: ignore[union-attr]
            "COACH_LINK_SECRET": "scale-link-secret", "COACH_SMTP_HOST": "127.0.0.1",
            "COACH_SMTP_PORT": str(smtp.port), "COACH_SMTP_MODE": "insecure",
        }.items():
            monkeypatch.setenv(key, value)
        yield runtime, ids, smtp
    runtime.close()
