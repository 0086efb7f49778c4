"""Building the runtime inside a flow run: configuration is read here, at the composition root."""

from __future__ import annotations

from coaching.runtime import Runtime
from coaching.settings import Settings
from coaching.store.db import check_schema


def build_runtime() -> Runtime:
    runtime = Runtime(Settings())
    check_schema(runtime.engine)
    return runtime


def batches(items: list[int], size: int) -> list[list[int]]:
    """Athletes go to Prefect tasks in batches: a task run costs ~10 ms in the client and 40-60 ms
    of server CPU, too much per athlete once there are thousands (PREFECT_APPRISE.md §3)."""
    return [items[i : i + size] for i in range(0, len(items), size)] or []
