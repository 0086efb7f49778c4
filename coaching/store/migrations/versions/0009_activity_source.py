"""activities imported from files: activities.source (strava | fit | gpx | tcx)

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default, on SQLite too: no table rebuild, every stored
    # activity came from Strava.
    op.add_column("activities", sa.Column("source", sa.String(length=12), nullable=False, server_default="strava"))


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("source")
