"""stored Strava records keep no location: drop GPS keys from activities.raw

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# A frozen copy of coaching.strava.parse.LOCATION_KEYS as it was when this ran: new rows are
# stripped by the parser, this strips the rows stored before it.
LOCATION_KEYS = frozenset({
    "map", "polyline", "summary_polyline", "start_latlng", "end_latlng", "start_latitude", "start_longitude",
    "end_latitude", "end_longitude", "latlng", "location", "location_city", "location_state", "location_country",
    "segment_efforts", "photos", "embed_token",
})
BATCH = 500


def _without_location(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_location(item) for key, item in value.items() if key not in LOCATION_KEYS}
    if isinstance(value, list):
        return [_without_location(item) for item in value]
    return value


def upgrade() -> None:
    activities = sa.table("activities", sa.column("id", sa.BigInteger()), sa.column("raw", sa.JSON()))
    connection = op.get_bind()
    last_id = None
    while True:
        query = sa.select(activities.c.id, activities.c.raw).order_by(activities.c.id).limit(BATCH)
        if last_id is not None:
            query = query.where(activities.c.id > last_id)
        rows = connection.execute(query).all()
        if not rows:
            return
        for activity_id, raw in rows:
            stripped = _without_location(raw)
            if stripped != raw:
                connection.execute(sa.update(activities).where(activities.c.id == activity_id).values(raw=stripped))
        last_id = rows[-1][0]


def downgrade() -> None:
    pass  # what was dropped is gone; nothing in the schema changed
