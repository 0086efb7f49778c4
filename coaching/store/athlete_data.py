"""Every row the database holds about one athlete, found by walking the schema: a table added
later with an `athlete_id` column is counted, exported and erased without a change here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from coaching.store.models import Athlete, Base, OutboxMessage, WebhookEvent

# Columns holding secrets (tokens, push URLs) never leave the database, not even to their owner.
_SECRET_SUFFIX = "_encrypted"


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


def rows_by_table(session: Session, athlete: Athlete) -> dict[str, list[dict[str, Any]]]:
    """The athlete's rows, table by table, as JSON-able data (secrets only as "is set")."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        where = _owned_by(table, athlete)
        if where is None:
            continue
        rows = session.execute(select(table).where(where)).mappings().all()
        tables[table.name] = [_jsonable_row(table, row) for row in rows]
    return tables


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


def rows_about(session: Session, athlete: Athlete) -> dict[str, int]:
    """How many rows each table holds about the athlete (what an erasure must bring to zero)."""
    counts = {}
    for table in Base.metadata.sorted_tables:
        where = _owned_by(table, athlete)
        if where is not None:
            counts[table.name] = int(session.scalar(select(func.count()).select_from(table).where(where)) or 0)
    return counts
