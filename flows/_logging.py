"""Our own log lines in the flow-run logs that Prefect shows (the UI, `prefect flow-run logs`, the
worker's output), at INFO, without turning on every library's chatter.

Prefect ships to its API only what its own run loggers write. `PREFECT_LOGGING_EXTRA_LOGGERS=coaching`
gives our loggers its API handler but not a level, so they stay at the root's WARNING and the
per-batch INFO lines never leave the process; `PREFECT_LOGGING_ROOT_LEVEL=INFO` lets them out but
with httpx, alembic and stravalib at INFO too. So each flow run attaches the handler itself, to
`coaching` and `flows` only, at `COACH_LOG_LEVEL` (default INFO).

The night's batches log from a thread pool, where Prefect's run context (a contextvar) is not
set; a filter on the handler stamps those records with the flow run's id so it can place them
(a filter on the logger would not do: it sees only records written to that very logger).
"""

from __future__ import annotations

import logging
import os
from typing import Any

OUR_LOGGERS = ("coaching", "flows")
LEVEL_VARIABLE = "COACH_LOG_LEVEL"


class _StampRunId(logging.Filter):
    """Gives records written outside Prefect's run context (our worker threads) the run's id."""

    def __init__(self) -> None:
        super().__init__()
        self.flow_run_id: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if self.flow_run_id and not getattr(record, "flow_run_id", None) and not _in_run_context():
            record.flow_run_id = self.flow_run_id
        return True


def _in_run_context() -> bool:
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


_stamp = _StampRunId()


def run_log_level(environ: Any = os.environ) -> int:
    """COACH_LOG_LEVEL by name (DEBUG, INFO, WARNING, ...); INFO when unset or unknown."""
    level = logging.getLevelName(str(environ.get(LEVEL_VARIABLE) or "INFO").upper())
    return level if isinstance(level, int) else logging.INFO


def attach_run_logs(flow_run_id: str | None = None) -> None:
    """Send our loggers' records to this flow run's log in Prefect. Idempotent: each flow run of a
    process (the tests and `coach nightly` run several) moves the stamp to its own id."""
    from prefect.logging.handlers import APILogHandler

    if flow_run_id is None:
        from prefect.runtime import flow_run

        flow_run_id = flow_run.id
    _stamp.flow_run_id = str(flow_run_id) if flow_run_id else None
    level = run_log_level()
    for name in OUR_LOGGERS:
        logger = logging.getLogger(name)
        # An explicit level (a test at DEBUG, an operator's logging config) wins over ours.
        if logger.level == logging.NOTSET:
            logger.setLevel(level)
        # PREFECT_LOGGING_EXTRA_LOGGERS may have attached Prefect's handler already: not twice.
        shipping = [handler for handler in logger.handlers if isinstance(handler, APILogHandler)]
        if not shipping:
            shipping = [APILogHandler()]
            logger.addHandler(shipping[0])
        for handler in shipping:
            if _stamp not in handler.filters:
                handler.addFilter(_stamp)
