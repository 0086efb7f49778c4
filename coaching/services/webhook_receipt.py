"""Strava push events as they arrive (API.md §4): checked for shape and subscription, and queued.

Strava waits only 2 s for the callback's answer, so receiving an event is only this: parse it
(never trusting its content), drop it if it names another subscription, and insert a row keyed so
that Strava's retries of the same event are recognised. `webhooks.py` applies the rows later.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coaching.store.models import PushSubscription, WebhookEvent

OBJECT_TYPES = ("activity", "athlete")
ASPECT_TYPES = ("create", "update", "delete")


class BadEvent(ValueError):
    """The body is not a Strava event (the message names the field, never echoes the data)."""


@dataclass(frozen=True)
class IncomingEvent:
    subscription_id: int
    object_type: str
    object_id: int
    aspect_type: str
    owner_id: int
    event_time: int
    updates: dict[str, str]

    @classmethod
    def parse(cls, body: Any) -> IncomingEvent:
        if not isinstance(body, dict):
            raise BadEvent("an event is a JSON object")
        numbers = {
            name: _whole(body.get(name), name) for name in ("subscription_id", "object_id", "owner_id", "event_time")
        }
        object_type, aspect_type = body.get("object_type"), body.get("aspect_type")
        if object_type not in OBJECT_TYPES:
            raise BadEvent("object_type must be activity or athlete")
        if aspect_type not in ASPECT_TYPES:
            raise BadEvent("aspect_type must be create, update or delete")
        updates = body.get("updates") or {}
        if not isinstance(updates, dict) or len(updates) > 20:
            raise BadEvent("updates must be a small JSON object")
        # Strava sends the values as strings ("true"/"false"); keep them so, bounded.
        clean = {str(k)[:40]: str(v)[:300] for k, v in updates.items()}
        return cls(updates=clean, object_type=object_type, aspect_type=aspect_type, **numbers)

    @property
    def dedupe_key(self) -> str:
        """Strava retries an event it thinks we missed: the same event hashes to the same key."""
        text = json.dumps(
            [self.subscription_id, self.object_type, self.object_id, self.aspect_type, self.owner_id,
             self.event_time, sorted(self.updates.items())]
        )
        return hashlib.sha256(text.encode()).hexdigest()


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise BadEvent(f"{name} must be a positive integer")
    return value


def our_subscription_id(session: Session) -> int | None:
    return session.scalar(select(PushSubscription.id).order_by(PushSubscription.created_at.desc()).limit(1))


def queue_event(session: Session, event: IncomingEvent, now: datetime) -> str:
    """"queued", "duplicate" (a retry of an event we have) or "foreign" (not our subscription)."""
    if event.subscription_id != our_subscription_id(session):
        return "foreign"
    row = WebhookEvent(
        dedupe_key=event.dedupe_key, subscription_id=event.subscription_id, object_type=event.object_type,
        object_id=event.object_id, aspect_type=event.aspect_type, owner_id=event.owner_id,
        updates=event.updates, event_time=event.event_time, received_at=now, status="queued",
        attempts=0, next_attempt_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return "duplicate"
    return "queued"
