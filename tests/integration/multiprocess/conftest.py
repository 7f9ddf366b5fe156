"""One standalone Cashfree simulator for every multi-process test, and the stores they
share between `checkout serve` processes (the durable ones: memory:// is one process's)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ..processes import Process, start_simulator
from ..stores import store_url

SHARED_KINDS = [
    "json",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.services),
    pytest.param("mariadb", marks=pytest.mark.services),
]


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    process = start_simulator(tmp_path_factory.mktemp("simulator"))
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture(params=SHARED_KINDS)
async def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The STORE_URL of a fresh store of each durable kind."""
    url, drop = await store_url(request.param, tmp_path)
    try:
        yield url
    finally:
        await drop()
