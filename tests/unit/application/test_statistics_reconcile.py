"""The statistics' refund totals, net revenue and paid-after-close count."""

from __future__ import annotations

from decimal import Decimal

from adapters.store.memory import MemoryStore
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.queries import GetStatistics
from domain.money import Money
from domain.order import AttemptStatus
from domain.refunds import Refund, RefundState

from ..domain.factories import T0, active_order, attempt


async def test_refunds_and_late_payments_show_in_the_statistics(
    units: UnitOfWorkFactory, store: MemoryStore, confirm: ConfirmPayment
) -> None:
    on_time = active_order(order_id="ORDER_ON_TIME")
    late = active_order(order_id="ORDER_LATE")
    late.expire(T0)
    async with units() as uow:
        await uow.orders.add(on_time)
        await uow.orders.add(late)
        await uow.commit()
    for order_id in ("ORDER_ON_TIME", "ORDER_LATE"):
        await confirm.apply(order_id, [attempt(AttemptStatus.SUCCESS, payment_id=order_id)])
    paid = Money.of("499.00")
    done = Refund.request(
        "rf_done", "ORDER_ON_TIME", "cus", Money.of("100.50"), "asked", T0, paid=paid
    )
    done.settle(RefundState.SUCCESS, T0)
    waiting = Refund.request(
        "rf_waiting", "ORDER_LATE", "cus", Money.of("50.00"), "asked", T0, paid=paid
    )
    failed = Refund.request(
        "rf_failed", "ORDER_LATE", "cus", Money.of("20.00"), "asked", T0, paid=paid
    )
    failed.settle(RefundState.FAILED, T0)
    async with units() as uow:
        for refund in (done, waiting, failed):
            await uow.refunds.add(refund)
        await uow.commit()

    stats = await GetStatistics(store.reports()).execute()

    assert stats.total_amount == Decimal("998.00")
    assert stats.paid_after_close == 1
    assert stats.refund_count == 1
    assert stats.refunded_amount == Decimal("100.50")
    assert stats.net_revenue == Decimal("897.50")


async def test_with_nothing_refunded_net_revenue_is_the_total(store: MemoryStore) -> None:
    stats = await GetStatistics(store.reports()).execute()
    assert (stats.refund_count, stats.refunded_amount, stats.net_revenue) == (
        0,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert stats.paid_after_close == 0
