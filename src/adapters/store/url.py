"""STORE_URL -> Store.

- `memory://`: in process memory, lost on exit.
- `json:///abs/path/credits.json` (absolute) or `json://data/credits.json` (relative to the
  working directory): the JSON snapshot + journal store.
- `sqlite:///data/app.db` (relative) or `sqlite:////abs/app.db` (absolute), as SQLAlchemy.
- `postgresql://user:pass@host:5432/db` (also `postgres://`).
- `mysql://user:pass@host:3306/db` or `mariadb://...`.

SQL stores migrate their schema at start-up when `auto_migrate` (DB_AUTO_MIGRATE) says so;
unset, SQLite does, and PostgreSQL and MariaDB do not (their operators run
`checkout db upgrade` before starting a new version).
"""

from __future__ import annotations

from pathlib import Path

from adapters.store.json_journal import JsonJournalStore
from adapters.store.memory import MemoryStore
from adapters.store.sql.store import DEFAULT_POOL_SIZE, SqlStore, engine_url
from application.ports import Store

_SQL_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb")
_HELP = (
    "use memory://, json:///path/file.json, sqlite:///path/file.db, "
    "postgresql://user@host/db or mysql://user@host/db"
)


def store_from_url(
    url: str, *, auto_migrate: bool | None = None, pool_size: int = DEFAULT_POOL_SIZE
) -> Store:
    """The store STORE_URL names; ValueError (naming STORE_URL, never echoing a password)."""
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    if not separator:
        raise ValueError(f"STORE_URL is not a URL; {_HELP}")
    if scheme == "memory":
        if rest:
            raise ValueError("STORE_URL memory:// takes no path")
        return MemoryStore()
    if scheme == "json":
        if not rest or rest.endswith("/"):
            raise ValueError(f"STORE_URL json:// needs a file path; {_HELP}")
        return JsonJournalStore(rest)
    if scheme.split("+", 1)[0] in _SQL_SCHEMES:
        migrate = scheme.startswith("sqlite") if auto_migrate is None else auto_migrate
        try:
            return SqlStore(url, migrate=migrate, pool_size=pool_size)
        except ValueError as exc:
            raise ValueError(f"STORE_URL: {exc}; {_HELP}") from None
    raise ValueError(f"STORE_URL scheme {scheme!r} is not supported; {_HELP}")


def stored_files(url: str) -> list[Path]:
    """The files a json:// or sqlite:// STORE_URL keeps its data in (the JSON store's
    snapshot and journal, the SQLite database); none for the others. ValueError for a
    malformed SQLite URL."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme == "json" and rest:
        snapshot = Path(rest)
        return [snapshot, snapshot.with_name(snapshot.name + ".journal")]
    if scheme.split("+", 1)[0] == "sqlite":
        return [Path(str(engine_url(url).database))]
    return []
