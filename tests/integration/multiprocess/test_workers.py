"""`checkout serve --workers 2`: two worker processes behind one port, each request on a new
connection so the kernel hands it to either. What a client and an operator see must not
depend on which worker answers: /metrics gives the figures of both, and a client's rate
limit counts its requests at both (in the event bus's Redis)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ..brokers import private_channel, require_redis
from ..processes import ADMIN, CUSTOMER, Process, processes

WORKERS = ("--workers", "2")
SCRAPES = 10
# A new connection per request: with keep-alive every request would reach one worker.
NEW_CONNECTION = {"Connection": "close"}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shop.db'}"


def metric(text: str, name: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and not sample.labels:
                return sample.value
    raise AssertionError(f"{name} not in the scrape")


def metrics_directories(work: Path) -> list[Path]:
    return list(work.glob("checkout-metrics-*"))


async def scrape(client: httpx.AsyncClient, server: Process, name: str) -> float:
    response = await client.get(f"{server.url}/metrics", headers={**ADMIN, **NEW_CONNECTION})
    assert response.status_code == 200, response.text
    return metric(response.text, name)


async def create_order(client: httpx.AsyncClient, server: Process) -> httpx.Response:
    return await client.post(
        f"{server.url}/api/payment/create-order",
        json={"amount": "299.00", **CUSTOMER},
        headers=NEW_CONNECTION,
    )


async def two_worker_settings(tmp_path: Path, **settings: str) -> dict[str, str]:
    """What two workers share besides the store: the Redis bus (and so the rate limits)."""
    return {
        "EVENTS_URL": await require_redis(),
        "EVENTS_CHANNEL": private_channel(),
        # where `serve` makes the workers' metrics directory, to see it made and removed
        "TMPDIR": str(tmp_path),
        **settings,
    }


@pytest.mark.services
async def test_every_scrape_counts_the_orders_of_both_workers(
    tmp_path: Path, simulator: Process, sqlite_url: str
) -> None:
    settings = await two_worker_settings(tmp_path)
    with processes(tmp_path) as started:
        server = started.server("server", sqlite_url, simulator, *WORKERS, **settings)
        await server.ready()
        assert len(metrics_directories(tmp_path)) == 1
        async with httpx.AsyncClient(timeout=30.0) as client:
            created = await asyncio.gather(*(create_order(client, server) for _ in range(12)))
            assert [response.status_code for response in created] == [200] * 12
            counts = [
                await scrape(client, server, "checkout_orders_created_total")
                for _ in range(SCRAPES)
            ]
            assert counts == [12.0] * SCRAPES

            order_id = created[0].json()["order_id"]
            url = f"{server.url}/api/payment/events/{order_id}"
            async with client.stream("GET", url) as stream:
                assert stream.status_code == 200
                open_streams = [
                    await scrape(client, server, "checkout_event_streams_open")
                    for _ in range(SCRAPES)
                ]
            assert open_streams == [1.0] * SCRAPES
        server.stop()
        assert not server.running
        assert metrics_directories(tmp_path) == []


@pytest.mark.services
async def test_a_client_rate_limit_counts_its_orders_at_both_workers(
    tmp_path: Path, simulator: Process, sqlite_url: str
) -> None:
    settings = await two_worker_settings(tmp_path, RATE_LIMIT_CREATE_ORDER="5/minute")
    with processes(tmp_path) as started:
        server = started.server("server", sqlite_url, simulator, *WORKERS, **settings)
        await server.ready()
        async with httpx.AsyncClient(timeout=30.0) as client:
            answers = [(await create_order(client, server)).status_code for _ in range(10)]
    assert answers == [200] * 5 + [429] * 5
