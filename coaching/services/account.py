"""A runner's account as a whole: everything stored about them, to download or to erase.

Strava's API agreement (API.md §5): runners can get at the data collected about them, and when they
revoke access or delete their account, all of it goes. The rows are found by
`coaching/store/athlete_data.py`, which walks the schema.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coaching.runtime import Runtime
from coaching.services.capacity import place_freed
from coaching.services.tokens import NotConnected, fresh_access_token
from coaching.store.athlete_data import erase_athlete, rows_by_table
from coaching.store.models import Athlete
from coaching.strava.errors import StravaError

log = logging.getLogger(__name__)

ATTRIBUTION = "Powered by Strava"


def export_athlete(session: Session, athlete_id: int, now: datetime) -> dict[str, Any]:
    """Everything stored about the athlete as JSON-able data (secrets only as "is set")."""
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        raise LookupError("no such athlete")
    return {
        "exported_at": now.isoformat(),
        "athlete_id": athlete.id,
        "strava_athlete_id": athlete.strava_id,
        "attribution": f"{ATTRIBUTION}: activity data comes from your Strava account",
        "tables": rows_by_table(session, athlete),
    }


@dataclass(frozen=True)
class AccountDeleted:
    deauthorized: bool  # False: Strava could not be told; the runner can remove the app there
    rows_erased: dict[str, int]


def delete_account(runtime: Runtime, athlete_id: int, now: datetime) -> AccountDeleted:
    """Tell Strava to drop our access (so no more data arrives), then erase everything here.
    The erasure happens even when Strava cannot be reached: it is what the runner asked for."""
    deauthorized = False
    try:
        token = fresh_access_token(runtime.sessions, runtime.strava, runtime.box, athlete_id, now.timestamp())
        runtime.strava.disconnect(token)
        deauthorized = True
    except (StravaError, NotConnected) as error:
        log.warning("athlete %s: Strava deauthorization failed (%s); erasing anyway", athlete_id, error)
    with runtime.sessions.begin() as session:
        rows = erase_athlete(session, athlete_id)
    place_freed(runtime, now)  # their place goes to the first on the waiting list
    return AccountDeleted(deauthorized, rows)


def unsubscribe_everything(session: Session, athlete_id: int, now: datetime) -> bool:
    """One-click unsubscribe: no more messages of any kind. True when it changed something."""
    athlete = session.get(Athlete, athlete_id)
    if athlete is None or athlete.unsubscribed_at is not None:
        return False
    athlete.unsubscribed_at = now
    return True
