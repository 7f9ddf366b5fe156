"""The SQL store: SQLModel tables over SQLAlchemy's asyncio engine (SQLite, PostgreSQL,
MariaDB/MySQL)."""
