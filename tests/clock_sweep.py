"""Run the time-sensitive tests at other instants: several hours of the UTC day and both sides of
three daylight-saving changes. Every run must be green.

    python tests/clock_sweep.py                  # every instant, the default test paths
    python tests/clock_sweep.py --quick          # every instant, the core of them (about 4 min each)
    python tests/clock_sweep.py --at 02:30       # one instant (a name or a prefix of one)
    python tests/clock_sweep.py --list           # the instants
    python tests/clock_sweep.py -- tests/strava  # other pytest arguments after `--`

Each run sets two clocks to the same instant: `COACH_TEST_NOW`, the instant every test starts
from (tests/clock.py), and the test process's wall clock (`COACH_TEST_TRAVEL=1`: tests/conftest.py
moves `time.time`, `datetime.now` and `date.today` there with time-machine, ticking on from it,
while `time.monotonic`, sleeps and timeouts stay real). A test that still reads the real date or
hour, or a product path that reads the wall clock instead of the clock it was given, then fails
here rather than at 02:30 on some CI night. (libfaketime was tried first: with
`FAKETIME_DONT_FAKE_MONOTONIC=1` its 0.9.10 answers Python's `time.sleep` with EINVAL.) The child
processes the tests start (the demo, `coach status`, the kill driver, Prefect's server) keep the
real clock; the tests hand them their instant explicitly (`--now`, `--as-of`, a job's `now`).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Instant:
    name: str
    iso: str  # UTC
    why: str


INSTANTS = (
    Instant("00:30 UTC", "2026-12-04T00:30:00Z", "east of UTC it is already tomorrow; Vancouver is at 16:30"),
    Instant("02:30 UTC", "2026-12-04T02:30:00Z", "yesterday evening has not happened yet in the Americas"),
    Instant("12:00 UTC", "2026-12-04T12:00:00Z", "Auckland has passed midnight"),
    Instant("23:30 UTC", "2026-12-04T23:30:00Z", "half an hour before UTC's own midnight"),
    Instant("Europe springs forward, before", "2026-03-29T00:30:00Z", "Berlin 01:30 CET, clocks jump at 02:00"),
    Instant("Europe springs forward, after", "2026-03-29T01:30:00Z", "Berlin 03:30 CEST"),
    Instant("Europe falls back, before", "2026-10-25T00:30:00Z", "Berlin 02:30 CEST"),
    Instant("Europe falls back, after", "2026-10-25T01:30:00Z", "Berlin 02:30 CET: the same hour again"),
    Instant("America springs forward, before", "2026-03-08T06:30:00Z", "New York 01:30 EST"),
    Instant("America springs forward, after", "2026-03-08T07:30:00Z", "New York 03:30 EDT"),
)

# The tests whose outcome depends on "now": syncing, nights, leases, budgets, links, messages,
# evaluations and the pages built on them. The pure domain and the fake's own tests take explicit
# dates, and the browser tests only repeat what the HTTP tests of the same pages check.
DEFAULT_PATHS = (
    "tests/strava", "tests/scale", "tests/flows", "tests/web", "tests/web_hostile", "tests/coach",
    "tests/faults", "tests/security", "tests/bad_input", "tests/services", "tests/messages",
    "tests/cli_evaluate", "tests/e2e", "tests/activity_files",
)
# The core: where "now" decides what happens (who is due tonight, which day a run falls on, what
# a night, a week or a check-in sends, the demo's story), without the pages' browser runs.
QUICK_PATHS = (
    "tests/strava", "tests/flows", "tests/e2e", "tests/services",
    "tests/scale/test_night_batches.py", "tests/scale/test_night_disconnects.py",
    "tests/scale/test_flow_reports.py", "tests/scale/test_status_cli.py", "tests/scale/test_webhook_drain.py",
    "tests/faults/test_kill_campaign.py", "tests/coach/test_checkin.py", "tests/coach/test_pain_loop.py",
    "tests/coach/test_digest_and_invites.py", "tests/web/test_connect_and_links.py",
    "tests/web/test_webhook_events.py", "tests/security/test_secrets_never_leak.py",
)

SUMMARY = re.compile(r"^(=+ )?(?P<line>\d+ \w+(, \d+ \w+)*) in [\d.]+s")


def _chosen(names: list[str]) -> list[Instant]:
    if not names:
        return list(INSTANTS)
    chosen = [i for i in INSTANTS if any(i.name.lower().startswith(n.lower()) or i.iso == n for n in names)]
    if not chosen:
        raise SystemExit(f"clock_sweep: no instant matches {names}; see --list")
    return chosen


def run_at(instant: Instant, pytest_args: list[str], log_dir: Path) -> tuple[int, str, float]:
    env = dict(os.environ)
    env.update({"COACH_TEST_NOW": instant.iso, "COACH_TEST_TRAVEL": "1"})
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
    log = log_dir / (re.sub(r"[^a-z0-9]+", "-", instant.name.lower()).strip("-") + ".log")
    started = time.monotonic()
    with log.open("w") as out:
        code = subprocess.call(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    lines = [m.group("line") for m in map(SUMMARY.match, log.read_text().splitlines()) if m]
    return code, (lines[-1] if lines else f"no pytest summary (exit {code}); see {log}"), time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--at", action="append", default=[], help="an instant's name (or prefix), or its ISO form")
    parser.add_argument("--list", action="store_true", help="print the instants and stop")
    parser.add_argument("--quick", action="store_true", help="only the core time-sensitive tests")
    parser.add_argument("--logs", type=Path, default=ROOT / ".clock-sweep", help="where each run's output goes")
    args = parser.parse_args(own)
    if args.list:
        for instant in INSTANTS:
            print(f"{instant.name:34} {instant.iso}  {instant.why}")
        return 0
    args.logs.mkdir(parents=True, exist_ok=True)
    failed = 0
    for instant in _chosen(args.at):
        paths = list(QUICK_PATHS if args.quick else DEFAULT_PATHS)
        code, summary, took_s = run_at(instant, pytest_args or paths, args.logs)
        failed += code != 0
        print(f"{'ok  ' if code == 0 else 'FAIL'} {instant.name:34} {instant.iso}  {summary}  ({took_s:.0f} s)",
              flush=True)
    print(f"{failed} of {len(_chosen(args.at))} instants failed; logs in {args.logs}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
