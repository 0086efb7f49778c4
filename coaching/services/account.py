"""A runner's account as a whole: everything stored about them, to download or to erase.

Strava's API agreement (API.md §5): runners can get at the data collected about them, and when they
revoke access or delete their account, all of it goes. Both walk the schema instead of a fixed
list of tables, so a table added later with an `athlete_id` column is exported and erased too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from coaching.runtime import Runtime
from coaching.services.tokens import NotConnected, fresh_access_token
from coaching.store.models import Athlete, Base, OutboxMessage, WebhookEvent
from coaching.strava.errors import StravaError

log = logging.getLogger(__name__)

# Columns holding secrets (tokens, push URLs) never leave the database, not even to their owner.
_SECRET_SUFFIX = "_encrypted"
ATTRIBUTION = "Powered by Strava"


def _owned_by(table: Table, athlete: Athlete) -> Any | None:
    """The WHERE clause selecting the athlete's rows in `table`, or None if it holds none."""
    if table.name == Athlete.__tablename__:
        return table.c.id == athlete.id
    if table.name == OutboxMessage.__tablename__:
        return (table.c.recipient_type == "athlete") & (table.c.recipient_id == athlete.id)
    if table.name == WebhookEvent.__tablename__:
        return table.c.owner_id == athlete.strava_id
    if "athlete_id" in table.c:
        return table.c.athlete_id == athlete.id
    return None


def erase_athlete(session: Session, athlete_id: int) -> dict[str, int]:
    """Delete every row about the athlete, in the caller's transaction. Returns rows per table."""
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        return {}
    counts: dict[str, int] = {}
    # Children before parents, so that it works whether or not the database cascades.
    for table in reversed(Base.metadata.sorted_tables):
        where = _owned_by(table, athlete)
        if where is not None:
            counts[table.name] = session.execute(delete(table).where(where)).rowcount
    session.expire_all()
    return counts


def export_athlete(session: Session, athlete_id: int, now: datetime) -> dict[str, Any]:
    """Everything stored about the athlete as JSON-able data (secrets only as "is set")."""
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        raise LookupError("no such athlete")
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        where = _owned_by(table, athlete)
        if where is None:
            continue
        rows = session.execute(select(table).where(where)).mappings().all()
        tables[table.name] = [_jsonable_row(table, row) for row in rows]
    return {
        "exported_at": now.isoformat(),
        "athlete_id": athlete.id,
        "strava_athlete_id": athlete.strava_id,
        "attribution": f"{ATTRIBUTION}: activity data comes from your Strava account",
        "tables": tables,
    }


def _jsonable_row(table: Table, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.c:
        value = row[column.name]
        if column.name.endswith(_SECRET_SUFFIX):
            out[column.name.removesuffix(_SECRET_SUFFIX) + "_is_set"] = value is not None
        elif isinstance(value, (datetime, date)):
            out[column.name] = value.isoformat()
        else:
            out[column.name] = value
    return out


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
        runtime.strava.deauthorize(token)
        deauthorized = True
    except (StravaError, NotConnected) as error:
        log.warning("athlete %s: Strava deauthorization failed (%s); erasing anyway", athlete_id, error)
    with runtime.sessions.begin() as session:
        rows = erase_athlete(session, athlete_id)
    return AccountDeleted(deauthorized, rows)


def unsubscribe_everything(session: Session, athlete_id: int, now: datetime) -> bool:
    """One-click unsubscribe: no more messages of any kind. True when it changed something."""
    athlete = session.get(Athlete, athlete_id)
    if athlete is None or athlete.unsubscribed_at is not None:
        return False
    athlete.unsubscribed_at = now
    return True


def rows_about(session: Session, athlete: Athlete) -> dict[str, int]:
    """How many rows each table holds about the athlete (what an erasure must bring to zero)."""
    counts = {}
    for table in Base.metadata.sorted_tables:
        where = _owned_by(table, athlete)
        if where is not None:
            counts[table.name] = int(session.scalar(select(func.count()).select_from(table).where(where)) or 0)
    return counts
