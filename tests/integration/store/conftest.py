"""A `store` fixture parametrized over every store, each test on fresh, private storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from application.ports import Store

from ..stores import STORE_KINDS, make_store


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
async def store(store_kind: str, tmp_path: Path) -> AsyncIterator[Store]:
    opened, drop = await make_store(store_kind, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()
        await drop()
