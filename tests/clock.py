"""The suite's one instant: no test reads the wall clock.

Every test starts from `TEST_NOW`, a fixed instant, and moves time only on purpose (a clock's
`advance`, an explicit `timedelta`). Setting `COACH_TEST_NOW` (ISO 8601, UTC) moves the whole
suite to another instant: the clock sweep (`tests/clock_sweep.py`) runs the time-sensitive tests
that way at several hours of the UTC day and across daylight-saving changes, with libfaketime
setting the wall clock to the same instant, so that a test still reading the real clock, or a
product path that does not take its clock as a parameter, fails there instead of at 02:30 in CI.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

from coaching.fake_strava.testing import OffsetClock

# A Wednesday at noon UTC, far from any DST change and from a 15-minute rate-limit boundary.
DEFAULT_TEST_NOW = datetime(2026, 3, 18, 12, 2, tzinfo=timezone.utc)


def _test_now() -> datetime:
    text = os.environ.get("COACH_TEST_NOW", "").strip()
    if not text:
        return DEFAULT_TEST_NOW
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return instant.replace(tzinfo=timezone.utc) if instant.tzinfo is None else instant.astimezone(timezone.utc)


TEST_NOW: datetime = _test_now()
TEST_NOW_S: int = int(TEST_NOW.timestamp())
# The UTC calendar day of TEST_NOW; an athlete's own "today" may be a day either side of it.
TEST_TODAY: date = TEST_NOW.date()
YESTERDAY: date = TEST_TODAY - timedelta(days=1)


def make_clock() -> OffsetClock:
    """A clock that starts at TEST_NOW and runs at the real pace (leases, timeouts and rate
    windows behave as in production), which tests move forward with `advance`."""
    return OffsetClock(TEST_NOW)
