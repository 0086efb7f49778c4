"""Ways to make the database briefly unavailable: a TCP proxy in front of PostgreSQL that can be
cut and restored, a schema of our own reached only through it, and a SQLite write lock held by
another connection."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from coaching.store.db import make_engine, upgrade


class TcpProxy:
    """127.0.0.1:port -> target. `cut()` drops every connection and refuses new ones, as a
    database restart or a network partition would; `restore()` listens again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._start_listening()

    def _start_listening(self) -> None:
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for end in self._sockets:
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()
            self._sockets.clear()

    def restore(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._start_listening()

    def close(self) -> None:
        self.cut()


@dataclass(frozen=True)
class PgThroughProxy:
    url: str  # what the code under test connects to: via the proxy, in its own schema
    engine: Engine
    proxy: TcpProxy
    application_name: str


@contextmanager
def postgres_through_proxy(admin_url: str) -> Iterator[PgThroughProxy]:
    """A fresh migrated schema, reached through a TCP proxy, with connections tagged by an
    application name so that a test can terminate its own backends and nobody else's."""
    schema = f"f_{uuid.uuid4().hex[:12]}"
    name = f"fault-test-{schema}"
    admin = make_engine(admin_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    target = make_url(admin_url)
    proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
    url = target.set(host="127.0.0.1", port=proxy.port,
                     query={"options": f"-csearch_path={schema}", "application_name": name})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    try:
        upgrade(engine)
        yield PgThroughProxy(rendered, engine, proxy, name)
    finally:
        engine.dispose()
        proxy.close()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def terminate_backends(admin_url: str, application_name: str) -> int:
    """pg_terminate_backend for our tagged connections only (other tests share the database)."""
    admin = make_engine(admin_url)
    try:
        with admin.begin() as connection:
            return len(connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND application_name = :name AND pid <> pg_backend_pid()"),
                {"name": application_name},
            ).all())
    finally:
        admin.dispose()


def sqlite_engine_with_busy_timeout(path: Path, busy_timeout_ms: int) -> Engine:
    """The production SQLite engine, with the wait for another writer cut from 30 s."""
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")

    upgrade(engine)
    return engine


class SqliteWriteLock:
    """Another process's writer: `BEGIN IMMEDIATE` holds the database's write lock until release."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.held = False

    def take(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self._connection.execute("ROLLBACK")
            self.held = False

    def close(self) -> None:
        self.release()
        self._connection.close()


def postgres_admin_url() -> str | None:
    return os.environ.get("COACH_TEST_DATABASE_URL")
