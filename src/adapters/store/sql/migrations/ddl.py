"""What the revisions that add a column share: the store's schema, and whether the column
is there already (a shop may add it by hand first, docs/DEPLOYMENT.md)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def store_schema() -> str | None:
    """The store's schema: a column's DDL, unlike a table's, is not translated to it."""
    return op.get_context().version_table_schema


def has_column(table: str, column: str) -> bool:
    columns = sa.inspect(op.get_bind()).get_columns(table, schema=store_schema())
    return any(found["name"] == column for found in columns)
