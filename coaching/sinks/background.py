"""What both sinks share: a server running in a background thread, used as a context manager."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

_Sink = TypeVar("_Sink", bound="BackgroundServer")


class BackgroundServer:
    def start(self: _Sink) -> _Sink:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self: _Sink) -> _Sink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
