"""/health as the seed had it (the store by kind only), /health/live and /health/ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.store.memory import MemoryStore

from .harness import Service, running_service

KINDS = {"memory", "json", "sqlite", "postgresql", "mysql"}


async def test_health_names_the_store_kind_never_its_url(any_store_service: Service) -> None:
    response = await any_store_service.client.get("/health")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"status", "environment", "store", "gateway", "uptime"}
    assert body["store"] in KINDS
    store = any_store_service.container.store()
    if store.description != store.kind:
        assert store.description not in response.text
    for part in ("127.0.0.1", "localhost", "root@", "postgres@", "/"):
        assert part not in response.text


async def test_health_hides_the_sqlite_path(tmp_path: Path) -> None:
    async with running_service(f"sqlite:///{tmp_path / 'checkout.db'}") as service:
        response = await service.client.get("/health")
    assert response.json()["store"] == "sqlite"
    assert str(tmp_path) not in response.text


async def test_live_answers_while_the_process_runs(service: Service) -> None:
    response = await service.client.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "alive"})


async def test_ready_when_the_store_answers_and_the_gateway_is_configured(
    any_store_service: Service,
) -> None:
    response = await any_store_service.client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "store": "ok", "gateway": "ok"}


class BreakableStore(MemoryStore):
    """A memory store whose units of work fail while `broken` (a database gone away)."""

    broken = False

    def unit_of_work(self) -> Any:
        if self.broken:
            raise ConnectionRefusedError("connection refused")
        return super().unit_of_work()


async def test_not_ready_while_the_store_is_unreachable() -> None:
    store = BreakableStore()
    async with running_service(store=store) as service:
        store.broken = True
        response = await service.client.get("/health/ready")
        assert response.status_code == 503
        assert response.json() == {"status": "not ready", "store": "unreachable", "gateway": "ok"}
        assert (await service.client.get("/health/live")).status_code == 200
        store.broken = False
        assert (await service.client.get("/health/ready")).status_code == 200
