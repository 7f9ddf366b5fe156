"""Alembic's scripts for the SQL stores; `adapters.store.sql.schema` runs them."""
