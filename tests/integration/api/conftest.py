from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
