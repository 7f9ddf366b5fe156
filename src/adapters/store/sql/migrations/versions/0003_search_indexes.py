"""Indexes for the operator's search: a payment attempt by its payment id, a customer by
e-mail and by phone (see `adapters.store.sql.search_reports`).

Only indexes: a version before this one keeps working on the upgraded schema. Building
them holds writes to `payment_attempts` and `customers` until it is done (`bench/search.py`
times it; docs/DEPLOYMENT.md, "Schema migrations", has the figures). An index already there
is left as it is, so a shop with many payments can build them first without holding writes
(PostgreSQL's `CREATE INDEX CONCURRENTLY`, the same names) and then upgrade.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_payment_attempts_payment", "payment_attempts", ["payment_id"], if_not_exists=True
    )
    op.create_index("ix_customers_email", "customers", ["email"], if_not_exists=True)
    op.create_index("ix_customers_phone", "customers", ["phone"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_customers_phone", table_name="customers")
    op.drop_index("ix_customers_email", table_name="customers")
    op.drop_index("ix_payment_attempts_payment", table_name="payment_attempts")
