"""Delivery through Apprise into the real local sinks: an SMTP server and an HTTP push receiver."""

from __future__ import annotations

import email
import logging
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Iterator

import apprise
import pytest
from message_samples import SAMPLES, alert_for, digest_for, summary_for

from coaching.messages.message import RenderedMessage
from coaching.messages.notifier import (
    EMAIL_SCHEMES,
    AppriseNotifier,
    Channel,
    DeliveryError,
    RecordingNotifier,
    SmtpSettings,
    UndeliverableError,
)
from coaching.messages.render import render_alert, render_coach_digest, render_weekly_summary
from coaching.sinks import PushSink, SmtpSink

PASSWORD = "s3cret/pa:ss@word"


@pytest.fixture
def smtp_sink(tmp_path: Path) -> Iterator[SmtpSink]:
    with SmtpSink(tmp_path, credentials=("operator", PASSWORD)) as sink:
        yield sink


@pytest.fixture
def push_sink(tmp_path: Path) -> Iterator[PushSink]:
    with PushSink(tmp_path) as sink:
        yield sink


def _smtp(port: int, password: str = PASSWORD) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1", port=port, from_address="coach@example.com", from_name="Knee Coach",
        username="operator", password=password, mode="insecure", connect_timeout_s=2,
    )


@pytest.fixture(scope="module")
def alert() -> RenderedMessage:
    return render_alert(alert_for(SAMPLES[0].finding, SAMPLES[4].finding))


