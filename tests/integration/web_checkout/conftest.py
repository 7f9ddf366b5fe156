"""A live app per test (fresh SQLite store) and helpers to speak to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.web_checkout.live_server import LiveServer, live_server

FAST_WATCH_SECONDS = 0.2


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path, watch_interval_seconds=FAST_WATCH_SECONDS) as running:
        yield running
