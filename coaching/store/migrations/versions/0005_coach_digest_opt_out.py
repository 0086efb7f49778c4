"""coaches can stop the weekly digest: coaches.unsubscribed_at

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, no default: every existing coach keeps getting the digest until they stop it.
    # Batch mode (env.py turns it on for SQLite) rebuilds the table there; PostgreSQL alters it.
    with op.batch_alter_table("coaches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coaches", schema=None) as batch_op:
        batch_op.drop_column("unsubscribed_at")
