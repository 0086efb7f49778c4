"""User mistakes get one line and exit code 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

COACH = [sys.executable, "-m", "coaching.cli"]


def _coach(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    return subprocess.run([*COACH, *args], capture_output=True, text=True, timeout=120, env={**base, **env})


def test_db_upgrade_creates_the_schema_and_says_which_revision(tmp_path):
    result = _coach("db", "upgrade", COACH_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 0, result.stderr
    from coaching.store.db import head_revision

    assert f"database at revision {head_revision()}" in result.stdout


def test_a_nightly_run_without_a_strava_app_configured_says_what_to_set(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert _coach("db", "upgrade", COACH_DATABASE_URL=db).returncode == 0
    result = _coach("nightly", COACH_DATABASE_URL=db, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    # No athlete is connected, so nothing needs Strava: an empty night is a success.
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"athletes": 0' in result.stdout


def test_a_database_without_the_schema_says_to_run_db_upgrade(tmp_path):
    result = _coach("weekly", COACH_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "run `coach db upgrade`" in result.stderr.strip().splitlines()[-1]


def test_a_bad_token_key_is_one_line_and_exit_code_2(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert _coach("db", "upgrade", COACH_DATABASE_URL=db).returncode == 0
    result = _coach("nightly", COACH_DATABASE_URL=db, COACH_TOKEN_KEY="not-a-key", COACH_LINK_SECRET="x")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("coach: error:")


def test_keygen_prints_a_usable_fernet_key():
    from coaching.crypto import SecretBox

    key = _coach("keygen").stdout.strip()
    assert SecretBox([key]).decrypt(SecretBox([key]).encrypt("x")) == "x"
