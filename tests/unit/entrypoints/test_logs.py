"""The log set-up survives what hostile input carries into a log line."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import structlog
from starlette.requests import Request

from entrypoints.logs import configure_logging
from entrypoints.web import errors

SURROGATE = "ORDER_\ud800"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.TextIOWrapper]:
    """structlog printing to a terminal's stdout: UTF-8 that refuses what it cannot
    encode. The error handler's logger is a fresh proxy, so none stays bound to it."""
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    saved = structlog.get_config()
    monkeypatch.setattr(errors, "log", structlog.get_logger("errors-under-test"))
    try:
        yield stdout
    finally:
        structlog.configure(**saved)
        structlog.contextvars.clear_contextvars()


def _configure(log_format: str, stdout: io.TextIOWrapper) -> None:
    configure_logging(log_format)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(stdout))


def _request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": []})


@pytest.mark.parametrize("log_format", ["console", "json"])
async def test_the_error_handler_answers_json_when_the_context_has_a_surrogate(
    terminal: io.TextIOWrapper, log_format: str
) -> None:
    _configure(log_format, terminal)
    structlog.contextvars.bind_contextvars(order_id=SURROGATE)
    response = await errors.handle_unexpected(_request(), RuntimeError("boom"))
    assert response.status_code == 500
    assert json.loads(bytes(response.body)) == {
        "success": False,
        "error": "Internal server error",
    }
    assert isinstance(terminal.buffer, io.BytesIO)
    assert b"ORDER_\\ud800" in terminal.buffer.getvalue()
