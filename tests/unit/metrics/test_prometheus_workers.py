"""The metrics of `serve --workers N` (prometheus-client's multiprocess mode): a worker that
starts forgets the live gauges of workers that died without saying so, keeps their counts,
and takes its own live gauges out when it stops."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.metrics.prometheus import MULTIPROCESS_DIRECTORY, PrometheusMetrics


def names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def a_dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_dead_workers_live_gauges_go_their_counts_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead, alive = a_dead_pid(), os.getppid()
    files = [
        f"gauge_livesum_{dead}.db",
        f"counter_{dead}.db",
        f"gauge_mostrecent_{dead}.db",
        f"gauge_livesum_{alive}.db",
    ]
    for name in files:
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv(MULTIPROCESS_DIRECTORY, str(tmp_path))

    metrics = PrometheusMetrics()
    assert names(tmp_path) == sorted(files[1:])

    (tmp_path / f"gauge_livesum_{os.getpid()}.db").write_bytes(b"")
    await metrics.aclose()
    assert names(tmp_path) == sorted(files[1:])


async def test_a_single_process_renders_its_own_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MULTIPROCESS_DIRECTORY, raising=False)
    metrics = PrometheusMetrics()
    metrics.order_created()
    body, _ = metrics.render()
    assert b"checkout_orders_created_total 1.0" in body
    await metrics.aclose()
