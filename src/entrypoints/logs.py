"""structlog set-up: JSON lines in production, readable console in development.

Every line carries the request_id and order_id bound in contextvars by the web layer;
a processor redacts anything that looks like a secret before it is rendered. A console
line is written as text the terminal's UTF-8 can always take: a value carrying an
unpaired surrogate (a hostile JSON string) is escaped, not a UnicodeEncodeError that
would take the error handler down with it. JSON lines escape it already.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import MutableMapping
from typing import Any

import structlog

_SECRET_KEYS = ("secret", "token", "password", "authorization", "signature", "x-client-secret")


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


def configure_logging(log_format: str, level: str = "INFO") -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else _encodable(structlog.dev.ConsoleRenderer(colors=False))
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        # each module's logger is bound once, not on every call (a lazy proxy otherwise)
        cache_logger_on_first_use=True,
    )
