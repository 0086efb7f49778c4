"""Apprise's SMTP email service, sending the text/plain part we wrote instead of one made from the HTML.

Apprise 2.0's `NotifyEmail.send` hands the body to `prepare_emails`, which, for an HTML body, builds
`multipart/alternative` from `convert_between(HTML, TEXT, body)` and the HTML (plugins/email/base.py,
"Prepare Email Message"). `notify()` takes one body, so there is no way to pass a second one, and
`send` calls `NotifyEmail.prepare_emails` by its class name, so a subclass cannot swap that step.

Choices considered: patching `convert_between` in Apprise's module (process-wide, and a private
import); re-parsing Apprise's finished message to swap its text part (the round trip may refold
headers such as List-Unsubscribe); a custom `@notify` schema (it would leave SMTP, TLS and
authentication to us). The simplest robust one is this subclass: Apprise still parses the URL,
opens and secures the connection, logs in, throttles and remembers what was delivered; only the
MIME message is ours, the two parts the templates rendered. It is registered nowhere: the notifier
builds one per message from the channel's `mailto://` or `mailtos://` URL and adds the instance.

Cases this message builder does not cover (attachments, PGP) go to Apprise's own `send`.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from apprise import NotifyType
from apprise.exception import AppriseImproperlyConfigured
from apprise.plugins import url_to_dict
from apprise.plugins.email.base import NotifyEmail, PGPMode
from apprise.plugins.email.common import AppriseEmailException
from apprise.plugins.email.smtp import AppriseSMTPController

# The URL schemes of Apprise's SMTP plugin (plain SMTP and TLS); other email services (SendGrid,
# SES, ...) are separate plugins with their own APIs and keep Apprise's behaviour.
SMTP_SCHEMES = frozenset({"mailto", "mailtos"})


class NotifyEmailWithText(NotifyEmail):
    """One message's SMTP delivery: `text_body` is its text/plain part, `send(body=html)` the HTML."""

    def __init__(self, text_body: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text_body = text_body

    def send(self, body: str, title: str = "", notify_type: NotifyType = NotifyType.INFO, attach: Any = None,
             body_format: Any = None, **kwargs: Any) -> bool:
        if attach or self.pgp_mode != PGPMode.NONE:
            return super().send(body, title=title, notify_type=notify_type, attach=attach,
                                body_format=body_format, **kwargs)
        if not self.targets:
            self.logger.warning("There are no Email recipients to notify")
            return False
        headers = {"X-Application": self.app_id, **self.headers, **self._protocol_headers(body)}
        has_error = False
        self.throttle()
        try:
            with AppriseSMTPController(
                host=self.smtp_host, port=self.port, secure_mode=self.secure_mode, user=self.user,
                password=self.password, verify_certificate=self.verify_certificate,
                socket_connect_timeout=self.socket_connect_timeout,
            ) as smtp:
                for recipient, to_addrs, message in self._messages(title, body, headers):
                    if self.is_delivered(recipient):  # a retry does not send it twice
                        continue
                    if smtp.sendmail(self.from_addr[1], to_addrs, message):
                        self.mark_delivered(recipient)
                    else:
                        self.logger.warning("Sending email failed")
                        has_error = True
        except (OSError, smtplib.SMTPException, RuntimeError, AppriseImproperlyConfigured,
                AppriseEmailException) as error:
            # Like Apprise: the host, not the URL (it may hold the password); the detail at debug.
            self.logger.warning('Connection error while submitting email to "%s"', self.smtp_host)
            self.logger.debug("Socket Exception: %s", error)
            has_error = True
        return not has_error

    def _messages(self, subject: str, html: str, headers: dict[str, str]) -> Iterator[tuple[str, list[str], str]]:
        """Per To address: (recipient, envelope addresses, message), headers as Apprise sets them."""
        from_domain = self.from_addr[1].rsplit("@", 1)[-1]
        for to_name, to_addr in self.targets:
            cc = sorted(self.cc - self.bcc - {to_addr})
            bcc = sorted(self.bcc - {to_addr})
            reply_to = sorted(self.reply_to - {to_addr})
            message = MIMEMultipart("alternative")
            # RFC 2046: the parts in increasing faithfulness, so clients that can show HTML do.
            message.attach(MIMEText(self.text_body, "plain", "utf-8"))
            message.attach(MIMEText(html, "html", "utf-8"))
            for name, value in headers.items():
                message[name] = Header(value, _charset(value))
            message["Subject"] = Header(" ".join(subject.split()), _charset(subject))
            message["From"] = formataddr((self.from_addr[0] or False, self.from_addr[1]), charset="utf-8")
            message["To"] = formataddr((to_name or False, to_addr), charset="utf-8")
            message["Message-ID"] = make_msgid(domain=from_domain)
            message["Date"] = format_datetime(datetime.now(tz=self.tzinfo or datetime.now().astimezone().tzinfo))
            if cc:
                message["Cc"] = ",".join(self._named(address) for address in cc)
            if reply_to:
                message["Reply-To"] = ",".join(self._named(address) for address in reply_to)
            yield to_addr, [to_addr, *cc, *bcc], message.as_string()

    def _named(self, address: str) -> str:
        return formataddr((self.names.get(address, False), address), charset="utf-8")


def email_with_text(url: str, text_body: str, asset: Any) -> NotifyEmailWithText | None:
    """The service for an SMTP `mailto://`/`mailtos://` URL, or None when the URL is not one Apprise
    accepts (the caller reports that without quoting the URL: it may hold a password)."""
    results = url_to_dict(url, secure_logging=True)
    if not results or results.get("schema") not in SMTP_SCHEMES:
        return None
    try:
        return NotifyEmailWithText(text_body=text_body, **{**results, "asset": asset, "tag": set()})
    except Exception:  # Apprise's own add() turns a constructor's refusal into "invalid URL" too
        return None


def _charset(value: str) -> str:
    return "us-ascii" if value.isascii() else "utf-8"
