from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog

from entrypoints.logs import processors

from ..stores import STORE_KINDS, make_store
from .harness import Service, running_service


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    async with running_service(f"sqlite:///{tmp_path / 'checkout.db'}") as running:
        yield running


@pytest.fixture(params=STORE_KINDS)
async def any_store_service(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Service]:
    """The service on each store: memory, JSON, SQLite, PostgreSQL and MariaDB."""
    store, drop = await make_store(request.param, tmp_path)
    try:
        async with running_service(store=store) as running:
            yield running
    finally:
        await drop()


@pytest.fixture
def rendered_log() -> Iterator[io.StringIO]:
    """What production would write: the JSON pipeline, into a buffer."""
    previous = structlog.get_config()
    buffer = io.StringIO()
    structlog.configure(
        processors=processors("json"),
        logger_factory=structlog.WriteLoggerFactory(file=buffer),
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=False,
    )
    try:
        yield buffer
    finally:
        structlog.configure(**previous)
