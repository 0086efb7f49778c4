"""Delivery through Apprise: a channel is an email address (sent over the operator's SMTP server)
or any Apprise URL the runner gave (`ntfy://`, `json://`, `tgram://`, `mailtos://`, ...).

Emails go out as `multipart/alternative` with our own two parts, the text/plain rendered from
`templates/email/*.txt.j2` and the HTML: Apprise 2.0's SMTP service would derive the text part
from the HTML, so SMTP channels (an email address sent over the operator's server, or a runner's
`mailto://`/`mailtos://` URL) go through `NotifyEmailWithText` (see apprise_email.py), still
Apprise's URL parsing, connection, TLS and login. Other email services (SendGrid, SES, ...) get
the HTML and make their own text part. Other Apprise services get the short push form: a title
and a body of at most 240 characters.

Channel URLs and SMTP settings hold secrets (passwords, push tokens), so no error message, repr or
log line written here contains them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol
from urllib.parse import quote, urlencode

import apprise

from coaching.messages.apprise_email import SMTP_SCHEMES, NotifyEmailWithText, email_with_text
from coaching.messages.message import RenderedMessage

# Apprise services that deliver email and so get the HTML form (Apprise 2.0.1's schema names).
EMAIL_SCHEMES = frozenset(
    {
        "mailto", "mailtos", "o365", "azure", "mailgun", "postmark", "resend", "sendgrid", "ses",
        "smtp2go", "sparkpost",
    }
)
_EMAIL_ADDRESS = re.compile(r"^[^@\s:/]+@[^@\s:/]+\.[^@\s:/]+$")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.I)


class DeliveryError(Exception):
    """A message was not delivered. `retryable` says whether trying again later can help."""

    retryable: bool = True


class UndeliverableError(DeliveryError):
    """This channel can never take this message (a malformed URL, a digest to a push service)."""

    retryable = False


@dataclass(frozen=True)
class Channel:
    """An email address or an Apprise URL; its repr never shows the URL (it holds secrets)."""

    target: str = field(repr=False)

    def __post_init__(self) -> None:
        target = self.target.strip()
        object.__setattr__(self, "target", target)
        if not (_EMAIL_ADDRESS.match(target) or _SCHEME.match(target)):
            raise ValueError("a channel is an email address or an Apprise URL (scheme://...)")

    @property
    def scheme(self) -> str | None:
        match = _SCHEME.match(self.target)
        return match.group(1).lower() if match else None

    @property
    def is_email_address(self) -> bool:
        return self.scheme is None

    @property
    def is_email(self) -> bool:
        return self.is_email_address or self.scheme in EMAIL_SCHEMES

    def __repr__(self) -> str:
        return f"Channel(kind={'email' if self.is_email else 'push'!r}, scheme={self.scheme!r})"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    from_address: str
    from_name: str = "Knee coach"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    mode: Literal["insecure", "starttls", "ssl"] = "starttls"
    connect_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.mode not in ("insecure", "starttls", "ssl"):
            raise ValueError(f"SMTP mode must be insecure, starttls or ssl, not {self.mode!r}")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both an SMTP username and a password, or neither")

    def apprise_url(self, to_address: str, headers: dict[str, str] | None = None) -> str:
        """Apprise's `mailto://` is plain SMTP and `mailtos://` is TLS; `mode=` picks STARTTLS
        or implicit TLS (PREFECT_APPRISE.md, section 6)."""
        scheme = "mailto" if self.mode == "insecure" else "mailtos"
        auth = ""
        if self.username is not None and self.password is not None:
            auth = f"{quote(self.username, safe='')}:{quote(self.password, safe='')}@"
        query: dict[str, str] = {
            "smtp": self.host,
            "from": self.from_address,
            "name": self.from_name,
            "to": to_address,
            "mode": self.mode,
            "cto": f"{self.connect_timeout_s:g}",
        }
        query.update({f"+{name}": value for name, value in (headers or {}).items()})
        return f"{scheme}://{auth}{self.host}:{self.port}?{urlencode(query, quote_via=quote)}"


class Notifier(Protocol):
    def send(self, message: RenderedMessage, channel: Channel) -> None:
        """Deliver or raise DeliveryError."""


class AppriseNotifier:
    def __init__(self, smtp: SmtpSettings | None = None, *, app_id: str = "KneeCoach") -> None:
        self._smtp = smtp
        self._asset = apprise.AppriseAsset(
            app_id=app_id,
            app_desc="Runner's-knee coaching messages",
            # Nothing of a message or a channel is written to disk by Apprise.
            storage_mode="memory",
        )
        # Checked once, at the composition root: a bad operator setting must fail the start-up,
        # not be mistaken later for each runner's address being undeliverable.
        if smtp is not None:
            probe = apprise.Apprise(asset=self._asset)
            if not probe.add(smtp.apprise_url("postmaster@example.org")):
                raise ValueError(
                    "the SMTP settings do not make a valid Apprise URL: check the host and the from address"
                )

    def send(self, message: RenderedMessage, channel: Channel) -> None:
        kind = "email" if channel.is_email else "push"
        url = self._apprise_url(message, channel)
        # A fresh Apprise object per message: its per-service throttle and its "already
        # delivered" memory must not leak from one runner's message into the next.
        sender = apprise.Apprise(asset=self._asset)
        service = self._service(url, message, channel)
        if service is None or not sender.add(service):
            raise UndeliverableError(f"the {kind} channel's Apprise URL is not valid")
        notify_type = apprise.NotifyType.WARNING if message.urgency == "warning" else apprise.NotifyType.INFO
        if channel.is_email:
            result = sender.notify(
                title=message.subject,
                body=message.html,
                body_format=apprise.NotifyFormat.HTML,
                notify_type=notify_type,
            )
        else:
            if message.push_title is None or message.push_body is None:
                raise UndeliverableError(f"a {message.kind} has no push form; it needs an email channel")
            result = sender.notify(
                title=message.push_title,
                body=message.push_body,
                body_format=apprise.NotifyFormat.TEXT,
                notify_type=notify_type,
            )
        # AppriseResult is falsy on failure; its status name carries no URL.
        if not result:
            status = getattr(getattr(result, "status", None), "name", "FAILURE")
            raise DeliveryError(f"{kind} delivery failed: {message.kind}, {status.lower()}")

    def _service(self, url: str, message: RenderedMessage, channel: Channel) -> str | NotifyEmailWithText | None:
        """The URL for Apprise to build its service from or, for SMTP email, our service that
        sends the message's own text part (None: not a valid SMTP URL)."""
        if channel.is_email_address or channel.scheme in SMTP_SCHEMES:
            return email_with_text(url, message.text, self._asset)
        return url

    def _apprise_url(self, message: RenderedMessage, channel: Channel) -> str:
        if not channel.is_email_address:
            return channel.target
        if self._smtp is None:
            raise UndeliverableError("an email address channel needs the operator's SMTP settings")
        headers = {}
        if message.unsubscribe_url:
            # RFC 2369: mail clients show an "unsubscribe" button for this header.
            headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            # RFC 8058: clients may then unsubscribe with one POST, no page to open.
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return self._smtp.apprise_url(channel.target, headers)


@dataclass
class RecordingNotifier:
    """A fake that keeps what it was asked to send; set `fail_with` to make every send raise."""

    sent: list[tuple[RenderedMessage, Channel]] = field(default_factory=list)
    fail_with: DeliveryError | None = None

    def send(self, message: RenderedMessage, channel: Channel) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((message, channel))
