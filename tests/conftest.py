"""Session-wide test set-up shared by every test directory.

structlog is routed through the standard library's logging for the whole session, so log
lines (including those of live servers running in threads) land in pytest's log capture,
shown with a failing test, instead of being printed into the test output. Tests that
assert on log events use `structlog.testing.capture_logs`, which works over this set-up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog


def pytest_configure() -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.format_exc_info,
            structlog.processors.KeyValueRenderer(key_order=["event"]),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


@pytest.fixture(autouse=True)
def session_logging() -> Iterator[None]:
    """A test that runs `checkout serve` or `configure_logging` leaves the session's logging
    as it found it: the service's own set-up caches loggers on first use, and a logger
    cached under it would bypass every later test's log capture."""
    before = structlog.get_config()
    yield
    if structlog.get_config() != before:
        structlog.configure(**before)
