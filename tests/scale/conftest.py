"""Fixtures the scale tests share; each module seeds its own `fake`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def prefect_home(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A PREFECT_HOME whose database is already migrated: migrating a fresh one takes longer than
    the rest of the test, so it is done once per Prefect version and kept in pytest's cache (when
    the cache is on; under -p no:cacheprovider every run migrates)."""
    import prefect

    cache = getattr(request.config, "cache", None)
    template = Path(cache.mkdir(f"prefect-home-{prefect.__version__}")) if cache else tmp_path / "template"
    template.mkdir(exist_ok=True)
    if not (template / "prefect.db").exists():
        staging = Path(tempfile.mkdtemp(dir=template))  # parallel test processes each migrate their own
        env = {**os.environ, "PREFECT_HOME": str(staging), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        env.pop("PREFECT_API_URL", None)
        subprocess.run([sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"], env=env,
                       check=True, capture_output=True, timeout=300)
        os.replace(staging / "prefect.db", template / "prefect.db")  # atomic: readers see all or nothing
        shutil.rmtree(staging, ignore_errors=True)
    home = tmp_path / "prefect"
    home.mkdir()
    shutil.copy(template / "prefect.db", home / "prefect.db")
    return home
