"""Alembic's entry point. There is no alembic.ini: `adapters.store.sql.schema` builds the
configuration and hands over the connection (already locked, in its transaction) and the
store's schema in `config.attributes`."""

from __future__ import annotations

from alembic import context

from adapters.store.sql.schema import context_options

_attributes = context.config.attributes
context.configure(**context_options(_attributes["connection"], _attributes.get("schema")))
with context.begin_transaction():
    context.run_migrations()
