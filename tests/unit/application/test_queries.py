import asyncio
from decimal import Decimal

import pytest

from adapters.store.memory import MemoryStore
from application.errors import GatewayTimeout, ResetRefused
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment, CreatePaymentCommand
from application.use_cases.queries import (
    GatewayCheck,
    GetPaymentStatus,
    GetStatistics,
    ListCredits,
    ListFailedPayments,
)
from application.use_cases.reset_store import ResetStore
from domain.order import AttemptStatus, Order, OrderStatus

from ..domain.factories import attempt
from .fakes import ScriptedGateway


def command(amount: str) -> CreatePaymentCommand:
    return CreatePaymentCommand(Decimal(amount), "Asha Rao", "asha@example.com", "9876543210")


async def test_statistics_credits_and_failures(
    create: CreatePayment, confirm: ConfirmPayment, store: MemoryStore
) -> None:
    paid_a = await create.execute(command("100.00"))
    paid_b = await create.execute(command("250.50"))
    failing = await create.execute(command("75.00"))
    await create.execute(command("10.00"))  # never attempted
    await confirm.apply(paid_a.order_id, [attempt(AttemptStatus.SUCCESS, amount="100.00")])
    await confirm.apply(paid_b.order_id, [attempt(AttemptStatus.FAILED, "1", amount="250.50")])
    await confirm.apply(
        paid_b.order_id, [attempt(AttemptStatus.SUCCESS, "2", amount="250.50", minutes=2)]
    )
    await confirm.apply(failing.order_id, [attempt(AttemptStatus.FAILED, "3", amount="75.00")])
    await confirm.apply(
        failing.order_id,
        [attempt(AttemptStatus.USER_DROPPED, "4", amount="75.00", minutes=3)],
    )

    stats = await GetStatistics(store.reports()).execute()
    assert stats.total_payments == 2
    assert stats.total_credits == 2
    assert stats.total_amount == Decimal("350.50")
    assert stats.average_amount == Decimal("175.25")
    assert stats.total_failures == 3
    assert stats.total_drop_outs == 1
    assert stats.failed_amount == Decimal("400.50")
    assert stats.success_rate == Decimal("66.67")
    assert stats.total_orders == 4

    report = await ListCredits(store.reports()).execute()
    assert {e.order_id for e in report.payments} == {paid_a.order_id, paid_b.order_id}
    assert report.totals.credits == 2
    failed = await ListFailedPayments(store.reports()).execute()
    assert {f.order_id for f in failed} == {paid_b.order_id, failing.order_id}
    assert [f.attempt.status for f in failed].count(AttemptStatus.USER_DROPPED) == 1


async def test_status_refreshes_an_open_order_from_the_gateway(
    create: CreatePayment, confirm: ConfirmPayment, store: MemoryStore, gateway: ScriptedGateway
) -> None:
    order = await create.execute(command("499.00"))
    gateway.payments[order.order_id] = [attempt(AttemptStatus.USER_DROPPED)]
    status = await GetPaymentStatus(store, confirm.execute).execute(order.order_id)
    assert status.payment_status == "USER_DROPPED"
    gateway.calls.clear()
    local = await GetPaymentStatus(store, confirm.execute).execute(order.order_id, refresh=False)
    assert local.payment_status == "USER_DROPPED"
    assert gateway.calls == []


async def test_reset_is_refused_in_production(store: MemoryStore) -> None:
    with pytest.raises(ResetRefused):
        await ResetStore(store, "PRODUCTION").execute()


async def test_reset_empties_the_store(create: CreatePayment, store: MemoryStore) -> None:
    await create.execute(command("10.00"))
    await ResetStore(store, "SANDBOX").execute()
    assert (await GetStatistics(store.reports()).execute()).total_orders == 0


class SlowRefresh:
    """A refresh that answers when released, shielded as the watcher's confirm is."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.release = asyncio.Event()
        self.started: list[asyncio.Task[Order]] = []

    async def _answer(self, order_id: str) -> Order:
        await self.release.wait()
        async with self.store.unit_of_work() as uow:
            order = await uow.orders.get(order_id)
        assert order is not None
        return order

    async def __call__(self, order_id: str) -> Order:
        task = asyncio.ensure_future(self._answer(order_id))
        self.started.append(task)
        return await asyncio.shield(task)


async def test_a_check_still_running_after_the_wait_is_reported_pending_and_goes_on(
    create: CreatePayment, store: MemoryStore
) -> None:
    order = await create.execute(command("499.00"))
    refresh = SlowRefresh(store)

    checked = await GetPaymentStatus(store, refresh).check(order.order_id, wait_seconds=0.01)

    assert checked.gateway_check is GatewayCheck.PENDING
    assert checked.order.status is OrderStatus.ACTIVE
    [running] = refresh.started
    assert not running.done(), "the check is not cancelled with the answer"
    refresh.release.set()
    assert (await running).order_id == order.order_id


async def test_a_check_that_answers_in_time_is_done(
    create: CreatePayment, confirm: ConfirmPayment, store: MemoryStore, gateway: ScriptedGateway
) -> None:
    order = await create.execute(command("499.00"))
    gateway.payments[order.order_id] = [attempt(AttemptStatus.SUCCESS)]
    checked = await GetPaymentStatus(store, confirm.execute).check(order.order_id, wait_seconds=5)
    assert checked.gateway_check is GatewayCheck.DONE
    assert checked.order.status is OrderStatus.PAID


async def test_a_gateway_failure_leaves_the_stored_order_marked_unavailable(
    create: CreatePayment, store: MemoryStore
) -> None:
    order = await create.execute(command("499.00"))

    async def failing(order_id: str) -> Order:
        raise GatewayTimeout("no answer")

    checked = await GetPaymentStatus(store, failing).check(order.order_id)
    assert checked.gateway_check is GatewayCheck.UNAVAILABLE
    assert checked.order.status is OrderStatus.ACTIVE


async def test_a_final_order_is_not_checked(
    create: CreatePayment, confirm: ConfirmPayment, store: MemoryStore, gateway: ScriptedGateway
) -> None:
    order = await create.execute(command("499.00"))
    await confirm.apply(order.order_id, [attempt(AttemptStatus.SUCCESS)])
    gateway.calls.clear()
    checked = await GetPaymentStatus(store, confirm.execute).check(order.order_id)
    assert checked.gateway_check is None
    assert gateway.calls == []
