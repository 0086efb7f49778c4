"""The one place the product reads the wall clock: composition roots (the CLI, the flows, the web
app) pass `wall_clock` down; everything below them takes its clock or its instant as a parameter,
so tests hand in an instant of their own."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)
