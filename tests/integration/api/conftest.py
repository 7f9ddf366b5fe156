from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .harness import Service, running_service

LOCAL_STORES = ["memory", "json", "sqlite"]


def store_url(kind: str, tmp_path: Path) -> str:
    return {
        "memory": "memory://",
        "json": f"json://{tmp_path / 'credits.json'}",
        "sqlite": f"sqlite:///{tmp_path / 'checkout.db'}",
    }[kind]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    async with running_service(store_url("sqlite", tmp_path)) as running:
        yield running


@pytest.fixture(params=LOCAL_STORES)
async def any_store_service(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Service]:
    async with running_service(store_url(request.param, tmp_path)) as running:
        yield running
