"""`coach demo` as a user runs it: a subprocess in a fresh directory, twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.clock import TEST_NOW

pytestmark = pytest.mark.slow

COACH = [sys.executable, "-m", "coaching.cli"]
# The demo runs as of the suite's instant: its story (who is flagged, which week is summarised)
# must not depend on the hour the tests run at.
DEMO_NOW = TEST_NOW.isoformat()


def _run_demo(out: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "PREFECT_"))}
    return subprocess.run([*COACH, "demo", "--out", str(out), "--now", DEMO_NOW], capture_output=True, text=True, timeout=300, env=env)


def test_the_demo_delivers_every_kind_of_message_and_a_second_run_delivers_nothing_new(tmp_path):
    out = tmp_path / "demo"
    first = _run_demo(out)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Traceback" not in first.stderr
    mails = sorted((out / "mail").glob("*.eml"))
    pushes = sorted((out / "push").glob("*.json"))
    parsed = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in mails]
    subjects = [str(m["Subject"]) for m in parsed]
    recipients = {str(m["To"]) for m in parsed}
    # Six runners each get a weekly summary; the flagged ones an alert; the coach a digest.
    assert len(recipients) == 7 and "carla.coach@example.org" in recipients
    assert sum("week" in s.lower() for s in subjects) >= 6
    assert any("Long-run spike" in s for s in subjects)
    assert pushes and all(json.loads(p.read_text())["title"] for p in pushes)
    html = parsed[0].get_body(("html",)).get_content()
    assert "/preferences?t=" in html
    assert (out / "coach.db").exists()
    assert "messages sent this run: 0" not in first.stdout

    second = _run_demo(out)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "0 new activities" in second.stdout and "messages sent this run: 0" in second.stdout
    assert sorted((out / "mail").glob("*.eml")) == mails
    assert sorted((out / "push").glob("*.json")) == pushes
