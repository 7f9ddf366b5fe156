"""What the references' backfill needs of every store: successful payments and refunds
without the bank's reference listed in pages by id, and a reference learned later saved
in place, after which they are listed no more."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.store.sql import reference_reports
from application.ports import Store
from domain.order import AttemptStatus, Order
from domain.refunds import RefundState

from .builders import active_order, add_orders, at, attempt, paid_order, refund


def _unreferenced(order: Order) -> Order:
    """As recorded before references were kept: every attempt without one."""
    order.attempts[:] = [replace(a, bank_reference="") for a in order.attempts]
    return order


@pytest.fixture(autouse=True)
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQL reads two rows a window, so a page spans several."""
    monkeypatch.setattr(reference_reports, "WINDOW", 2)


async def test_payments_without_reference_are_paged_by_order_id(store: Store) -> None:
    failed_only = active_order("ORDER_4")
    failed_only.record_attempt(attempt("ORDER_4_1", AttemptStatus.FAILED), at(1))
    await add_orders(
        store,
        _unreferenced(paid_order("ORDER_3")),
        paid_order("ORDER_2"),
        _unreferenced(paid_order("ORDER_1")),
        _unreferenced(failed_only),
        _unreferenced(paid_order("ORDER_5")),
    )
    reports = store.reports()

    assert await reports.payments_without_reference("", 10) == ["ORDER_1", "ORDER_3", "ORDER_5"]
    assert await reports.payments_without_reference("", 2) == ["ORDER_1", "ORDER_3"]
    assert await reports.payments_without_reference("ORDER_3", 2) == ["ORDER_5"]
    assert await reports.payments_without_reference("ORDER_5", 2) == []


async def test_a_reference_learned_later_is_saved_and_the_payment_listed_no_more(
    store: Store,
) -> None:
    await add_orders(store, _unreferenced(paid_order("ORDER_1")))
    async with store.unit_of_work() as uow:
        order = await uow.orders.get("ORDER_1")
        assert order is not None
        success = order.attempts[1]
        assert order.record_attempt(replace(success, bank_reference="512345678901"), at(60))
        await uow.orders.save(order)
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.orders.get("ORDER_1")
    assert stored is not None
    assert [a.bank_reference for a in stored.attempts] == ["", "512345678901"]
    assert [a.status for a in stored.attempts] == [AttemptStatus.FAILED, AttemptStatus.SUCCESS]
    assert await store.reports().payments_without_reference("", 10) == []
    found = await store.reports().find_orders("512345678901", 10)
    assert [o.order_id for o in found] == ["ORDER_1"]


async def test_successful_refunds_without_an_arn_are_paged_by_refund_id(store: Store) -> None:
    await add_orders(store, paid_order("ORDER_1"), paid_order("ORDER_2"))
    settled = {
        "rf_b": ("ORDER_1", RefundState.SUCCESS, ""),
        "rf_a": ("ORDER_2", RefundState.SUCCESS, ""),
        "rf_c": ("ORDER_1", RefundState.SUCCESS, "RF0000000001"),
        "rf_d": ("ORDER_2", RefundState.FAILED, ""),
        "rf_e": ("ORDER_2", RefundState.PENDING, ""),
        "rf_f": ("ORDER_1", RefundState.SUCCESS, ""),
    }
    async with store.unit_of_work() as uow:
        for minute, (refund_id, (order_id, state, arn)) in enumerate(settled.items()):
            made = refund(refund_id, order_id, "10.00", minute)
            made.settle(state, at(minute + 1), f"cf_{refund_id}", arn)
            await uow.refunds.add(made)
        await uow.commit()
    reports = store.reports()

    listed = await reports.refunds_without_reference("", 10)
    assert [(r.refund_id, r.order_id, r.state) for r in listed] == [
        ("rf_a", "ORDER_2", RefundState.SUCCESS),
        ("rf_b", "ORDER_1", RefundState.SUCCESS),
        ("rf_f", "ORDER_1", RefundState.SUCCESS),
    ]
    assert [r.refund_id for r in await reports.refunds_without_reference("rf_a", 1)] == ["rf_b"]
    assert await reports.refunds_without_reference("rf_f", 10) == []
