"""Fixtures the scale tests share; each module seeds its own `fake`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coaching.runtime import Runtime
from scale_helpers import preloaded_runtime


@pytest.fixture
def connected(engine, fake) -> Iterator[tuple[Runtime, list[int]]]:
    """Every athlete of the module's fake connected and back-filled an hour ago (stored directly,
    as the benchmark does)."""
    runtime, ids = preloaded_runtime(engine, fake)
    yield runtime, ids
    runtime.close()
