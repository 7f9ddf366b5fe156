"""The leases table: which instance runs the background work, and until when.

SQLite and MariaDB keep their leader lease here (see `adapters.store.sql.leases`);
PostgreSQL uses an advisory lock, but has the table too so every database has one schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.store.sql.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        mysql_charset="utf8mb4",
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    op.drop_table("leases")
