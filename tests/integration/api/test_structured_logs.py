"""Log lines carry request_id and order_id; each payment state change is one line."""

from __future__ import annotations

import io
import json
from typing import Any

from .harness import CUSTOMER, running_service


def lines(log: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.getvalue().splitlines()]


async def test_each_payment_state_change_is_one_line(rendered_log: io.StringIO) -> None:
    async with running_service() as service:
        order_id = (await service.create_order())["order_id"]
        await service.attempt(order_id, "FAILED", "Card declined")
        await service.attempt(order_id, "SUCCESS")
        last = len(await service.webhooks()) - 1
        replay = await service.client.post(f"/_fake-cashfree/control/webhooks/{last}/replay")
        assert replay.status_code == 200  # the same success again changes nothing
    changes = [
        (line["from"], line["to"], line["payment_from"], line["payment_to"], line["reason"])
        for line in lines(rendered_log)
        if line["event"] == "order state changed" and line["order_id"] == order_id
    ]
    assert changes == [
        (None, "CREATED", None, "PENDING", "created"),
        ("CREATED", "ACTIVE", "PENDING", "PENDING", "opened at the gateway"),
        ("ACTIVE", "ACTIVE", "PENDING", "FAILED", "Card declined"),
        ("ACTIVE", "PAID", "FAILED", "SUCCESS", "payment succeeded"),
    ]
    for personal in CUSTOMER.values():
        assert personal not in rendered_log.getvalue()


async def test_request_lines_carry_the_request_id_and_the_order_id(
    rendered_log: io.StringIO,
) -> None:
    async with running_service() as service:
        created = await service.client.post(
            "/api/payment/create-order",
            json={"amount": "10.00", **CUSTOMER},
            headers={"x-request-id": "req-create-1"},
        )
        order_id = created.json()["order_id"]
        status = await service.client.get(
            f"/api/payment/status/{order_id}", headers={"x-request-id": "req-status-1"}
        )
        assert status.status_code == 200
        unknown = await service.client.get(
            "/api/payment/events/ORDER_UNKNOWN", headers={"x-request-id": "req-events-1"}
        )
        assert unknown.status_code == 404
    logged = lines(rendered_log)
    by_request = {
        line["request_id"]: line
        for line in logged
        if line["event"] == "request" and line.get("request_id", "").startswith("req-")
    }
    assert by_request["req-create-1"]["order_id"] == order_id
    assert by_request["req-status-1"]["order_id"] == order_id
    assert by_request["req-events-1"]["order_id"] == "ORDER_UNKNOWN"
    opened = [line for line in logged if line["event"] == "order state changed"]
    assert {line["request_id"] for line in opened} == {"req-create-1"}
