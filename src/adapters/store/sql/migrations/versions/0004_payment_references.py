"""A payment attempt's bank reference (UTR), and indexes to find an order by it, by
Cashfree's order id and by a refund's Cashfree id (see `adapters.store.sql.search_reports`).

Additive: the column has a default, so a version before this one keeps inserting attempts
on the upgraded schema. Adding a column with a constant default changes only the catalogue
on PostgreSQL 11+ and MariaDB 10.3+; the indexes hold writes to `payment_attempts`, `orders`
and `refunds` while they are built. A column or index already there is kept, so a shop with
many payments can add them first without holding writes (docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.store.sql.migrations.ddl import has_column, store_schema

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not has_column("payment_attempts", "bank_reference"):
        op.add_column(
            "payment_attempts",
            sa.Column("bank_reference", sa.String(length=100), nullable=False, server_default=""),
            schema=store_schema(),
        )
    op.create_index(
        "ix_payment_attempts_bank_reference",
        "payment_attempts",
        ["bank_reference"],
        if_not_exists=True,
    )
    op.create_index("ix_orders_gateway_order", "orders", ["gateway_order_id"], if_not_exists=True)
    op.create_index(
        "ix_refunds_gateway_refund", "refunds", ["gateway_refund_id"], if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index("ix_refunds_gateway_refund", table_name="refunds")
    op.drop_index("ix_orders_gateway_order", table_name="orders")
    op.drop_index("ix_payment_attempts_bank_reference", table_name="payment_attempts")
    op.drop_column("payment_attempts", "bank_reference", schema=store_schema())
