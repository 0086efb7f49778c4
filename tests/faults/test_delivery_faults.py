"""The mail server and the push endpoint misbehaving during delivery: connections refused or reset,
temporary refusals, a server that never answers, an acceptance lost on the way back, a push
endpoint answering 500. A failed message stays queued with its error and a back-off; once the
server is back every due message is sent once; rows of other runners and channels are untouched."""

from __future__ import annotations

import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from coaching.crypto import generate_key
from coaching.messages.notifier import AppriseNotifier, SmtpSettings
from coaching.runtime import Runtime
from coaching.services.notify import deliver_due, retry_delay
from coaching.settings import Settings
from coaching.sinks.push_sink import PushSink
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.athletes import AthleteRepository
from coaching.store.db import upgrade
from coaching.store.models import OutboxMessage
from coaching.store.outbox import NewMessage, OutboxRepository
from tests.faults.fault_env import DELIVERY_NOW as NOW
from tests.faults.fault_env import free_port

RUNNERS = 3


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def runtime(tmp_path: Path, smtp_port: int) -> Iterator[Runtime]:
    """Three runners with two queued emails each; the first also gets push messages."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'coach.db'}", token_key=generate_key(),
                        link_secret="delivery-fault-links", smtp_host="127.0.0.1", smtp_port=smtp_port,
                        smtp_mode="insecure", smtp_from_address="coach@example.org")
    rt = Runtime(settings)
    upgrade(rt.engine)
    with rt.sessions.begin() as s:
        outbox = OutboxRepository(s)
        for number in range(1, RUNNERS + 1):
            athlete = AthleteRepository(s).upsert_from_strava(700 + number, first_name=f"R{number}", last_name="",
                                                              timezone=None, units=None)
            athlete.email = f"r{number}@example.org"
            s.flush()
            for period in ("2026-11-22", "2026-11-23"):
                outbox.enqueue(NewMessage("athlete", athlete.id, "alert", period, "email", f"email {number} {period}",
                                          "text", "<p>html</p>"), NOW)
    yield rt
    rt.close()


def _add_push(rt: Runtime, push_url: str) -> None:
    with rt.sessions.begin() as s:
        athlete = AthleteRepository(s).get(1)
        athlete.push_url_encrypted, athlete.send_push = rt.box.encrypt(push_url), True
        OutboxRepository(s).enqueue(NewMessage("athlete", 1, "alert", "2026-11-23", "push", "push 1 2026-11-23",
                                               "short"), NOW)


def _rows(rt: Runtime) -> dict[str, tuple[str, int, str | None]]:
    with rt.sessions.begin() as s:
        return {row.subject: (row.status, row.attempts, row.last_error) for row in s.scalars(select(OutboxMessage))}


def _subjects(directory: Path) -> Counter[str]:
    return Counter(str(message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"])
                   for path in (directory / "mail").glob("*.eml"))


def _all_queued_with_backoff(rt: Runtime, attempts: int, at: Any) -> None:
    for subject, (status, tries, error) in _rows(rt).items():
        if subject.startswith("email"):
            assert (status, tries) == ("queued", attempts) and "email delivery failed" in error, subject
    with rt.sessions.begin() as s:
        due = OutboxRepository(s).due_ids(at + retry_delay(attempts) - timedelta(seconds=1))
        assert due == []  # backing off: nothing is due before the delay


class _TcpMisbehaver:
    """A TCP listener that resets every connection at once (`reset`) or accepts and never says a
    word (`silent`)."""

    def __init__(self, port: int, mode: str) -> None:
        self.mode = mode
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", port))
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> _TcpMisbehaver:
        self._thread.start()
        return self

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            if self.mode == "reset":
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                connection.close()
            else:
                self._held.append(connection)

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close alone would not
        self._server.close()
        for connection in self._held:
            connection.close()
        self._thread.join(timeout=5)


class _RefusingHandler:
    """A real SMTP server that answers every recipient with a temporary refusal."""

    def __init__(self) -> None:
        self.refused = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list) -> str:
        self.refused += 1
        return "451 4.3.2 please try again later"


class _AcceptThenHangUpHandler:
    """Stores the message, then drops the connection before the client reads the 250: the
    acceptance is lost on the way back."""

    def __init__(self) -> None:
        self.stored: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        self.stored[str(message_from_bytes(content, policy=policy.default)["Subject"])] += 1
        server.transport.abort()
        return "250 stored"


def test_a_mail_server_that_resets_every_connection_keeps_every_email_queued_and_backing_off(
    runtime, smtp_port, tmp_path
):
    with _TcpMisbehaver(smtp_port, "reset") as server:
        first = deliver_due(runtime, NOW)
        second = deliver_due(runtime, NOW + retry_delay(1))
    assert (first.sent, first.failed, second.failed) == (0, 2 * RUNNERS, 2 * RUNNERS)
    assert server.connections >= 4 * RUNNERS
    _all_queued_with_backoff(runtime, attempts=2, at=NOW + retry_delay(1))

    with SmtpSink(tmp_path, port=smtp_port):
        back = deliver_due(runtime, NOW + retry_delay(1) + retry_delay(2))
    assert back.sent == 2 * RUNNERS
    assert set(_subjects(tmp_path).values()) == {1} and len(_subjects(tmp_path)) == 2 * RUNNERS
    assert {status for status, _, _ in _rows(runtime).values()} == {"sent"}


def test_a_mail_server_that_refuses_for_now_gets_each_email_once_when_it_accepts_again(runtime, smtp_port, tmp_path):
    handler = _RefusingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        report = deliver_due(runtime, NOW)
    finally:
        controller.stop()
    assert (report.sent, report.failed) == (0, 2 * RUNNERS) and handler.refused >= 2 * RUNNERS
    _all_queued_with_backoff(runtime, attempts=1, at=NOW)

    with SmtpSink(tmp_path, port=smtp_port):
        assert deliver_due(runtime, NOW + retry_delay(1)).sent == 2 * RUNNERS
        assert deliver_due(runtime, NOW + timedelta(days=1)).sent == 0
    assert sorted(_subjects(tmp_path).values()) == [1] * (2 * RUNNERS)


def test_a_mail_server_that_never_answers_times_out_and_leaves_the_emails_queued(runtime, smtp_port, tmp_path):
    with runtime.sessions.begin() as s:  # one message is enough to wait for
        for row in s.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id != 1)):
            row.status = "cancelled"
    smtp = runtime.settings
    runtime.__dict__["notifier"] = AppriseNotifier(SmtpSettings(
        host=smtp.smtp_host, port=smtp.smtp_port, from_address=smtp.smtp_from_address, mode="insecure",
        connect_timeout_s=0.5))
    with _TcpMisbehaver(smtp_port, "silent") as server:
        report = deliver_due(runtime, NOW)
    assert (report.sent, report.failed) == (0, 2) and server.connections >= 2
    with SmtpSink(tmp_path, port=smtp_port):
        assert deliver_due(runtime, NOW + retry_delay(1)).sent == 2
    assert sorted(_subjects(tmp_path).values()) == [1, 1]


def test_an_acceptance_lost_on_the_way_back_is_sent_again_once_and_only_that_message(runtime, smtp_port, tmp_path):
    """SMTP's own at-least-once window (RFC 1047): the server stored the message but its 250
    never arrived, so to us it failed. It is retried after the back-off: one duplicate, of that
    message only, and the row ends `sent`."""
    with runtime.sessions.begin() as s:
        for row in s.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id != 1)):
            row.next_attempt_at = NOW + timedelta(days=1)  # not due in the lossy minute
    handler = _AcceptThenHangUpHandler()
    lossy = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    lossy.start()
    try:
        report = deliver_due(runtime, NOW)
    finally:
        lossy.stop()
    assert (report.sent, report.failed) == (0, 2) and sorted(handler.stored.values()) == [1, 1]

    with SmtpSink(tmp_path, port=smtp_port):
        deliver_due(runtime, NOW + retry_delay(1))
        deliver_due(runtime, NOW + timedelta(days=2))
    copies = _subjects(tmp_path) + handler.stored
    assert {subject for subject, n in copies.items() if n == 2} == set(handler.stored)
    assert len(copies) == 2 * RUNNERS and set(copies.values()) == {1, 2}
    assert {status for status, _, _ in _rows(runtime).values()} == {"sent"}


class _Answer500(BaseHTTPRequestHandler):
    hits = 0

    def do_POST(self) -> None:
        type(self).hits += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        pass


def test_a_push_endpoint_answering_500_keeps_the_push_queued_and_the_emails_go_out(runtime, smtp_port, tmp_path):
    broken = ThreadingHTTPServer(("127.0.0.1", 0), _Answer500)
    threading.Thread(target=broken.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    with PushSink(tmp_path) as push:
        _add_push(runtime, f"json://127.0.0.1:{broken.server_address[1]}/push")
        with SmtpSink(tmp_path, port=smtp_port):
            report = deliver_due(runtime, NOW)
        broken.shutdown()
        broken.server_close()
        assert (report.sent, report.failed, _Answer500.hits) == (2 * RUNNERS, 1, 1)
        rows = _rows(runtime)
        assert rows["push 1 2026-11-23"][:2] == ("queued", 1) and "push delivery failed" in rows["push 1 2026-11-23"][2]
        with runtime.sessions.begin() as s:
            AthleteRepository(s).get(1).push_url_encrypted = runtime.box.encrypt(push.apprise_url)
        assert deliver_due(runtime, NOW + retry_delay(1)).sent == 1
        assert deliver_due(runtime, NOW + timedelta(days=1)).sent == 0
        assert [p.payload["title"] for p in push.received] == ["push 1 2026-11-23"]
    assert sorted(_subjects(tmp_path).values()) == [1] * (2 * RUNNERS)


def test_six_outages_in_a_row_back_off_5_10_20_40_80_160_minutes_and_the_seventh_run_sends_once(
    runtime, smtp_port, tmp_path
):
    with runtime.sessions.begin() as s:  # one runner's two emails are enough to count with
        for row in s.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id != 1)):
            row.next_attempt_at = NOW + timedelta(days=30)
    at = NOW
    for attempt in range(1, 7):
        report = deliver_due(runtime, at)  # nothing listens
        assert report.failed == 2
        assert deliver_due(runtime, at + retry_delay(attempt) - timedelta(seconds=1)).failed == 0  # not due yet
        at += retry_delay(attempt)
    assert [retry_delay(n).total_seconds() / 60 for n in range(1, 7)] == [5, 10, 20, 40, 80, 160]
    with SmtpSink(tmp_path, port=smtp_port):
        assert deliver_due(runtime, at).sent == 2
        assert deliver_due(runtime, NOW + timedelta(days=31)).sent == 2 * RUNNERS - 2  # the others, once
    assert sorted(_subjects(tmp_path).values()) == [1] * (2 * RUNNERS)
    assert sorted(attempts for _, attempts, _ in _rows(runtime).values()) == [1] * (2 * RUNNERS - 2) + [7, 7]
