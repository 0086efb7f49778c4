"""Connecting a runner: the OAuth code exchange, the athlete row, encrypted tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from coaching.crypto import SecretBox
from coaching.store.athletes import AthleteRepository
from coaching.store.models import Athlete
from coaching.store.tokens import TokenRepository
from coaching.strava.client import StravalibSource

REQUIRED_SCOPE = "activity:read_all"


class ScopeMissing(Exception):
    """The runner unticked activity access on Strava's consent page."""


class NoPlaceLeft(Exception):
    """A new runner past the app's capacity (API.md §6): nothing is stored; the caller hands the
    token back to Strava (`access_token`) so that Strava's count stays ours."""

    def __init__(self, access_token: str) -> None:
        super().__init__("every place the Strava app may serve is taken")
        self.access_token = access_token


@dataclass(frozen=True)
class Connected:
    athlete_id: int
    strava_id: int
    created: bool


def check_granted_scope(granted: str) -> None:
    scopes = {s.strip() for s in granted.split(",") if s.strip()}
    if REQUIRED_SCOPE not in scopes and "activity:read" not in scopes:
        raise ScopeMissing(
            "Strava access to your activities was not granted; please connect again and keep "
            "'View data about your private activities' ticked"
        )


def connect_athlete(
    session: Session, source: StravalibSource, box: SecretBox, *, code: str, granted_scope: str,
    email: str | None = None, timezone: str | None = None, now: datetime | None = None,
    admit: Callable[[Session, int], bool] | None = None,
) -> Connected:
    """Exchange the code and store the athlete and tokens in the caller's transaction. `admit`
    (the session, the Strava athlete id) says whether this athlete may take a place."""
    check_granted_scope(granted_scope)
    grant = source.exchange_code(code)
    raw = grant.athlete or {}
    strava_id = raw.get("id")
    if not isinstance(strava_id, int) or isinstance(strava_id, bool):
        raise ValueError("Strava's token answer carried no athlete id")
    if admit is not None and not admit(session, strava_id):
        raise NoPlaceLeft(grant.access_token)
    athletes = AthleteRepository(session)
    created = athletes.by_strava_id(strava_id) is None
    athlete: Athlete = athletes.upsert_from_strava(
        strava_id,
        first_name=str(raw.get("firstname") or ""),
        last_name=str(raw.get("lastname") or ""),
        timezone=timezone,
        units="imperial" if raw.get("measurement_preference") == "feet" else None,
        now=now,
    )
    if email:
        athlete.email = email
    TokenRepository(session, box).save(
        athlete.id,
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        expires_at=grant.expires_at,
        scopes=granted_scope,
    )
    athletes.sync_state(athlete.id)
    return Connected(athlete.id, strava_id, created)
