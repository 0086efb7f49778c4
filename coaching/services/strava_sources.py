"""Strava clients for thread pools: one StravalibSource, and so one requests session, per thread.

requests sessions are not thread-safe, while the request budget they report to is: every thread's
source shares the runtime's budget (or a per-thread view of it that also counts that thread's own
requests, as the night's batches want).
"""

from __future__ import annotations

import threading
from typing import Callable

from coaching.runtime import Runtime
from coaching.strava.budget import RequestBudget
from coaching.strava.client import StravalibSource


class PerThreadSources(threading.local):
    def __init__(self, budget_for_thread: Callable[[RequestBudget], RequestBudget] | None = None) -> None:
        # threading.local runs __init__ again, with these arguments, in every thread that uses it.
        self._budget_for_thread = budget_for_thread
        self._source: StravalibSource | None = None

    def get(self, runtime: Runtime) -> StravalibSource:
        if self._source is None:
            client_id, client_secret = runtime.settings.require_strava_app()
            shared = runtime.budget
            self._source = StravalibSource(
                client_id=client_id, client_secret=client_secret, api_url=runtime.settings.strava_api_url,
                budget=self._budget_for_thread(shared) if self._budget_for_thread else shared,
                timeout_s=runtime.settings.strava_request_timeout_s, gate=runtime.strava_gate,
            )
        return self._source
