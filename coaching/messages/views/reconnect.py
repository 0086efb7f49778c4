"""The one message a runner gets when Strava stops answering for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coaching.messages.views.common import Recipient, sent_at


@dataclass(frozen=True)
class ReconnectView:
    first_name: str
    missing_scope: bool  # True: they must tick activity access; False: access was revoked or died
    connect_url: str
    preferences_url: str
    full_url: str | None
    sent_at: str | None


def reconnect_view(
    recipient: Recipient, connect_url: str, *, missing_scope: bool, now_utc: datetime | None = None
) -> ReconnectView:
    return ReconnectView(
        first_name=recipient.first_name,
        missing_scope=missing_scope,
        connect_url=connect_url,
        preferences_url=recipient.preferences_url,
        full_url=connect_url,
        sent_at=sent_at(now_utc, recipient.tz),
    )
