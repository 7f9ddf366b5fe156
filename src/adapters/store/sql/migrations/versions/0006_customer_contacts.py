"""The contacts each customer's orders were paid with (`customer_contacts`), filled from
the orders already stored: the operator's search finds a customer by an e-mail or phone
their profile no longer holds, and the customer's page lists them (see
`adapters.store.sql.search_reports`).

Additive: a version before this one keeps working on the upgraded schema, but the orders it
creates after the fill are not in the new table: their customers are found by the contacts
their profiles hold, not by those orders' once they change. Filling it reads every order
(`bench/search.py` times it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.store.sql.migrations.ddl import store_schema

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_contacts",
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("contact", "customer_id"),
        mysql_charset="utf8mb4",
        mysql_engine="InnoDB",
    )
    op.create_index("ix_customer_contacts_customer", "customer_contacts", ["customer_id"])
    orders = sa.table(
        "orders",
        sa.column("customer_id"),
        sa.column("customer_email"),
        sa.column("customer_phone"),
        schema=store_schema(),
    )
    contacts = sa.table(
        "customer_contacts", sa.column("contact"), sa.column("customer_id"), schema=store_schema()
    )
    paid_with = sa.union(
        sa.select(orders.c.customer_email, orders.c.customer_id),
        sa.select(orders.c.customer_phone, orders.c.customer_id),
    )
    op.execute(contacts.insert().from_select(["contact", "customer_id"], paid_with))


def downgrade() -> None:
    op.drop_table("customer_contacts")
