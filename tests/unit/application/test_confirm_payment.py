import asyncio
from decimal import Decimal

import pytest

from adapters.store.memory import MemoryStore
from application.errors import OrderNotFound
from application.ports import GatewayOrderStatus
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment, CreatePaymentCommand
from application.use_cases.record_failure import RecordFailure
from domain.errors import InvalidField
from domain.events import OrderCredited, OrderPaid, PaymentAttemptFailed
from domain.money import Money
from domain.order import AttemptStatus, Order, OrderStatus

from ..domain.factories import T0, attempt, customer
from .fakes import RecordingPublisher, ScriptedGateway

COMMAND = CreatePaymentCommand(Decimal("499.00"), "Asha Rao", "asha@example.com", "9876543210")


@pytest.fixture
async def order(create: CreatePayment) -> Order:
    return await create.execute(COMMAND)


async def ledger_size(store: MemoryStore) -> int:
    return (await store.reports().ledger_totals()).entries


async def test_a_success_from_the_gateway_pays_and_credits_once(
    confirm: ConfirmPayment,
    order: Order,
    gateway: ScriptedGateway,
    store: MemoryStore,
    publisher: RecordingPublisher,
) -> None:
    gateway.payments[order.order_id] = [attempt(AttemptStatus.SUCCESS)]
    paid = await confirm.execute(order.order_id)
    again = await confirm.execute(order.order_id)
    assert paid.status is OrderStatus.PAID and again.status is OrderStatus.PAID
    assert await ledger_size(store) == 1
    assert len(publisher.of(OrderPaid)) == 1
    assert len(publisher.of(OrderCredited)) == 1


async def test_fifty_concurrent_confirmations_credit_once(
    confirm: ConfirmPayment, order: Order, gateway: ScriptedGateway, store: MemoryStore
) -> None:
    gateway.payments[order.order_id] = [attempt(AttemptStatus.SUCCESS)]
    results = await asyncio.gather(*(confirm.execute(order.order_id) for _ in range(50)))
    assert {r.status for r in results} == {OrderStatus.PAID}
    assert await ledger_size(store) == 1


async def test_a_failure_then_a_late_success_still_pays(
    confirm: ConfirmPayment,
    order: Order,
    gateway: ScriptedGateway,
    store: MemoryStore,
    publisher: RecordingPublisher,
) -> None:
    record_failure = RecordFailure(confirm)
    failed = await record_failure.execute(order.order_id, attempt(AttemptStatus.FAILED, "1"))
    assert failed.status is OrderStatus.ACTIVE and failed.payment_status == "FAILED"
    assert publisher.of(PaymentAttemptFailed)
    paid = await confirm.apply(order.order_id, [attempt(AttemptStatus.SUCCESS, "2", minutes=5)])
    assert paid.status is OrderStatus.PAID
    assert await ledger_size(store) == 1


async def test_a_report_says_whether_it_changed_anything(
    confirm: ConfirmPayment, order: Order
) -> None:
    failure = attempt(AttemptStatus.FAILED, "1")
    first = await RecordFailure(confirm).record(order.order_id, failure)
    again = await RecordFailure(confirm).record(order.order_id, failure)
    assert (first.changed, again.changed) == (True, False)
    success = attempt(AttemptStatus.SUCCESS, "2", minutes=5)
    paid = await confirm.record(order.order_id, [success])
    assert paid.changed and paid.order.status is OrderStatus.PAID
    assert not (await confirm.record(order.order_id, [success])).changed


async def test_record_failure_refuses_a_success(confirm: ConfirmPayment, order: Order) -> None:
    with pytest.raises(InvalidField):
        await RecordFailure(confirm).execute(order.order_id, attempt(AttemptStatus.SUCCESS))


async def test_a_mismatched_amount_is_never_credited(
    confirm: ConfirmPayment, order: Order, store: MemoryStore
) -> None:
    result = await confirm.apply(order.order_id, [attempt(AttemptStatus.SUCCESS, amount="1.00")])
    assert result.status is OrderStatus.ACTIVE
    assert result.attempts[0].mismatch
    assert await ledger_size(store) == 0


async def test_an_order_the_gateway_expired_ends_expired(
    confirm: ConfirmPayment, order: Order, gateway: ScriptedGateway
) -> None:
    from dataclasses import replace

    gateway.orders[order.order_id] = replace(
        gateway.orders[order.order_id], status=GatewayOrderStatus.EXPIRED
    )
    result = await confirm.execute(order.order_id)
    assert result.status is OrderStatus.EXPIRED
    assert result.payment_status == "EXPIRED"


async def test_payments_only_confirmation_costs_one_gateway_call(
    confirm: ConfirmPayment, order: Order, gateway: ScriptedGateway
) -> None:
    gateway.calls.clear()
    await confirm.execute(order.order_id, check_order_status=False)
    assert gateway.calls == ["list_payments"]


async def test_status_only_confirmation_costs_one_call_and_sees_expiry(
    confirm: ConfirmPayment, order: Order, gateway: ScriptedGateway
) -> None:
    from dataclasses import replace

    gateway.orders[order.order_id] = replace(
        gateway.orders[order.order_id], status=GatewayOrderStatus.EXPIRED
    )
    gateway.calls.clear()
    result = await confirm.execute(order.order_id, check_payments=False)
    assert gateway.calls == ["get_order"]
    assert result.status is OrderStatus.EXPIRED
    with pytest.raises(ValueError, match="reads"):
        await confirm.execute(order.order_id, check_payments=False, check_order_status=False)


async def test_unknown_orders_never_reach_the_gateway(
    confirm: ConfirmPayment, gateway: ScriptedGateway
) -> None:
    with pytest.raises(OrderNotFound):
        await confirm.execute("ORDER_UNKNOWN")
    assert gateway.calls == []


async def test_a_success_on_an_order_recorded_as_failed_to_create_pays_and_credits_it(
    confirm: ConfirmPayment, units: UnitOfWorkFactory, store: MemoryStore
) -> None:
    """An order marked failed before its lost creation answer was known (as this service
    did before it kept such orders CREATED): the gateway's payment is credited, flagged."""
    failed = Order.create(
        "ORDER_LOST_1", Money.of("499.00"), customer(), T0, customer_id="cus_lost"
    )
    failed.fail_to_create("The payment gateway is unavailable. Please try again.", T0)
    async with units() as uow:
        await uow.orders.add(failed)
        await uow.commit()

    paid = await confirm.apply("ORDER_LOST_1", [attempt(AttemptStatus.SUCCESS)])
    again = await confirm.apply("ORDER_LOST_1", [attempt(AttemptStatus.SUCCESS)])

    assert paid.status is OrderStatus.PAID and paid.paid_after_close
    assert again.version == paid.version
    assert await ledger_size(store) == 1
    assert (await store.reports().order_statistics()).paid_after_close == 1
