"""Faults queued from Python for the next requests whose path matches a pattern."""

from __future__ import annotations

import re
from dataclasses import dataclass

FAULT_KINDS = ("500", "429", "timeout", "reset", "truncated")


@dataclass
class _Fault:
    pattern: re.Pattern[str]
    kind: str
    remaining: int
    method: str | None


class FaultPlan:
    """First matching fault wins, in the order they were injected. Not locked: FakeStrava is."""

    def __init__(self) -> None:
        self._faults: list[_Fault] = []

    def add(self, path_regex: str, kind: str, count: int, method: str | None) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        self._faults.append(_Fault(re.compile(path_regex), kind, count, method.upper() if method else None))

    def take(self, method: str, path: str) -> str | None:
        for fault in self._faults:
            if (fault.method is None or fault.method == method) and fault.pattern.search(path):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault.kind
        return None

    def pending(self) -> int:
        return sum(f.remaining for f in self._faults)

    def clear(self) -> None:
        self._faults.clear()
