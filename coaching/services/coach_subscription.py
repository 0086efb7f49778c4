"""A coach's weekly digest on or off, from the signed no-login link in every digest.

The link names one coach and one purpose ("coach-preferences") and expires with the runners'
links (LINK_LIFETIME). A link made before its coach existed is refused: after a deletion SQLite may
give the same id to the next coach, who must not be unsubscribed by someone else's old digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from coaching import links
from coaching.services.notify import LINK_LIFETIME
from coaching.store.models import MAX_ROW_ID, Coach

PURPOSE = "coach-preferences"
_SUBJECT_PREFIX = "coach-"
CLOCK_SKEW_S = 300  # the machine that signed a link and the one reading it may disagree a little


@dataclass(frozen=True)
class LinkedCoach:
    id: int
    name: str
    digest_on: bool


def preferences_url(public_url: str, secret: str, coach_id: int, now: datetime) -> str:
    token = links.sign(secret, PURPOSE, f"{_SUBJECT_PREFIX}{coach_id}", int((now + LINK_LIFETIME).timestamp()))
    return f"{public_url.rstrip('/')}/coach/preferences?t={token}"


def coach_for_link(session: Session, secret: str, token: str | None, now: datetime) -> LinkedCoach:
    """The coach a digest's link names, or BadLink saying why not (expired, or not valid)."""
    if not token:
        raise links.BadLink("this link is malformed")
    subject = links.verify(secret, PURPOSE, token, now.timestamp())
    try:
        coach_id = int(subject.removeprefix(_SUBJECT_PREFIX)) if subject.startswith(_SUBJECT_PREFIX) else None
    except ValueError:
        coach_id = None
    if coach_id is not None and not 0 < coach_id <= MAX_ROW_ID:  # no row's key: a database error otherwise
        coach_id = None
    coach = session.get(Coach, coach_id) if coach_id is not None else None
    signed_at_s = links.expires_at_s(token) - LINK_LIFETIME.total_seconds()
    if coach is None or signed_at_s + CLOCK_SKEW_S < coach.created_at.timestamp():
        raise links.BadLink("this link is not valid")
    return LinkedCoach(coach.id, coach.name, coach.unsubscribed_at is None)


def set_digest(session: Session, coach_id: int, *, on: bool, now: datetime) -> bool:
    """Start or stop the coach's digest; True when that changed something. Stopping twice keeps
    the first time (the record of when they left)."""
    coach = session.get(Coach, coach_id)
    if coach is None or (coach.unsubscribed_at is None) == on:
        return False
    coach.unsubscribed_at = None if on else now
    return True
