"""Reading the checkout seed's credits.json: the cases a real file rarely shows."""

from __future__ import annotations

import json
from typing import Any

from application.seed_credits import SeedRecords, read_seed_credits
from domain.customer import EMAIL_MESSAGE
from domain.order import OrderStatus


def order(order_id: str = "ORDER_1", **changes: Any) -> dict[str, Any]:
    record = {
        "orderId": order_id,
        "customerId": "CUST_1733212800000_ab12",
        "amount": 299,
        "customerName": "Priya Sharma",
        "customerEmail": "priya@example.com",
        "customerPhone": "9876543210",
        "status": "CREATED",
        "createdAt": "2024-12-03T08:00:00.000Z",
        "paymentSessionId": "session_1",
    }
    return {**record, **changes}


def payment(order_id: str = "ORDER_1", **changes: Any) -> dict[str, Any]:
    record = {
        "id": "PAY_1733212900000_x1",
        "orderId": order_id,
        "transactionId": 5114910000001,
        "amount": 299,
        "currency": "INR",
        "status": "SUCCESS",
        "timestamp": "2024-12-03T08:05:00.000Z",
        "processedAt": "2024-12-03T08:05:00.000Z",
    }
    return {**record, **changes}


def failure(order_id: str = "ORDER_1", **changes: Any) -> dict[str, Any]:
    record = {
        "id": "PAY_1733212850000_f1",
        "orderId": order_id,
        "amount": 299,
        "status": "FAILED",
        "reason": "EXPIRED",
        "timestamp": "2024-12-03T08:30:00.000Z",
        "failedAt": "2024-12-03T08:30:00.000Z",
    }
    return {**record, **changes}


def read(**document: Any) -> SeedRecords:
    return read_seed_credits(json.dumps(document).encode())


def problems(records: SeedRecords) -> list[str]:
    return [issue.problem for issue in records.skipped]


def test_a_payment_after_the_order_expired_still_pays_it_and_says_it_came_late() -> None:
    records = read(
        orders=[order(status="PAID")],
        failedPayments=[failure()],
        payments=[payment(processedAt="2024-12-03T09:00:00.000Z")],
    )
    [paid] = records.orders
    assert paid.status is OrderStatus.PAID
    assert paid.paid_after_close
    assert [grant.order_id for grant in records.grants] == ["ORDER_1"]


def test_a_payment_of_another_amount_is_kept_but_not_credited_and_is_noted() -> None:
    records = read(orders=[order(status="PAID")], payments=[payment(amount=29.9)])
    [kept] = records.orders
    assert kept.status is OrderStatus.ACTIVE
    assert kept.attempts[0].mismatch
    assert records.grants == []
    assert [issue.where for issue in records.notes] == ["payments[0]", "orders[0]"]
    assert "not credited (the seed credited it)" in records.notes[0].problem
    assert "PAID without a payment record" in records.notes[1].problem


def test_a_second_order_record_or_payment_of_one_order_is_skipped() -> None:
    records = read(
        orders=[order(), order(amount=1)],
        payments=[payment(), payment(transactionId=77, processedAt="2024-12-03T08:06:00Z")],
    )
    assert len(records.orders) == 1
    assert records.orders[0].amount.amount == 299
    assert [a.payment_id for a in records.orders[0].attempts] == ["5114910000001"]
    assert sorted(problems(records)) == [
        "a second order record with this orderId",
        "a second payment of this order",
    ]


def test_records_without_what_an_order_needs_are_skipped_with_the_reason() -> None:
    records = read(
        orders=[
            order("A", createdAt="2024-12-03T08:00:00"),
            order("B", amount="abc"),
            order("C", amount=0),
            order(None),
            order("E", customerEmail="not-an-email"),
            "not an object",
        ]
    )
    assert records.orders == []
    assert problems(records) == [
        "createdAt has no UTC offset",
        "amount is not a number",
        "amount is not a positive number",
        "no orderId",
        f"customer details the service refuses (email: {EMAIL_MESSAGE})",
        "not an object",
    ]


def test_a_poll_that_saw_the_order_cancelled_terminates_it() -> None:
    records = read(orders=[order(status="FAILED")], failedPayments=[failure(reason="CANCELLED")])
    assert records.orders[0].status is OrderStatus.TERMINATED
    assert records.notes == []
