"""A real SMTP server on 127.0.0.1 that writes every message it receives to `DIR/mail/*.eml`."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from aiosmtpd.smtp import SMTP as SmtpServer

from coaching.sinks.background import BackgroundServer


class _LoginDataDeprecationFilter(logging.Filter):
    """aiosmtpd 1.4 sets its own deprecated `Session.login_data` on every AUTH and warns about it
    each time; nothing here uses it, so the warning is noise in the demo's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_LoginDataDeprecationFilter())


@dataclass(frozen=True)
class ReceivedMail:
    path: Path
    mail_from: str
    rcpt_tos: tuple[str, ...]


class _WritingHandler:
    def __init__(self, mail_dir: Path) -> None:
        self._mail_dir = mail_dir
        self._lock = threading.Lock()
        self.received: list[ReceivedMail] = []

    async def handle_DATA(self, server: SmtpServer, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        with self._lock:
            n = len(self.received) + 1
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            path = self._mail_dir / f"{stamp}-{n:06d}.eml"
            path.write_bytes(content)
            self.received.append(
                ReceivedMail(path, envelope.mail_from or "", tuple(envelope.rcpt_tos))
            )
        return "250 Message accepted for delivery"


class _Authenticator:
    def __init__(self, username: str, password: str) -> None:
        self._expected = (username.encode(), password.encode())

    def __call__(
        self, server: SmtpServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            (auth_data.login, auth_data.password) == self._expected
        )
        return AuthResult(success=ok, handled=False)


class _AnyPortController(Controller):
    """aiosmtpd's Controller connects to `self.port` to check the server is up; with port 0 that
    would be port 0, so read the port the OS actually bound before that check."""

    def _trigger_server(self) -> None:
        if self.server is not None and self.server.sockets:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink(BackgroundServer):
    """`with SmtpSink(tmp_path) as sink: ... sink.port ... sink.received`.

    With `credentials=(user, password)` the server offers AUTH and refuses any other login (a
    client that skips AUTH is still accepted); without it, no AUTH is offered.
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.mail_dir = Path(directory) / "mail"
        self.host = host
        self._requested_port = port
        self._credentials = credentials
        self._handler = _WritingHandler(self.mail_dir)
        self._controller: _AnyPortController | None = None

    @property
    def port(self) -> int:
        if self._controller is None:
            raise RuntimeError("the SMTP sink is not running")
        return int(self._controller.port)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def received(self) -> list[ReceivedMail]:
        return list(self._handler.received)

    def start(self) -> SmtpSink:
        if self._controller is not None:
            raise RuntimeError("the SMTP sink is already running")
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        auth_kwargs: dict[str, Any] = {}
        if self._credentials is not None:
            auth_kwargs = {
                "authenticator": _Authenticator(*self._credentials),
                # AUTH over plain text is fine on 127.0.0.1; STARTTLS would need a certificate.
                "auth_require_tls": False,
            }
        controller = _AnyPortController(
            self._handler, hostname=self.host, port=self._requested_port, **auth_kwargs
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
