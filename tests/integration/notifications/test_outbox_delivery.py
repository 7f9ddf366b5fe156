"""Issue 8's delivery test: a receiver that fails three times, a service restarted in
between, and in the end exactly one distinct webhook-id per event, every delivery signed.

The receiver is a real Starlette app under uvicorn on a loopback port; the service is the
whole app (container, lifespan, simulator) on an SQLite file that outlives each restart.
The relay is driven by hand with explicit times, so the backoff is exercised without
waiting for it; its own loop runs too, at an interval too long to interfere.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from dependency_injector import providers
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from entrypoints.container import build_container, start
from entrypoints.settings import ConfigurationError, load_settings

from ..api.harness import Service, running_service

SECRET = "whsec_" + base64.b64encode(b"notify-test-secret-0123456789abcd").decode()
FAILURES_PER_MESSAGE = 3


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """Answers 503 to the first `failures` deliveries of each webhook-id, then 204;
    `hang` makes it never answer at all."""

    failures: int = FAILURES_PER_MESSAGE
    hang: bool = False
    deliveries: list[Delivery] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        self.arrived.set()
        if self.hang:
            await asyncio.sleep(60)
        with self.lock:
            seen = sum(
                1
                for d in self.deliveries
                if d.headers["webhook-id"] == request.headers["webhook-id"]
            )
            status = 503 if seen < self.failures else 204
            self.deliveries.append(Delivery(dict(request.headers), body, status))
        return Response(status_code=status)

    def accepted(self) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.status == 204]

    def all(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)


@contextmanager
def serving(receiver: Receiver) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = Starlette(routes=[Route("/hooks", receiver.endpoint, methods=["POST"])])
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "receiver did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/hooks"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def service_on(db: Path, url: str, interval: float = 3600.0) -> Any:
    return running_service(
        f"sqlite:///{db}",
        notify_webhook_url=url,
        notify_webhook_secret=SECRET,
        outbox_interval_seconds=interval,
    )


async def pay_after_a_failure(service: Service) -> str:
    order = await service.create_order()
    await service.attempt(order["order_id"], "FAILED", "Insufficient funds")
    await service.attempt(order["order_id"], "SUCCESS")
    order_id: str = order["order_id"]
    return order_id


async def test_three_failures_and_restarts_end_in_one_signed_delivery_per_event(
    tmp_path: Path,
) -> None:
    receiver = Receiver()
    db = tmp_path / "checkout.db"
    # far enough ahead that the relay's own loop (real time) never finds anything due
    start = datetime.now(UTC) + timedelta(hours=1)
    with serving(receiver) as url:
        async with service_on(db, url) as service:
            order_id = await pay_after_a_failure(service)
            assert await service.container.store().reports().outbox_backlog() == 2
            relay = service.container.outbox_relay()
            assert relay.notifier_names == ["log", "webhook"]
            assert await relay.run_once(start) == 0  # failure 1 of each message
        # restarted: the outbox is read back from the file
        async with service_on(db, url) as service:
            relay = service.container.outbox_relay()
            assert await relay.run_once(start + timedelta(seconds=1)) == 0  # failure 2
            assert await relay.run_once(start + timedelta(seconds=3)) == 0  # failure 3
        async with service_on(db, url) as service:
            relay = service.container.outbox_relay()
            assert await relay.run_once(start + timedelta(seconds=6)) == 0  # not due yet
            assert await relay.run_once(start + timedelta(seconds=7)) == 2
            assert await relay.run_once(start + timedelta(hours=1)) == 0
            reports = service.container.store().reports()
            assert await reports.outbox_backlog() == 0
            customer_id = (await reports.recent_orders(1))[0].customer_id
            inbox = await reports.notifications_of(customer_id, 10)

    deliveries = receiver.all()
    ids = Counter(d.headers["webhook-id"] for d in deliveries)
    assert len(ids) == 2  # one distinct webhook-id per event
    assert set(ids.values()) == {FAILURES_PER_MESSAGE + 1}
    accepted = receiver.accepted()
    assert Counter(d.headers["webhook-id"] for d in accepted) == Counter(set(ids))
    verifier = Webhook(SECRET)
    events = {}
    for delivery in deliveries:
        body = verifier.verify(delivery.body, delivery.headers)  # raises when unsigned
        events[delivery.headers["webhook-id"]] = (body["type"], body["data"]["orderId"])
    assert sorted(events.values()) == [
        ("payment.failed", order_id),
        ("payment.succeeded", order_id),
    ]
    assert {n.notification_id for n in inbox} == set(ids)


async def test_a_failing_receiver_neither_fails_nor_slows_a_payment(tmp_path: Path) -> None:
    receiver = Receiver(hang=True)
    with serving(receiver) as url:
        async with service_on(tmp_path / "checkout.db", url, interval=0.05) as service:
            began = time.monotonic()
            order = await service.create_order()
            await service.attempt(order["order_id"], "SUCCESS")
            verify = await service.client.post(
                "/api/payment/verify", json={"order_id": order["order_id"]}
            )
            elapsed = time.monotonic() - began
            assert verify.status_code == 200 and verify.json()["status"] == "SUCCESS"
            assert (await service.webhooks())[-1]["status"] == 200
            assert await service.ledger_entries() == 1
            assert elapsed < 2.0
            # meanwhile the relay is stuck on the receiver, and the message still waits
            assert await asyncio.to_thread(receiver.arrived.wait, 5)
            assert receiver.all() == []
            assert await service.container.store().reports().outbox_backlog() == 1


async def test_the_relay_runs_while_the_app_runs(tmp_path: Path) -> None:
    async with service_on(tmp_path / "checkout.db", "http://127.0.0.1:9/hooks") as service:
        relay = service.container.outbox_relay()
        assert relay.running
        client = service.container.notify_http_client()
    assert not relay.running
    assert client.is_closed


async def test_a_secret_that_is_not_base64_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="NOTIFY_WEBHOOK_SECRET"):
        async with running_service(
            f"sqlite:///{tmp_path / 'checkout.db'}",
            notify_webhook_url="http://127.0.0.1:9/hooks",
            notify_webhook_secret="not base64!",
        ):
            pass


async def test_a_relay_that_cannot_be_built_stops_what_had_started(tmp_path: Path) -> None:
    """The notifier refuses a secret the settings let through: start-up fails cleanly."""
    config = load_settings(
        store_url=f"sqlite:///{tmp_path / 'checkout.db'}",
        payment_gateway="fake",
        cashfree_app_id="TESTAPP",
        cashfree_secret_key="test-secret-key",
        notify_webhook_url="http://127.0.0.1:9/hooks",
        notify_webhook_secret="whsec_c2VjcmV0",
    )
    container = build_container(config)
    container.notify_http_client.override(providers.Object(httpx.AsyncClient()))
    container.notifiers.override(providers.Callable(_refuse))
    with pytest.raises(ValueError, match="refused"):
        await start(container)
    assert container.store_lifecycle.initialized is False


def _refuse() -> list[object]:
    raise ValueError("refused")
