"""HTTP plumbing: a ThreadingHTTPServer (standard library, starts in milliseconds) that counts
each request, applies latency and injected faults, and writes the Api's replies."""

from __future__ import annotations

import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

from coaching.fake_strava.api import JSON_TYPE, Api, Reply, Request, route_name
from coaching.fake_strava.counters import RequestCounters
from coaching.fake_strava.faults import FaultPlan
from coaching.fake_strava.oauth import OAuthState


class HttpFront:
    """What the request handlers share: the Api, the counters, the faults and the stop signal."""

    def __init__(
        self,
        api: Api,
        *,
        lock: threading.RLock,
        counters: RequestCounters,
        faults: FaultPlan,
        oauth: OAuthState,
        latency_s: Callable[[], float],
        timeout_fault_s: float,
        control: Callable[[Request], Reply] | None = None,
    ) -> None:
        self.api = api
        self.lock = lock
        self.counters = counters
        self.faults = faults
        self.oauth = oauth
        self.latency_s = latency_s
        self.timeout_fault_s = timeout_fault_s
        self.control = control  # the /_fake/ paths (control.py): not Strava's, so not counted
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()

    def serve(self, handler: BaseHTTPRequestHandler, request: Request) -> None:
        if self.control is not None and request.path.startswith("/_fake/"):
            reply = self.control(request)
            return _write(handler, reply, _encode(reply))
        with self.lock:
            owner = self.oauth.owner_of(request.bearer)
            self.counters.record(request.path, route_name(request.method, request.path), owner)
            fault = self.faults.take(request.method, request.path)
            if fault:
                self.counters.faults_injected += 1
            latency = self.latency_s()
        if latency > 0 and self.stopping.wait(latency):
            return _drop(handler, reset=False)
        if fault == "timeout":  # hold the request past the client's timeout, then hang up
            self.stopping.wait(self.timeout_fault_s)
            return _drop(handler, reset=False)
        if fault == "reset":
            return _drop(handler, reset=True)
        reply = self.api.handle(request, injected=fault if fault in ("500", "429") else None)
        body = _encode(reply)
        if fault == "truncated":  # well-framed HTTP, half a JSON document
            body = body[: max(1, len(body) // 2)]
        _write(handler, reply, body)

    def close_connections(self) -> None:
        with self.lock:
            for sock in list(self.connections):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _encode(reply: Reply) -> bytes:
    if reply.status == 302:
        return b"<html><body>You are being redirected.</body></html>"
    if reply.body is None:
        return b""
    return json.dumps(reply.body, separators=(",", ":")).encode()


def _write(handler: BaseHTTPRequestHandler, reply: Reply, body: bytes) -> None:
    try:
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if body:
            handler.send_header("Content-Type", "text/html" if reply.status == 302 else JSON_TYPE)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):  # the client gave up first
        handler.close_connection = True


def _drop(handler: BaseHTTPRequestHandler, *, reset: bool) -> None:
    """Close without a response; with `reset`, SO_LINGER 0 turns the close into a TCP RST."""
    handler.close_connection = True
    sock = handler.connection
    try:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections to Strava
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK then adds
    # ~40 ms to every keep-alive request, which would swamp any latency we mean to simulate.
    disable_nagle_algorithm = True
    server_version = "FakeStrava/1.0"
    timeout = 30  # idle keep-alive connections end after this many seconds

    @property
    def front(self) -> HttpFront:
        return self.server.front  # type: ignore[attr-defined]

    def setup(self) -> None:
        super().setup()
        with self.front.lock:
            self.front.connections.add(self.connection)

    def finish(self) -> None:
        with self.front.lock:
            self.front.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        pass  # tests and the demo read fake.stats instead of an access log

    def _serve(self) -> None:
        if self.front.stopping.is_set():
            self.close_connection = True
            return
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            form=_form(raw, self.headers.get("Content-Type") or ""),
            headers=self.headers,
        )
        self.front.serve(self, request)


def _form(raw: bytes, content_type: str) -> dict[str, str]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


class FakeHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # benchmarks open many connections at once
    allow_reuse_address = True

    def __init__(self, host: str, port: int, front: HttpFront) -> None:
        self.front = front
        super().__init__((host, port), _Handler)
