"""A refund's bank reference (`arn`, the number a customer's bank traces a refund by), and
an index to find an order by it (see `adapters.store.sql.search_reports`).

Additive, like 0004: the column has a default, so a version before this one keeps inserting
refunds on the upgraded schema; the index holds writes to `refunds` while it is built. A
column or index already there is kept (docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.store.sql.migrations.ddl import has_column, store_schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_column("refunds", "arn"):
        op.add_column(
            "refunds",
            sa.Column("arn", sa.String(length=100), nullable=False, server_default=""),
            schema=store_schema(),
        )
    op.create_index("ix_refunds_arn", "refunds", ["arn"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_refunds_arn", table_name="refunds")
    op.drop_column("refunds", "arn", schema=store_schema())
