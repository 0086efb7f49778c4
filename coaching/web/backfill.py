"""The history back-fill after a runner connects: run in the background, watched through the store.

The sync commits each page with its cursor (`sync_state.backfill_before_utc`), walking back from
now to the start of the history window, so how far the cursor has walked is the progress. The web
page and `coach strava backfill` both read it from the database, never from the running thread.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.orm import Session

from coaching.runtime import Runtime
from coaching.services.sync import SyncPolicy, SyncResult, sync_athlete
from coaching.store.activities import ActivityRepository
from coaching.store.models import SyncState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackfillProgress:
    activities: int
    done: bool
    fraction: float  # 0..1 of the history window walked so far
    stalled: bool  # the last attempt failed (Strava busy or down): the nightly run carries on

    def as_json(self, running: bool) -> dict[str, object]:
        return {
            "activities": self.activities,
            "done": self.done,
            "percent": round(self.fraction * 100),
            "stalled": self.stalled and not running,
            "running": running,
        }


def backfill_progress(
    session: Session, athlete_id: int, now: datetime, history_days: int = SyncPolicy().history_days
) -> BackfillProgress:
    state = session.get(SyncState, athlete_id)
    activities = ActivityRepository(session).count(athlete_id)
    if state is None:
        return BackfillProgress(activities, False, 0.0, False)
    if state.backfill_done:
        return BackfillProgress(activities, True, 1.0, False)
    fraction = 0.0
    if state.backfill_before_utc is not None:
        walked = now - state.backfill_before_utc
        fraction = min(max(walked / timedelta(days=history_days), 0.0), 0.99)
    return BackfillProgress(activities, False, fraction, state.last_error is not None)


class BackfillRunner:
    """At most one back-fill per athlete at a time, on a small pool of threads."""

    def __init__(self, runtime: Runtime, clock: Callable[[], datetime] | None = None, workers: int = 2) -> None:
        self.runtime = runtime
        self.clock = clock or runtime.clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="backfill")
        self._running: dict[int, Future[SyncResult | None]] = {}
        self._lock = threading.Lock()

    def start(self, athlete_id: int) -> bool:
        """False when a back-fill for this athlete is already running."""
        with self._lock:
            if athlete_id in self._running and not self._running[athlete_id].done():
                return False
            self._running[athlete_id] = self._pool.submit(self._run, athlete_id)
            return True

    def is_running(self, athlete_id: int) -> bool:
        with self._lock:
            future = self._running.get(athlete_id)
            return future is not None and not future.done()

    def wait(self, athlete_id: int, timeout_s: float | None = None) -> SyncResult | None:
        with self._lock:
            future = self._running.get(athlete_id)
        return future.result(timeout=timeout_s) if future is not None else None

    def _run(self, athlete_id: int) -> SyncResult | None:
        runtime = self.runtime
        try:
            return sync_athlete(runtime.sessions, runtime.strava, runtime.box, athlete_id, self.clock())
        except Exception as error:  # recorded in sync_state by sync_athlete; the nightly run resumes it
            log.warning("back-fill of athlete %s stopped: %s", athlete_id, type(error).__name__)
            return None

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
