"""Background work on exactly one instance (issue 11): of two `checkout serve` processes
on one store, one leads and runs the reconciler; killed with SIGKILL, the other's
reconciler runs within 5 s, and at no time did both run their background tasks.

The servers log (JSON, INFO) when they start leading, after which the background tasks
start, and when they have stepped down, once the tasks have stopped: the intervals those
lines bound can only be wider than the tasks' real lives, and they must not overlap."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ..processes import ADMIN, Process, all_ready, processes, timestamp

RECONCILE_INTERVAL_SECONDS = "0.25"
TAKEOVER_BOUND = timedelta(seconds=5)
WAIT_SECONDS = 30.0
LEADING = "leading: starting the background tasks"
STEPPED_DOWN = "stepped down: background tasks stopped"
RECONCILED = "reconcile run"


async def _get(client: httpx.AsyncClient, server: Process, path: str) -> dict[str, Any]:
    response = await client.get(server.url + path, headers=ADMIN)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _leader(client: httpx.AsyncClient, servers: list[Process]) -> Process:
    """The one server whose /health says it leads (waits while none does yet)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        leading = [s for s in servers if (await _get(client, s, "/health"))["leader"]]
        assert len(leading) <= 1, "two leaders"
        if leading:
            return leading[0]
        await asyncio.sleep(0.1)
    raise AssertionError("no server leads")


async def _last_run(client: httpx.AsyncClient, server: Process) -> dict[str, Any]:
    """The server's first reconcile run, waited for (bounded)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        run = (await _get(client, server, "/api/payment/reconciliation"))["data"]["lastRun"]
        if run is not None:
            return dict(run)
        await asyncio.sleep(0.05)
    raise AssertionError(f"{server.name}'s reconciler never ran")


def _events(server: Process, event: str) -> list[datetime]:
    return [timestamp(e) for e in server.events() if e.get("event") == event]


async def test_a_killed_leaders_reconciler_runs_on_the_other_server_within_5_s(
    shared_store: str, simulator: Process, tmp_path: Path
) -> None:
    settings = {"RECONCILE_INTERVAL_SECONDS": RECONCILE_INTERVAL_SECONDS, "LOG_LEVEL": "INFO"}
    with processes(tmp_path / "run") as started:
        servers = [started.server(n, shared_store, simulator, **settings) for n in ("a", "b")]
        await all_ready(servers)
        async with httpx.AsyncClient(timeout=10.0) as client:
            leader = await _leader(client, servers)
            (follower,) = (s for s in servers if s is not leader)
            await _last_run(client, leader)
            assert not (await _get(client, follower, "/health"))["leader"]

            killed_at = datetime.now(UTC)
            leader.kill()
            run = await _last_run(client, follower)
            assert (await _get(client, follower, "/health"))["leader"]
        follower.stop()

    took_over_at = datetime.fromisoformat(run["startedAt"])
    assert took_over_at - killed_at <= TAKEOVER_BOUND, f"took {took_over_at - killed_at}"

    # The leader led once, from before its first run until it was killed; the follower
    # once, from after the kill until it stopped; each ran the reconciler only then.
    (led_from,) = _events(leader, LEADING)
    assert _events(leader, STEPPED_DOWN) == []
    assert all(led_from <= at <= killed_at for at in _events(leader, RECONCILED))
    (followed_from,) = _events(follower, LEADING)
    (followed_until,) = _events(follower, STEPPED_DOWN)
    assert killed_at < followed_from <= took_over_at, "never two leaders at once"
    runs = _events(follower, RECONCILED)
    assert runs
    assert all(followed_from <= at <= followed_until for at in runs)
