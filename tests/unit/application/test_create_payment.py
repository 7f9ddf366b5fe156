from decimal import Decimal

import pytest

from adapters.store.memory import MemoryStore
from application.errors import GatewayTimeout, GatewayUnavailable, GatewayValidationError
from application.ports import GatewayOrder, GatewayOrderRequest
from application.use_cases.create_payment import CreatePayment, CreatePaymentCommand
from domain.errors import ValidationFailed
from domain.events import OrderActivated, OrderCreated, OrderCreationFailed
from domain.order import OrderStatus

from .fakes import RecordingPublisher, ScriptedGateway

GOOD = CreatePaymentCommand(Decimal("499"), " Asha  Rao ", "ASHA@example.com", "9876543210")


async def stored(store: MemoryStore, order_id: str):  # type: ignore[no-untyped-def]
    async with store.unit_of_work() as uow:
        return await uow.orders.get(order_id)


async def test_opens_the_order_at_the_gateway_and_saves_it_active(
    create: CreatePayment, store: MemoryStore, gateway: ScriptedGateway
) -> None:
    order = await create.execute(GOOD)
    assert order.status is OrderStatus.ACTIVE
    assert order.payment_session_id == f"session_{order.order_id}"
    saved = await stored(store, order.order_id)
    assert saved == order
    request = gateway.requests[0]
    assert request.order_id == order.order_id
    assert request.amount.amount == Decimal("499.00")
    assert request.customer.name == "Asha Rao"
    assert request.customer.email == "asha@example.com"
    assert request.return_url == f"http://shop.test/return?order_id={order.order_id}"


async def test_an_order_saved_by_someone_else_during_the_gateway_call_is_read_again(
    create: CreatePayment,
    store: MemoryStore,
    gateway: ScriptedGateway,
    publisher: RecordingPublisher,
) -> None:
    """The second unit saves the order the first stored without reading it; should anyone
    have saved it in between, that save conflicts and the order is read and opened."""
    opened = gateway.create_order

    async def create_order_while_someone_saves(request: GatewayOrderRequest) -> GatewayOrder:
        async with store.unit_of_work() as uow:
            order = await uow.orders.get(request.order_id)
            assert order is not None
            await uow.orders.save(order)
            await uow.commit()
        return await opened(request)

    gateway.create_order = create_order_while_someone_saves  # type: ignore[method-assign]
    order = await create.execute(GOOD)
    saved = await stored(store, order.order_id)
    assert saved == order
    assert saved.status is OrderStatus.ACTIVE and saved.version == 2
    assert [e.order_id for e in publisher.of(OrderActivated)] == [order.order_id]


async def test_reports_every_invalid_field_and_calls_nobody(
    create: CreatePayment, gateway: ScriptedGateway
) -> None:
    with pytest.raises(ValidationFailed) as info:
        await create.execute(CreatePaymentCommand("0.5", "A", "x", "123"))
    fields = [e.field for e in info.value.errors]
    assert fields == ["amount", "name", "email", "phone"]
    assert gateway.calls == []


async def test_a_gateway_refusal_leaves_failed_to_create_not_an_orphan(
    create: CreatePayment,
    store: MemoryStore,
    gateway: ScriptedGateway,
    publisher: RecordingPublisher,
) -> None:
    gateway.refuse_with = GatewayValidationError("customer_phone is invalid")
    with pytest.raises(GatewayValidationError):
        await create.execute(GOOD)
    order_id = gateway.requests[0].order_id
    saved = await stored(store, order_id)
    assert saved is not None
    assert saved.status is OrderStatus.FAILED_TO_CREATE
    assert saved.failure_reason == "customer_phone is invalid"
    assert publisher.of(OrderCreated) and publisher.of(OrderCreationFailed)
    assert not publisher.of(OrderActivated)


@pytest.mark.parametrize(
    "lost", [GatewayTimeout("no answer in time"), GatewayUnavailable("HTTP 502")], ids=str
)
async def test_a_lost_gateway_answer_leaves_the_order_created_for_the_reconciler(
    create: CreatePayment,
    store: MemoryStore,
    gateway: ScriptedGateway,
    publisher: RecordingPublisher,
    lost: GatewayUnavailable,
) -> None:
    """The gateway may have made the order: it is not recorded as failed to be created,
    so the reconciler asks the gateway about it later."""
    gateway.refuse_with = lost
    with pytest.raises(type(lost)):
        await create.execute(GOOD)
    saved = await stored(store, gateway.requests[0].order_id)
    assert saved is not None
    assert saved.status is OrderStatus.CREATED
    assert not publisher.of(OrderCreationFailed)
