"""What the reconciler needs of every store: the paid-after-close flag kept, the open
orders listed oldest first, and the flag counted in the statistics."""

from __future__ import annotations

from application.ports import Store
from domain.money import Money
from domain.order import AttemptStatus, Order

from .builders import CUSTOMER_ID, active_order, add_orders, at, attempt, customer, paid_order


def _late_paid(order_id: str, minutes: int = 0) -> Order:
    """Expired with a PENDING attempt the bank then confirmed."""
    order = active_order(order_id, minutes=minutes)
    order.record_attempt(attempt(f"{order_id}_1", AttemptStatus.PENDING), at(minutes + 1))
    order.expire(at(minutes + 2))
    order.record_attempt(attempt(f"{order_id}_1", AttemptStatus.SUCCESS), at(minutes + 3))
    return order


async def test_paid_after_close_survives_add_save_and_reload(store: Store) -> None:
    late = _late_paid("ORDER_LATE")
    assert late.paid_after_close
    await add_orders(store, late, paid_order("ORDER_ON_TIME"))
    async with store.unit_of_work() as uow:
        loaded = await uow.orders.get("ORDER_LATE")
        on_time = await uow.orders.get("ORDER_ON_TIME")
    assert loaded == late and loaded is not None and loaded.paid_after_close
    assert on_time is not None and not on_time.paid_after_close

    expiring = active_order("ORDER_SAVED")
    expiring.record_attempt(attempt("ORDER_SAVED_1", AttemptStatus.PENDING), at(1))
    await add_orders(store, expiring)
    async with store.unit_of_work() as uow:
        current = await uow.orders.get("ORDER_SAVED")
        assert current is not None
        current.expire(at(2))
        current.record_attempt(attempt("ORDER_SAVED_1", AttemptStatus.SUCCESS), at(3))
        await uow.orders.save(current)
        await uow.commit()
    async with store.unit_of_work() as uow:
        saved = await uow.orders.get("ORDER_SAVED")
    assert saved is not None and saved.paid_after_close


async def test_open_orders_are_the_movable_ones_oldest_first(store: Store) -> None:
    created = Order.create(
        "ORDER_CREATED", Money.of("10.00"), customer(), at(3), customer_id=CUSTOMER_ID
    )
    active_late = active_order("ORDER_B", minutes=5)
    active_tie = active_order("ORDER_A", minutes=5)
    expired_pending = active_order("ORDER_EXP_PENDING", minutes=1)
    expired_pending.record_attempt(
        attempt("ORDER_EXP_PENDING_1", AttemptStatus.PENDING, minutes=2), at(2)
    )
    expired_pending.expire(at(4))
    expired_failed = active_order("ORDER_EXP_FAILED", minutes=0)
    expired_failed.record_attempt(
        attempt("ORDER_EXP_FAILED_1", AttemptStatus.FAILED, minutes=1), at(1)
    )
    expired_failed.expire(at(4))
    terminated = active_order("ORDER_TERMINATED", minutes=0)
    terminated.terminate(at(1))
    await add_orders(
        store,
        active_late,
        created,
        paid_order("ORDER_PAID"),
        expired_failed,
        active_tie,
        terminated,
        expired_pending,
        _late_paid("ORDER_LATE"),
    )

    opened = await store.reports().open_orders(10)

    assert [o.order_id for o in opened] == [
        "ORDER_EXP_PENDING",
        "ORDER_CREATED",
        "ORDER_A",
        "ORDER_B",
    ]
    assert opened[0] == expired_pending
    assert [o.order_id for o in await store.reports().open_orders(2)] == [
        "ORDER_EXP_PENDING",
        "ORDER_CREATED",
    ]
    assert await store.reports().open_orders(0) == []


async def test_statistics_count_orders_paid_after_close(store: Store) -> None:
    assert (await store.reports().order_statistics()).paid_after_close == 0
    await add_orders(store, _late_paid("ORDER_L1"), _late_paid("ORDER_L2"), paid_order("ORDER_P"))
    assert (await store.reports().order_statistics()).paid_after_close == 2
