from decimal import Decimal

import pytest

from adapters.store.memory import MemoryStore
from application.errors import ResetRefused
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.create_payment import CreatePayment, CreatePaymentCommand
from application.use_cases.queries import (
    GetPaymentStatus,
    GetStatistics,
    ListCredits,
    ListFailedPayments,
)
from application.use_cases.reset_store import ResetStore
from domain.order import AttemptStatus

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
