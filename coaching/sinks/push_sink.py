"""A real HTTP receiver on 127.0.0.1 for what Apprise's `json://` posts; writes `DIR/push/*.json`."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

from coaching.sinks.background import BackgroundServer

# Apprise's push bodies are a few hundred bytes; anything far larger is not what we expect.
_MAX_BODY_BYTES = 1_000_000


@dataclass(frozen=True)
class ReceivedPush:
    path: Path
    request_path: str
    payload: dict[str, Any]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], record: Callable[[str, dict[str, Any]], None]
    ) -> None:
        super().__init__(address, _Handler)
        self.record = record


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > _MAX_BODY_BYTES:
            self._reply(400, b"expected a JSON body")
            return
        try:
            payload = json.loads(self.rfile.read(length))
        except ValueError:
            self._reply(400, b"body is not JSON")
            return
        if not isinstance(payload, dict):
            self._reply(400, b"expected a JSON object")
            return
        self.server.record(self.path, payload)
        self._reply(200, b"ok")

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # Tests and the demo read the files; request lines on stderr are noise.
        pass


class PushSink(BackgroundServer):
    """`with PushSink(tmp_path) as sink:` then send to `f"json://127.0.0.1:{sink.port}/push"`."""

    def __init__(self, directory: Path | str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.push_dir = Path(directory) / "push"
        self.host = host
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._received: list[ReceivedPush] = []

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the push sink is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/push"

    @property
    def apprise_url(self) -> str:
        return f"json://{self.host}:{self.port}/push"

    @property
    def received(self) -> list[ReceivedPush]:
        with self._lock:
            return list(self._received)

    def _record(self, request_path: str, payload: dict[str, Any]) -> None:
        with self._lock:
            n = len(self._received) + 1
            path = self.push_dir / f"{n:06d}.json"
            path.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
            self._received.append(ReceivedPush(path, request_path, payload))

    def start(self) -> PushSink:
        if self._server is not None:
            raise RuntimeError("the push sink is already running")
        self.push_dir.mkdir(parents=True, exist_ok=True)
        server = _Server((self.host, self._requested_port), self._record)
        # A short poll so that stop() returns in milliseconds rather than the default half second.
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="push-sink", daemon=True
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server, self._thread = None, None
