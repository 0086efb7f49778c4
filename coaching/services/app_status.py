"""Whether Strava serves our application (API.md §6), as the runs learn it.

A run's `ApplicationGate` knows what Strava answered in that run; `remember_app_state` writes it
down: the first refusal of an episode opens it (`inactive_since`) and queues one email to the
operator (keyed by the episode, so a second night, or a second worker, queues nothing), and the
first answer after it closes it. `coach status` and the connect page read `app_status`.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from coaching.messages.message import RenderedMessage
from coaching.runtime import Runtime
from coaching.store.models import StravaAppStatus
from coaching.store.outbox import NewMessage, OutboxRepository
from coaching.strava.errors import REACTIVATE_APP

log = logging.getLogger(__name__)

OPERATOR = "operator"  # outbox recipient_type; the address is COACH_OPERATOR_EMAIL at send time
APP_INACTIVE_KIND = "app_inactive"


@dataclass(frozen=True)
class AppState:
    inactive_since: datetime | None
    last_refused_at: datetime | None
    reactivated_at: datetime | None

    @property
    def inactive(self) -> bool:
        return self.inactive_since is not None


ACTIVE = AppState(None, None, None)


def app_status(session: Session, application_id: int | None) -> AppState:
    row = session.get(StravaAppStatus, application_id) if application_id is not None else None
    if row is None:
        return ACTIVE
    return AppState(row.inactive_since, row.last_refused_at, row.reactivated_at)


def remember_app_state(runtime: Runtime, now: datetime) -> None:
    """Record what this run's gate learnt. Nothing learnt (no call answered yet): nothing changes."""
    gate, application_id = runtime.strava_gate, runtime.settings.strava_client_id
    if application_id is None or not (gate.inactive or gate.answered):
        return
    with runtime.sessions.begin() as session:
        row = session.get(StravaAppStatus, application_id, with_for_update=True)
        if row is None:
            if not gate.inactive:
                return  # active, as it always was: no row needed
            row = StravaAppStatus(application_id=application_id)
            session.add(row)
        if gate.inactive:
            row.last_refused_at = now
            if row.inactive_since is None:
                row.inactive_since = now
                log.warning("Strava says the app is inactive: %s", REACTIVATE_APP)
            _tell_operator(runtime, session, row.inactive_since, now)
        elif row.inactive_since is not None:
            log.info("Strava answers the app again: inactive since %s", row.inactive_since.isoformat())
            row.inactive_since, row.reactivated_at = None, now


def operator_notice(inactive_since: datetime, public_url: str) -> RenderedMessage:
    lines = [
        f"Since {inactive_since:%Y-%m-%d %H:%M} UTC Strava answers every request of the Knee Coach app at "
        f"{public_url} with 403 Forbidden (Application Status Inactive).",
        f"What to do: {REACTIVATE_APP}.",
        "Until then no runner is synced, nobody can connect, and nobody is marked disconnected. "
        "Each run asks Strava once and carries on with everything as soon as Strava answers again.",
        "This is the only email about it until the app has been active again.",
    ]
    return RenderedMessage(
        kind=APP_INACTIVE_KIND, subject="Knee Coach: Strava has made the app inactive",
        text="\n\n".join(lines) + "\n",
        html="".join(f"<p>{html.escape(line)}</p>" for line in lines),
    )


def _tell_operator(runtime: Runtime, session: Session, inactive_since: datetime, now: datetime) -> None:
    if not runtime.settings.operator_email:
        log.warning("COACH_OPERATOR_EMAIL is not set: nobody is emailed about the inactive app")
        return
    message = operator_notice(inactive_since, runtime.settings.public_url)
    OutboxRepository(session).enqueue(NewMessage(
        OPERATOR, 0, APP_INACTIVE_KIND, inactive_since.isoformat(timespec="seconds"), "email",
        message.subject, message.text, message.html, urgency="warning",
    ), now)