def _read(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_an_email_address_gets_html_and_text_over_the_operators_smtp(
    smtp_sink: SmtpSink, alert: RenderedMessage
) -> None:
    AppriseNotifier(_smtp(smtp_sink.port)).send(alert, Channel("anna@example.org"))

    [received] = smtp_sink.received
    assert received.rcpt_tos == ("anna@example.org",)
    mail = _read(received.path)
    assert mail["Subject"] == alert.subject == "Knee check: Long-run spike (warning) and 1 more"
    assert mail["To"] == "anna@example.org"
    assert mail["From"] == "Knee Coach <coach@example.com>"
    assert mail["List-Unsubscribe"] == f"<{alert.unsubscribe_url}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    html_part, text_part = mail.get_body(("html",)), mail.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    assert html.replace("\r\n", "\n") == alert.html
    assert text.replace("\r\n", "\n") == alert.text  # ours, not one Apprise made from the HTML
    for shown in ("21.1 km", "10.0 km", "111%", "42.0 km", "40%"):
        assert shown in text
    assert alert.unsubscribe_url in text


def _parts(mail: EmailMessage) -> tuple[str, str]:
    """(text/plain, text/html) of a multipart/alternative mail, line ends as the templates wrote them."""
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
    text_part, html_part = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text_part is not None and html_part is not None
    assert text_part.get_content_charset() == html_part.get_content_charset() == "utf-8"
    return text_part.get_content().replace("\r\n", "\n"), html_part.get_content().replace("\r\n", "\n")


@pytest.mark.parametrize("kind", ["alert", "weekly_summary", "coach_digest"])
def test_every_email_carries_our_rendered_text_part_and_html_part_byte_for_byte(
    smtp_sink: SmtpSink, kind: str
) -> None:
    message = {
        "alert": lambda: render_alert(alert_for(SAMPLES[0].finding, SAMPLES[4].finding)),
        "weekly_summary": lambda: render_weekly_summary(summary_for()),
        "coach_digest": lambda: render_coach_digest(digest_for(SAMPLES[0].finding)),
    }[kind]()
    # What Apprise would have sent as text: its conversion of our HTML. The test must tell them apart.
    derived = apprise.conversion.convert_between(apprise.NotifyFormat.HTML, apprise.NotifyFormat.TEXT, message.html)
    assert derived.strip() != message.text.strip()

    AppriseNotifier(_smtp(smtp_sink.port)).send(message, Channel("anna@example.org"))

    [received] = smtp_sink.received
    mail = _read(received.path)
    text, html = _parts(mail)
    assert text == message.text
    assert html == message.html
    assert any(ord(c) > 127 for c in message.text)  # "·", "–": UTF-8 survives the trip
    assert mail["Subject"] == message.subject
    assert mail["From"] == "Knee Coach <coach@example.com>" and mail["To"] == "anna@example.org"
    assert mail["List-Unsubscribe"] == f"<{message.unsubscribe_url}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["X-Application"] == "KneeCoach"
    assert mail["Message-ID"].endswith("@example.com>") and mail["Date"]


def test_a_runners_own_mailto_url_gets_our_text_part_too(smtp_sink: SmtpSink, alert: RenderedMessage) -> None:
    channel = Channel(f"mailto://127.0.0.1:{smtp_sink.port}?from=runner@example.net&to=runner@example.net"
                      "&cc=coach@example.net&name=Me&mode=insecure")
    AppriseNotifier(smtp=None).send(alert, channel)
    [received] = smtp_sink.received
    assert sorted(received.rcpt_tos) == ["coach@example.net", "runner@example.net"]
    mail = _read(received.path)
    assert _parts(mail) == (alert.text, alert.html)
    assert mail["From"] == "Me <runner@example.net>" and mail["Cc"] == "coach@example.net"


def test_an_smtp_url_apprise_refuses_is_undeliverable_and_not_quoted(alert: RenderedMessage) -> None:
    with pytest.raises(UndeliverableError) as raised:
        AppriseNotifier().send(alert, Channel("mailto://user:pa55word@127.0.0.1:25?from=a@b.c&to=x@y.z"))
    assert "pa55word" not in f"{raised.value} {raised.value!r}"


def test_an_apprise_mailto_url_given_by_the_runner_needs_no_operator_smtp(
    smtp_sink: SmtpSink, alert: RenderedMessage
) -> None:
    channel = Channel(
        f"mailto://operator:{PASSWORD.replace('/', '%2F').replace(':', '%3A').replace('@', '%40')}"
        f"@127.0.0.1:{smtp_sink.port}?from=runner@example.net&to=runner@example.net&mode=insecure"
    )
    AppriseNotifier(smtp=None).send(alert, channel)
    [received] = smtp_sink.received
    assert received.rcpt_tos == ("runner@example.net",)
    assert _read(received.path).get_body(("html",)) is not None


def test_a_push_channel_gets_the_short_form_as_json(push_sink: PushSink, alert: RenderedMessage) -> None:
    AppriseNotifier().send(alert, Channel(push_sink.apprise_url))
    [received] = push_sink.received
    assert received.payload["title"] == alert.push_title == "Warning: Long-run spike (+1 more)"
    assert received.payload["message"] == alert.push_body
    assert received.payload["type"] == "warning"
    assert received.path.is_file()


def test_the_weekly_summary_goes_to_push_too(push_sink: PushSink) -> None:
    summary = render_weekly_summary(summary_for())
    AppriseNotifier().send(summary, Channel(push_sink.apprise_url))
    assert push_sink.received[0].payload["title"] == "Your week: 42.1 km in 5 runs"
    assert push_sink.received[0].payload["type"] == "info"


def test_the_coach_digest_is_email_only(push_sink: PushSink) -> None:
    digest = render_coach_digest(digest_for(SAMPLES[0].finding))
    with pytest.raises(UndeliverableError) as raised:
        AppriseNotifier().send(digest, Channel(push_sink.apprise_url))
    assert raised.value.retryable is False
    assert push_sink.received == []


def test_smtp_down_is_a_retryable_error_that_reveals_no_secret(
    tmp_path: Path, alert: RenderedMessage, caplog: pytest.LogCaptureFixture
) -> None:
    with SmtpSink(tmp_path) as sink:
        port = sink.port
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DeliveryError) as raised:
        AppriseNotifier(_smtp(port)).send(alert, Channel("anna@example.org"))
    assert raised.value.retryable is True
    error = f"{raised.value} {raised.value!r}"
    for secret in (PASSWORD, "s3cret", "mailto", "operator"):
        assert secret not in error
    assert "email delivery failed" in error
    # Apprise's own debug log shows the URL with the password masked, never the password.
    assert "s3cret" not in caplog.text and "operator:****@" in caplog.text


