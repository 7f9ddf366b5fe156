"""Orders in the simulator: validation, duplicates, idempotency keys, expiry, termination."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from cashfree_simulator.errors import SimulatorError
from cashfree_simulator.simulator import CashfreeSimulator

from .conftest import FakeClock, order_body


async def refused(simulator: CashfreeSimulator, body: dict[str, Any]) -> SimulatorError:
    with pytest.raises(SimulatorError) as caught:
        await simulator.create_order(body)
    return caught.value


async def test_a_new_order_is_active_with_an_unguessable_session(
    simulator: CashfreeSimulator,
) -> None:
    first = await simulator.create_order(order_body("order_a"))
    second = await simulator.create_order(order_body("order_b"))

    assert first["order_status"] == "ACTIVE"
    assert first["entity"] == "order"
    assert first["order_amount"] == Decimal("499.00")
    assert first["order_splits"] == []
    assert first["customer_details"]["customer_id"] == "CUST_1"
    assert first["order_meta"]["notify_url"].endswith("/webhook")
    assert first["payment_session_id"].startswith("session_")
    assert len(first["payment_session_id"]) > 64
    assert first["payment_session_id"] != second["payment_session_id"]
    assert first["cf_order_id"] != second["cf_order_id"]


async def test_default_expiry_is_thirty_days_after_creation(
    simulator: CashfreeSimulator,
) -> None:
    order = await simulator.create_order(order_body())
    assert order["created_at"] == "2025-03-01T17:30:00+05:30"
    assert order["order_expiry_time"] == "2025-03-31T17:30:00+05:30"


async def test_get_order_returns_what_was_created(simulator: CashfreeSimulator) -> None:
    created = await simulator.create_order(order_body())
    assert await simulator.get_order("order_1001") == created


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"order_amount": Decimal("0.99")}, "order_amount_invalid"),
        ({"order_amount": Decimal("10.001")}, "order_amount_invalid"),
        ({"order_amount": "100"}, "order_amount_invalid"),
        ({"order_amount": True}, "order_amount_invalid"),
        ({"order_amount": None}, "order_amount_missing"),
        ({"order_currency": "USD"}, "order_currency_invalid"),
        ({"order_currency": None}, "order_currency_missing"),
        ({"order_id": "ab"}, "order_id_invalid"),
        ({"order_id": "x" * 46}, "order_id_invalid"),
        ({"order_id": "has space"}, "order_id_invalid"),
        ({"customer_details": None}, "customer_details_missing"),
        ({"customer_details": {"customer_phone": "9876543210"}}, "customer_id_invalid"),
        ({"customer_details": {"customer_id": "CUST_1"}}, "customer_phone_invalid"),
        ({"order_expiry_time": "2025-03-01T10:00:00Z"}, "order_expiry_time_invalid"),
        ({"order_expiry_time": "tomorrow"}, "order_expiry_time_invalid"),
        ({"order_note": "ab"}, "order_note_invalid"),
        ({"order_meta": {"notify_url": "ftp://x"}}, "order_meta.notify_url_invalid"),
    ],
)
async def test_invalid_orders_are_refused_as_cashfree_does(
    simulator: CashfreeSimulator, overrides: dict[str, Any], code: str
) -> None:
    error = await refused(simulator, order_body(**overrides))
    assert error.status == 400
    assert error.body() == {"message": error.message, "code": code, "type": "invalid_request_error"}
    assert " : " in error.message


async def test_an_order_without_an_id_gets_one(simulator: CashfreeSimulator) -> None:
    body = order_body()
    del body["order_id"]
    order = await simulator.create_order(body)
    assert order["order_id"].startswith("order_")


async def test_a_duplicate_order_id_is_a_409(simulator: CashfreeSimulator) -> None:
    await simulator.create_order(order_body())
    error = await refused(simulator, order_body())
    assert error.status == 409
    assert error.body() == {
        "message": "order with same id is already present",
        "code": "order_already_exists",
        "type": "invalid_request_error",
    }


async def test_same_idempotency_key_and_body_returns_the_first_result(
    simulator: CashfreeSimulator,
) -> None:
    first = await simulator.create_order(order_body(), idempotency_key="key-1")
    again = await simulator.create_order(order_body(), idempotency_key="key-1")
    assert again == first


async def test_same_idempotency_key_with_another_body_is_an_idempotency_422(
    simulator: CashfreeSimulator,
) -> None:
    await simulator.create_order(order_body(), idempotency_key="key-1")
    with pytest.raises(SimulatorError) as caught:
        await simulator.create_order(
            order_body(order_amount=Decimal("1.00")), idempotency_key="key-1"
        )
    assert caught.value.status == 422
    assert caught.value.type == "idempotency_error"


async def test_a_refused_request_is_not_remembered_under_its_key(
    simulator: CashfreeSimulator,
) -> None:
    with pytest.raises(SimulatorError):
        await simulator.create_order(order_body(order_amount=Decimal("0")), idempotency_key="k")
    order = await simulator.create_order(order_body(), idempotency_key="k")
    assert order["order_status"] == "ACTIVE"


async def test_unknown_order_is_cashfrees_404(simulator: CashfreeSimulator) -> None:
    with pytest.raises(SimulatorError) as caught:
        await simulator.get_order("order_missing")
    assert caught.value.status == 404
    assert caught.value.body() == {
        "message": "Order not found",
        "code": "order_not_found",
        "type": "invalid_request_error",
    }


async def test_an_active_order_past_its_expiry_reads_as_expired(
    simulator: CashfreeSimulator, clock: FakeClock
) -> None:
    await simulator.create_order(order_body(order_expiry_time="2025-03-01T13:00:00Z"))
    clock.advance(minutes=59)
    assert (await simulator.get_order("order_1001"))["order_status"] == "ACTIVE"
    clock.advance(minutes=1)
    assert (await simulator.get_order("order_1001"))["order_status"] == "EXPIRED"


async def test_expire_order_ends_it_now(simulator: CashfreeSimulator) -> None:
    await simulator.create_order(order_body())
    expired = await simulator.expire_order("order_1001")
    assert expired["order_status"] == "EXPIRED"
    with pytest.raises(SimulatorError) as caught:
        await simulator.record_attempt("order_1001", "SUCCESS")
    assert caught.value.code == "order_inactive"


async def test_only_an_active_order_can_be_terminated(simulator: CashfreeSimulator) -> None:
    await simulator.create_order(order_body())
    terminated = await simulator.terminate_order("order_1001", {"order_status": "TERMINATED"})
    assert terminated["order_status"] == "TERMINATED"
    with pytest.raises(SimulatorError) as caught:
        await simulator.terminate_order("order_1001", {"order_status": "TERMINATED"})
    assert (caught.value.status, caught.value.code) == (400, "order_inactive")


async def test_terminate_needs_the_terminated_status_in_the_body(
    simulator: CashfreeSimulator,
) -> None:
    await simulator.create_order(order_body())
    with pytest.raises(SimulatorError) as caught:
        await simulator.terminate_order("order_1001", {"order_status": "PAID"})
    assert caught.value.status == 400


async def test_order_for_session_finds_the_order_and_refuses_unknown_sessions(
    simulator: CashfreeSimulator,
) -> None:
    created = await simulator.create_order(order_body())
    found = await simulator.order_for_session(created["payment_session_id"])
    assert found["order_id"] == "order_1001"
    with pytest.raises(SimulatorError) as caught:
        await simulator.order_for_session("session_unknown")
    assert caught.value.status == 404


async def test_reset_forgets_orders(simulator: CashfreeSimulator) -> None:
    await simulator.create_order(order_body())
    await simulator.reset()
    with pytest.raises(SimulatorError):
        await simulator.get_order("order_1001")


def test_credentials_are_compared_exactly(simulator: CashfreeSimulator) -> None:
    assert simulator.credentials_match("TEST_APP_ID", "test-secret-not-real")
    assert not simulator.credentials_match("TEST_APP_ID", "wrong")
    assert not simulator.credentials_match(None, None)
