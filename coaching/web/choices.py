"""The runner's choices on the preferences page: channels, units, time zone, messages, coaches.

The stored push URL is a secret (it often embeds a token): it is never shown back, only replaced
or removed. A push URL may not aim at this server's own network unless the app itself runs on a
loopback address (a local trial, where the push receiver is local too).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import apprise
from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching.crypto import SecretBox
from coaching.messages.notifier import Channel
from coaching.store.athletes import CoachRepository
from coaching.store.models import Athlete, Coach, CoachAthlete

UNITS = ("metric", "imperial")


class InvalidChoice(ValueError):
    """Shown to the runner as is: it names the field, never echoes a secret."""


@dataclass(frozen=True)
class Choices:
    email: str | None
    send_email: bool
    push_url: str | None  # None: keep the stored one
    remove_push: bool
    send_push: bool
    units: str
    timezone: str
    alerts_enabled: bool
    summaries_enabled: bool
    coach_ids: frozenset[int]


@lru_cache(maxsize=1)
def time_zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))) + ["UTC"]


def parse_choices(form: dict[str, list[str]], *, allow_private_push: bool) -> Choices:
    def value(name: str) -> str:
        return (form.get(name) or [""])[0].strip()

    email = value("email") or None
    if email is not None:
        if len(email) > 320 or not _is_email(email):
            raise InvalidChoice("The email address does not look right.")
    push_url = value("push_url") or None
    if push_url is not None:
        check_push_url(push_url, allow_private=allow_private_push)
    units = value("units")
    if units not in UNITS:
        raise InvalidChoice("Pick metric or imperial units.")
    zone = value("timezone")
    if zone not in time_zones():
        raise InvalidChoice("Pick a time zone from the list.")
    try:
        coach_ids = frozenset(int(v) for v in form.get("coach", []))
    except ValueError:
        raise InvalidChoice("The coach list was not understood.") from None
    return Choices(
        email=email,
        send_email=value("send_email") == "on",
        push_url=push_url,
        remove_push=value("remove_push") == "on",
        send_push=value("send_push") == "on",
        units=units,
        timezone=zone,
        alerts_enabled=value("alerts") == "on",
        summaries_enabled=value("summaries") == "on",
        coach_ids=coach_ids,
    )


def _is_email(text: str) -> bool:
    try:
        return Channel(text).is_email_address
    except ValueError:
        return False


def check_push_url(url: str, *, allow_private: bool) -> None:
    if len(url) > 2000:
        raise InvalidChoice("The push URL is too long.")
    try:
        channel = Channel(url)
    except ValueError:
        raise InvalidChoice("The push URL must be an Apprise URL such as ntfy://… or json://…") from None
    if channel.is_email_address:
        raise InvalidChoice("Put an email address in the email field; the push field takes an Apprise URL.")
    if not apprise.Apprise().add(url):
        raise InvalidChoice("Apprise does not recognise this push URL.")
    host = urlsplit(url).hostname or ""
    if not allow_private and _is_local_host(host):
        raise InvalidChoice("The push URL points at a private or local address.")


def _is_local_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


def apply_choices(session: Session, box: SecretBox, athlete: Athlete, choices: Choices, now: datetime) -> None:
    if choices.send_push and choices.push_url is None and (athlete.push_url_encrypted is None or choices.remove_push):
        raise InvalidChoice("Give a push URL to receive push messages.")
    if choices.send_email and choices.email is None:
        raise InvalidChoice("Give an email address to receive emails.")
    athlete.email = choices.email
    athlete.send_email = choices.send_email
    if choices.push_url is not None:
        athlete.push_url_encrypted = box.encrypt(choices.push_url)
    elif choices.remove_push:
        athlete.push_url_encrypted = None
    athlete.send_push = choices.send_push and athlete.push_url_encrypted is not None
    athlete.units = choices.units
    athlete.timezone = choices.timezone
    athlete.alerts_enabled = choices.alerts_enabled
    athlete.summaries_enabled = choices.summaries_enabled
    coaches = CoachRepository(session)
    # Only coaches this runner invited (or once shared with) are theirs to tick or untick.
    known = {link.coach_id for link in session.scalars(select(CoachAthlete).where(CoachAthlete.athlete_id == athlete.id))}
    for coach_id in known:
        if coach_id in choices.coach_ids:
            coaches.grant_consent(coach_id, athlete.id, now)
        else:
            coaches.withdraw_consent(coach_id, athlete.id, now)


def coach_options(session: Session, athlete_id: int) -> list[dict[str, object]]:
    """The coaches this runner invited or shared with, and whether they still may see their
    findings (names only). Other runners' coaches are none of their business."""
    rows = session.execute(
        select(Coach, CoachAthlete)
        .join(CoachAthlete, CoachAthlete.coach_id == Coach.id)
        .where(CoachAthlete.athlete_id == athlete_id)
        .order_by(Coach.name)
    )
    return [{"id": coach.id, "name": coach.name, "chosen": link.consent_active} for coach, link in rows]
