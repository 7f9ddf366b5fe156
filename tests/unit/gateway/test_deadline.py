"""DeadlineGateway: each call to any gateway ends within one deadline, retries included."""

from __future__ import annotations

import asyncio

import pytest

from adapters.gateway.deadline import DeadlineGateway
from application.errors import GatewayTimeout, GatewayUnavailable
from application.ports import GatewayOrder, GatewayOrderRequest, GatewayOrderStatus
from domain.customer import Customer
from domain.money import Money

from ..application.fakes import ScriptedGateway

REQUEST = GatewayOrderRequest(
    order_id="ORDER_DL_1",
    amount=Money.of("499.00"),
    customer=Customer.create("Asha Rao", "asha@example.com", "9876543210"),
    customer_id="CUST_1",
    return_url="http://shop.test/return",
    notify_url="http://shop.test/webhook",
)


class HungGateway(ScriptedGateway):
    """Never answers get_order; counts the calls it saw cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = 0
        self.closed = False

    async def get_order(self, order_id: str) -> GatewayOrder:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        self.closed = True


async def test_a_hung_call_ends_as_a_gateway_timeout_at_the_deadline() -> None:
    inner = HungGateway()
    gateway = DeadlineGateway(inner, seconds=0.05)

    with pytest.raises(GatewayTimeout, match=r"get_order within 0\.05 s") as caught:
        await asyncio.wait_for(gateway.get_order("ORDER_DL_1"), timeout=5)

    assert inner.cancelled == 1, "the call itself is stopped, not left running"
    assert isinstance(caught.value, GatewayUnavailable), "its outcome is unknown"


async def test_answers_in_time_pass_through_and_name_and_close_are_the_inner_ones() -> None:
    inner = HungGateway()
    gateway = DeadlineGateway(inner, seconds=5)

    opened = await gateway.create_order(REQUEST)
    assert opened.status is GatewayOrderStatus.ACTIVE
    assert await gateway.list_payments("ORDER_DL_1") == []
    assert gateway.name == inner.name
    await gateway.aclose()
    assert inner.closed


async def test_the_inner_gateways_own_errors_pass_unchanged() -> None:
    inner = HungGateway()
    inner.refuse_with = GatewayUnavailable("Cashfree answered HTTP 500")
    with pytest.raises(GatewayUnavailable) as caught:
        await DeadlineGateway(inner, seconds=5).create_order(REQUEST)
    assert caught.value is inner.refuse_with


def test_the_deadline_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        DeadlineGateway(HungGateway(), seconds=0)
