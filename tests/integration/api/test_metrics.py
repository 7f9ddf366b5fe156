"""GET /metrics: behind a token, and counting what happened (through the whole app)."""

from __future__ import annotations

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .harness import Service, running_service
from .test_webhook import URL, signed

METRICS_TOKEN = "a-scraper-token"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def scrape(service: Service) -> str:
    response = await service.client.get("/metrics", headers=service.admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
async def test_metrics_need_a_token(service: Service, headers: dict[str, str]) -> None:
    response = await service.client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.json()["success"] is False


async def test_a_separate_metrics_token_works_too() -> None:
    async with running_service(metrics_token=METRICS_TOKEN) as service:
        scraper = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        assert (await service.client.get("/metrics", headers=scraper)).status_code == 200
        assert (await service.client.get("/metrics", headers=service.admin)).status_code == 200


async def test_payments_webhooks_and_gateway_calls_are_counted(service: Service) -> None:
    before = await scrape(service)
    assert value(before, "checkout_orders_created_total") == 0
    assert value(before, "checkout_webhooks_total", result="applied") == 0

    failed_order = await service.create_order()
    await service.attempt(failed_order["order_id"], "FAILED", "Card declined")
    paid_order = await service.create_order()
    await service.attempt(paid_order["order_id"], "USER_DROPPED")
    await service.attempt(paid_order["order_id"], "SUCCESS")
    deliveries = await service.webhooks()
    replayed = await service.client.post(
        f"/_fake-cashfree/control/webhooks/{len(deliveries) - 1}/replay", json={}
    )
    assert replayed.status_code == 200
    body = json.dumps({"type": "SOMETHING_ELSE", "data": {}}).encode()
    assert (await service.client.post(URL, content=body, headers=signed(body))).status_code == 200
    bad = await service.client.post(URL, content=body, headers=signed(body, secret="nope"))
    assert bad.status_code == 401

    text = await scrape(service)
    assert value(text, "checkout_orders_created_total") == 2
    assert value(text, "checkout_orders_paid_total") == 1
    assert value(text, "checkout_payments_failed_total", reason="FAILED") == 1
    assert value(text, "checkout_payments_failed_total", reason="USER_DROPPED") == 1
    assert value(text, "checkout_webhooks_total", result="applied") == 3
    assert value(text, "checkout_webhooks_total", result="duplicate") == 1
    assert value(text, "checkout_webhooks_total", result="ignored") == 1
    assert value(text, "checkout_webhooks_total", result="refused") == 1
    created = value(
        text, "checkout_gateway_call_seconds_count", endpoint="create_order", status="ok"
    )
    assert created == 2
    assert value(text, "checkout_store_commit_seconds_count") >= 7
    assert value(text, "checkout_store_commit_seconds_sum") > 0
    assert ("checkout_outbox_backlog", frozenset()) in samples(text)
    assert value(text, "checkout_event_streams_open") == 0


async def test_gateway_failures_are_counted_by_error(service: Service) -> None:
    fault = {"endpoint": "create_order", "kind": "5xx", "count": 1}
    assert (await service.client.post("/_fake-cashfree/control/faults", json=fault)).is_success
    response = await service.client.post(
        "/api/payment/create-order",
        json={
            "amount": "10.00",
            "customerName": "Asha Rao",
            "customerEmail": "asha@example.com",
            "customerPhone": "9876543210",
        },
    )
    assert response.status_code == 502
    text = await scrape(service)
    assert (
        value(
            text,
            "checkout_gateway_call_seconds_count",
            endpoint="create_order",
            status="GatewayUnavailable",
        )
        == 1
    )
    assert value(text, "checkout_payments_failed_total", reason="CREATION_FAILED") == 1


async def test_the_outbox_backlog_is_read_at_scrape_time() -> None:
    # the relay waits an hour: what the payment wrote stays in the outbox
    async with running_service(outbox_interval_seconds=3600) as service:
        order = await service.create_order()
        await service.attempt(order["order_id"], "SUCCESS")
        backlog = await service.container.store().reports().outbox_backlog()
        assert backlog > 0
        assert value(await scrape(service), "checkout_outbox_backlog") == backlog
