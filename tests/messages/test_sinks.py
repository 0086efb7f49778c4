from __future__ import annotations

import json
import re
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import pytest

from coaching.sinks import PushSink, SmtpSink


def _mail(to: str = "anna@example.org") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "coach@example.com", to, "Hello"
    message.set_content("Body")
    return message


def test_the_smtp_sink_listens_on_a_free_port_and_writes_each_mail_to_disk(tmp_path: Path) -> None:
    with SmtpSink(tmp_path) as sink:
        assert sink.port > 0 and sink.url == f"smtp://127.0.0.1:{sink.port}"
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            client.send_message(_mail())
            client.send_message(_mail("ben@example.org"))
    received = sink.received
    assert [r.rcpt_tos for r in received] == [("anna@example.org",), ("ben@example.org",)]
    assert [r.path.parent for r in received] == [tmp_path / "mail"] * 2
    assert all(re.fullmatch(r"\d{8}T\d{12}Z-\d{6}\.eml", r.path.name) for r in received)
    assert b"Subject: Hello" in received[0].path.read_bytes()
    with pytest.raises(RuntimeError):
        sink.port  # stopped


def test_the_smtp_sink_with_credentials_refuses_a_wrong_login(tmp_path: Path) -> None:
    with SmtpSink(tmp_path, credentials=("operator", "right")) as sink:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("operator", "wrong")
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            client.login("operator", "right")
            client.send_message(_mail())
    assert len(sink.received) == 1


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_push_sink_writes_each_json_post_and_refuses_anything_else(tmp_path: Path) -> None:
    with PushSink(tmp_path) as sink:
        assert sink.apprise_url == f"json://127.0.0.1:{sink.port}/push"
        assert _post(sink.url, json.dumps({"title": "t", "message": "m"}).encode()) == 200
        assert _post(sink.url, b"not json") == 400
        assert _post(sink.url, b"[1, 2]") == 400
    assert [r.payload for r in sink.received] == [{"title": "t", "message": "m"}]
    assert sink.received[0].request_path == "/push"
    assert json.loads((tmp_path / "push" / "000001.json").read_text()) == {"title": "t", "message": "m"}
    assert sorted(p.name for p in (tmp_path / "push").iterdir()) == ["000001.json"]
