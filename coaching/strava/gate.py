"""One gate per run for Strava's application state (API.md §6): an inactive app answers every call
with 403, whoever's token it carries.

Until one call of this run has been answered, only one thread asks at a time; once Strava said
"inactive", no thread of this run asks again. So a run with the app inactive costs one request,
however many threads and athletes it has, and the next run (a new gate) asks once first and
carries on with everything as soon as Strava answers again. A long-lived process (the web app)
forgets "inactive" after `recheck_after_s`, so the owner's reactivation is seen without a restart.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

from coaching.strava.errors import REACTIVATE_APP, ApplicationInactive, BudgetExhausted, StravaError, StravaUnavailable

T = TypeVar("T")


class ApplicationGate:
    def __init__(self, recheck_after_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._first = threading.Lock()
        self._answered = threading.Event()
        self._inactive_at: float | None = None
        self.recheck_after_s = recheck_after_s
        self._clock = clock

    @property
    def _inactive(self) -> bool:
        at = self._inactive_at
        if at is not None and self._clock() - at >= self.recheck_after_s:
            self._inactive_at = None  # ask again: the first thread through is the probe
            self._answered.clear()
        return self._inactive_at is not None

    @property
    def inactive(self) -> bool:
        """Strava said so in this run (within the last `recheck_after_s`)."""
        return self._inactive

    @property
    def answered(self) -> bool:
        """Strava answered a call of this run as an active app's (the app works)."""
        return self._answered.is_set() and not self._inactive

    def call(self, what: str, attempt: Callable[[], T]) -> T:
        """Run `attempt` (one translated Strava call) unless this run already knows the app is inactive."""
        if not self._answered.is_set():
            with self._first:
                self._refuse_if_inactive(what)
                if not self._answered.is_set():
                    return self._observe(attempt)
        self._refuse_if_inactive(what)
        return self._observe(attempt)

    def _refuse_if_inactive(self, what: str) -> None:
        if self._inactive:
            raise ApplicationInactive(f"{what}: not asked, Strava said this app is inactive earlier in this run; "
                                      f"{REACTIVATE_APP}")

    def _observe(self, attempt: Callable[[], T]) -> T:
        try:
            result = attempt()
        except ApplicationInactive:
            self._inactive_at = self._clock()
            self._answered.clear()
            raise
        except (StravaUnavailable, BudgetExhausted):
            raise  # no answer from Strava (or no request made): nothing learnt about the app
        except StravaError:
            self._answered.set()  # a 401 for one runner, a 404: Strava served the app
            raise
        self._answered.set()
        return result