def test_a_wrong_smtp_password_fails_without_showing_it(smtp_sink: SmtpSink, alert: RenderedMessage) -> None:
    with pytest.raises(DeliveryError) as raised:
        AppriseNotifier(_smtp(smtp_sink.port, password="wrong-horse")).send(alert, Channel("anna@example.org"))
    assert "wrong-horse" not in f"{raised.value} {raised.value!r}"
    assert smtp_sink.received == []


def test_a_push_receiver_that_is_down_is_a_retryable_error(tmp_path: Path, alert: RenderedMessage) -> None:
    with PushSink(tmp_path) as sink:
        url = f"json://user:tok3n@127.0.0.1:{sink.port}/push"
    with pytest.raises(DeliveryError) as raised:
        AppriseNotifier().send(alert, Channel(url))
    assert raised.value.retryable is True
    assert "tok3n" not in f"{raised.value} {raised.value!r}"


def test_an_unusable_channel_is_not_retryable_and_not_quoted(alert: RenderedMessage) -> None:
    with pytest.raises(UndeliverableError) as raised:
        AppriseNotifier().send(alert, Channel("nosuchservice://tok3n@example.org"))
    assert "tok3n" not in str(raised.value)
    with pytest.raises(UndeliverableError, match="SMTP settings"):
        AppriseNotifier(smtp=None).send(alert, Channel("anna@example.org"))


def test_channels_and_smtp_settings_do_not_print_their_secrets() -> None:
    channel = Channel("ntfy://user:tok3n@ntfy.example.org/knee")
    assert "tok3n" not in repr(channel) and repr(channel) == "Channel(kind='push', scheme='ntfy')"
    assert Channel(" anna@example.org ").is_email_address
    assert Channel("mailtos://u:p@example.org").is_email
    assert PASSWORD not in repr(_smtp(25))
    with pytest.raises(ValueError):
        Channel("not a channel")


def test_the_email_schemes_are_real_apprise_services() -> None:
    known = {
        schema
        for service in apprise.Apprise().details()["schemas"]
        for key in ("protocols", "secure_protocols")
        for schema in (service.get(key) or ())
    }
    assert EMAIL_SCHEMES <= known


def test_smtp_settings_apprise_would_refuse_fail_at_start_up() -> None:
    # Apprise 2.0.1 refuses this address (PREFECT_APPRISE.md, section 6).
    with pytest.raises(ValueError, match="from address"):
        AppriseNotifier(SmtpSettings("127.0.0.1", 25, "a@b.c", mode="insecure"))
    with pytest.raises(ValueError, match="username and a password"):
        SmtpSettings("127.0.0.1", 25, "coach@example.com", username="operator")


def test_the_smtp_url_maps_each_mode_to_aprises_scheme() -> None:
    starttls = SmtpSettings("smtp.example.org", 587, "coach@example.com", mode="starttls").apprise_url("a@example.org")
    assert starttls.startswith("mailtos://smtp.example.org:587?") and "mode=starttls" in starttls
    ssl = SmtpSettings("smtp.example.org", 465, "coach@example.com", mode="ssl").apprise_url("a@example.org")
    assert ssl.startswith("mailtos://") and "mode=ssl" in ssl
    plain = _smtp(2525).apprise_url("a@example.org", {"List-Unsubscribe": "<https://x.example/u?a=1&b=2>"})
    assert plain.startswith("mailto://operator:s3cret%2Fpa%3Ass%40word@127.0.0.1:2525?")
    assert "name=Knee%20Coach" in plain and "%2BList-Unsubscribe=%3Chttps%3A%2F%2Fx.example%2Fu%3Fa%3D1%26b%3D2%3E" in plain


def test_the_recording_notifier_keeps_what_it_sent_and_can_fail(alert: RenderedMessage) -> None:
    notifier = RecordingNotifier()
    notifier.send(alert, Channel("anna@example.org"))
    assert notifier.sent == [(alert, Channel("anna@example.org"))]
    failing = RecordingNotifier(fail_with=DeliveryError("down"))
    with pytest.raises(DeliveryError):
        failing.send(alert, Channel("anna@example.org"))
    assert failing.sent == []
