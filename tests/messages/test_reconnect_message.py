from __future__ import annotations

from datetime import datetime, timezone

from coaching.messages.render import render_reconnect
from coaching.messages.views import Recipient
from coaching.messages.views.reconnect import reconnect_view

RECIPIENT = Recipient(athlete_id=1, first_name="Ana <b>", units="metric", tz="Europe/Berlin",
                      preferences_url="https://coach.example/preferences?t=abc")


def test_a_revoked_runner_is_told_how_to_reconnect_in_every_form():
    message = render_reconnect(reconnect_view(RECIPIENT, "https://coach.example/connect", missing_scope=False,
                                              now_utc=datetime(2026, 11, 24, 3, tzinfo=timezone.utc)))
    assert "reconnect" in message.subject.lower()
    assert 'href="https://coach.example/connect"' in message.html
    assert "Ana &lt;b&gt;" in message.html  # escaped
    assert "https://coach.example/connect" in message.text and "revoked" in message.text
    assert message.push_body.endswith("https://coach.example/connect") and len(message.push_body) <= 240
    assert message.unsubscribe_url == RECIPIENT.preferences_url and message.urgency == "warning"


def test_a_missing_scope_says_which_box_to_keep_ticked():
    message = render_reconnect(reconnect_view(RECIPIENT, "https://coach.example/connect", missing_scope=True))
    assert "permission to read your activities is missing" in message.text
    assert "private activities" in message.text
