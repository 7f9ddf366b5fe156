"""FakeGateway: the PaymentGateway port over the simulator, with Cashfree errors mapped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.gateway.cashfree_errors import error_from
from adapters.gateway.fake_gateway import FakeGateway
from application.errors import (
    GatewayAuthError,
    GatewayConflict,
    GatewayNotFound,
    GatewayRateLimited,
    GatewayTimeout,
    GatewayUnavailable,
    GatewayValidationError,
)
from application.ports import GatewayOrderRequest, GatewayOrderStatus, RefundStatus
from cashfree_simulator.errors import SimulatorError
from cashfree_simulator.simulator import CashfreeSimulator
from domain.customer import Customer
from domain.money import Money
from domain.order import AttemptStatus

from .conftest import NOTIFY_URL


def request(order_id: str = "ORDER_ABC123", amount: str = "250.50") -> GatewayOrderRequest:
    return GatewayOrderRequest(
        order_id=order_id,
        amount=Money.of(amount),
        customer=Customer.create("Asha Rao", "asha@example.com", "9876543210"),
        customer_id="CUST_ABC",
        return_url="http://shop.test/return",
        notify_url=NOTIFY_URL,
    )


@pytest.fixture
def gateway(simulator: CashfreeSimulator) -> FakeGateway:
    return FakeGateway(simulator)


async def test_create_order_maps_to_a_gateway_order(
    gateway: FakeGateway, simulator: CashfreeSimulator
) -> None:
    opened = await gateway.create_order(request())
    assert gateway.name == "fake"
    assert opened.order_id == "ORDER_ABC123"
    assert opened.status is GatewayOrderStatus.ACTIVE
    assert opened.amount == Money.of("250.50")
    assert opened.payment_session_id.startswith("session_")
    assert opened.expires_at is not None
    entity = await simulator.get_order("ORDER_ABC123")
    assert entity["customer_details"]["customer_email"] == "asha@example.com"
    assert entity["order_meta"]["notify_url"] == NOTIFY_URL


async def test_creating_twice_returns_the_same_gateway_order(gateway: FakeGateway) -> None:
    first = await gateway.create_order(request())
    again = await gateway.create_order(request())
    assert again == first


async def test_attempts_map_to_domain_payment_attempts(
    gateway: FakeGateway, simulator: CashfreeSimulator
) -> None:
    await gateway.create_order(request())
    failed = await simulator.record_attempt("ORDER_ABC123", "FAILED", method="credit_card")
    pending = await simulator.record_attempt("ORDER_ABC123", "PENDING")

    attempts = await gateway.list_payments("ORDER_ABC123")
    assert [a.payment_id for a in attempts] == [failed["cf_payment_id"], pending["cf_payment_id"]]
    assert attempts[0].status is AttemptStatus.FAILED
    assert attempts[0].message == "Transaction declined by bank"
    assert attempts[0].method == "credit_card"
    assert attempts[0].amount == Money.of("250.50")
    assert attempts[1].status is AttemptStatus.PENDING
    assert attempts[1].at.tzinfo is not None


async def test_terminate_and_refund_round_trip(
    gateway: FakeGateway, simulator: CashfreeSimulator
) -> None:
    await gateway.create_order(request("ORDER_T"))
    assert (await gateway.terminate_order("ORDER_T")).status is GatewayOrderStatus.TERMINATED

    await gateway.create_order(request("ORDER_R"))
    await simulator.record_attempt("ORDER_R", "SUCCESS")
    refund = await gateway.create_refund("ORDER_R", "refund_1", Money.of("50.25"), "")
    assert refund.status is RefundStatus.PENDING
    assert refund.amount == Money.of(Decimal("50.25"))
    (listed,) = await gateway.list_refunds("ORDER_R")
    assert listed.status is RefundStatus.SUCCESS
    assert listed.gateway_refund_id == refund.gateway_refund_id


async def test_simulator_refusals_become_application_errors(gateway: FakeGateway) -> None:
    with pytest.raises(GatewayNotFound):
        await gateway.get_order("ORDER_NONE")
    with pytest.raises(GatewayValidationError) as caught:
        await gateway.create_order(request(amount="0.50"))
    assert "order_amount" in caught.value.public_message


async def test_injected_faults_become_gateway_unavailable(
    gateway: FakeGateway, simulator: CashfreeSimulator
) -> None:
    simulator.set_fault("get_order", "5xx", count=1)
    await gateway.create_order(request())
    with pytest.raises(GatewayUnavailable):
        await gateway.get_order("ORDER_ABC123")
    assert (await gateway.get_order("ORDER_ABC123")).status is GatewayOrderStatus.ACTIVE


async def test_a_timeout_fault_is_a_gateway_timeout_after_the_order_was_made(
    gateway: FakeGateway, simulator: CashfreeSimulator
) -> None:
    """The simulator applies the call and loses the answer, as a real timeout may."""
    simulator.set_fault("create_order", "timeout", count=1)
    with pytest.raises(GatewayTimeout):
        await gateway.create_order(request())
    assert (await gateway.get_order("ORDER_ABC123")).status is GatewayOrderStatus.ACTIVE


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, GatewayValidationError),
        (401, GatewayAuthError),
        (404, GatewayNotFound),
        (409, GatewayConflict),
        (429, GatewayRateLimited),
        (502, GatewayUnavailable),
        (504, GatewayTimeout),
    ],
)
def test_each_status_maps_to_its_error_class(status: int, expected: type[Exception]) -> None:
    error = SimulatorError(status, "m", "c")
    assert isinstance(error_from(error.status, error.message, error.type, "app"), expected)
