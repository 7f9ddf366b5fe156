"""structlog set-up: JSON lines in production, readable console in development.

Every line carries the request_id and order_id bound in contextvars by the web layer;
a processor redacts anything that looks like a secret before it is rendered. A console
line is written as text the terminal's UTF-8 can always take: a value carrying an
unpaired surrogate (a hostile JSON string) is escaped, not a UnicodeEncodeError that
would take the error handler down with it. JSON lines escape it already.

Database errors are logged by class and frames only: their messages carry the SQL
parameters and the rows a constraint refused (PostgreSQL's "Failing row contains (...)"),
that is customers' names, e-mails and phones. The same rule covers the server's own
"Exception in ASGI application" record (`DatabaseMessageFilter` on uvicorn's logger).
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Iterator, MutableMapping
from typing import Any

import structlog

_SECRET_KEYS = ("secret", "token", "password", "authorization", "signature", "x-client-secret")
# Packages whose exceptions may quote SQL parameters or stored rows in their messages.
_DATABASE_PACKAGES = frozenset({"sqlalchemy", "sqlite3", "asyncpg", "aiomysql", "pymysql"})
WITHHELD = "message withheld: database errors may carry customers' data"


@functools.lru_cache(maxsize=1024)
def _is_secret(key: str) -> bool:
    """Decided once per key name: the names are the code's own, a few dozen."""
    lowered = key.lower()
    return any(marker in lowered for marker in _SECRET_KEYS)


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in [key for key in event if _is_secret(key)]:
        event[key] = "[redacted]"
    return event


def _encodable(renderer: structlog.dev.ConsoleRenderer) -> structlog.types.Processor:
    def render(logger: Any, name: str, event: MutableMapping[str, Any]) -> str:
        line = renderer(logger, name, event)
        return line.encode("utf-8", "backslashreplace").decode("utf-8")

    return render


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_database_error(error: BaseException) -> bool:
    """Whether `error`, or anything it was raised from, comes from a database library."""
    return any(
        type(link).__module__.split(".", 1)[0] in _DATABASE_PACKAGES for link in _chain(error)
    )


def without_message(error: BaseException) -> str:
    """The traceback's frames (code locations, no values) and the class names of the chain."""
    names = " <- ".join(f"{type(e).__module__}.{type(e).__qualname__}" for e in _chain(error))
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"Traceback (most recent call last):\n{frames}{names} ({WITHHELD})"


def _exception_of(exc_info: object) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple):
        return exc_info[1] if isinstance(exc_info[1], BaseException) else None
    return sys.exc_info()[1] if exc_info else None


def _withhold_database_messages(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    error = _exception_of(event.get("exc_info"))
    if error is not None and is_database_error(error):
        del event["exc_info"]
        event.setdefault("error", type(error).__name__)
        event["exception"] = without_message(error)
    return event


class DatabaseMessageFilter(logging.Filter):
    """For standard-library records (uvicorn's): a database error keeps its frames only."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and is_database_error(error):
            record.exc_info = None
            record.exc_text = None
            record.msg = f"{record.getMessage()}\n{without_message(error)}"
            record.args = None
        return True


def processors(log_format: str) -> list[structlog.types.Processor]:
    """The chain every log line goes through, ending in the renderer of `log_format`."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else _encodable(structlog.dev.ConsoleRenderer(colors=False))
    )
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
        _withhold_database_messages,
        structlog.processors.format_exc_info,
        renderer,
    ]


def configure_logging(log_format: str, level: str = "INFO") -> None:
    structlog.configure(
        processors=processors(log_format),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        # each module's logger is bound once, not on every call (a lazy proxy otherwise)
        cache_logger_on_first_use=True,
    )
    server_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, DatabaseMessageFilter) for f in server_errors.filters):
        server_errors.addFilter(DatabaseMessageFilter())
