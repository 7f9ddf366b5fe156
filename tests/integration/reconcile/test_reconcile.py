"""The issue's reconcile test: the simulator drops every webhook, so only a reconcile run
can tell the service how its orders went. One run brings every order to the gateway's
state and credits each paid order exactly once; a second run changes nothing.

Everything runs on the real use cases, the real FakeGateway over the simulator and each
store, with a clock shared by the simulator and the service; no browser, no webhook.
"""

from __future__ import annotations

from decimal import Decimal

from application.use_cases.queries import GetStatistics
from domain.order import AttemptStatus, OrderStatus

from .conftest import World


async def test_one_run_brings_fifty_orders_to_the_gateways_state(world: World) -> None:
    sim = world.simulator
    plan = (
        ["SUCCESS"] * 12
        + ["FAILED"] * 8
        + ["USER_DROPPED"] * 6
        + ["FAILED_THEN_SUCCESS"] * 4
        + ["PENDING"] * 4
        + ["OPEN"] * 8
        + ["EXPIRED"] * 5
        + ["FAILED_THEN_EXPIRED"] * 3
    )
    assert len(plan) == 50
    orders: dict[str, str] = {}
    for fate in plan:
        order = await world.order()
        orders[order.order_id] = fate
        world.clock.advance(seconds=1)
        if fate in ("SUCCESS", "FAILED", "USER_DROPPED", "PENDING"):
            await sim.record_attempt(order.order_id, fate)
        elif fate == "FAILED_THEN_SUCCESS":
            await sim.record_attempt(order.order_id, "FAILED")
            await sim.record_attempt(order.order_id, "SUCCESS")
        elif fate == "EXPIRED":
            await sim.expire_order(order.order_id)
        elif fate == "FAILED_THEN_EXPIRED":
            await sim.record_attempt(order.order_id, "FAILED")
            await sim.expire_order(order.order_id)
    assert sim.webhook_log() == [], "every webhook was dropped"
    for order_id in orders:
        assert (await world.stored(order_id)).status is OrderStatus.ACTIVE
    world.clock.advance(minutes=5)

    first = await world.reconcile().run()

    assert first.checked == 50 and first.failed == 0
    for order_id, fate in orders.items():
        stored = await world.stored(order_id)
        gateway_order = await world.gateway.get_order(order_id)
        assert stored.status.value == gateway_order.status.value, (order_id, fate)
        assert {a.payment_id: a.status for a in stored.attempts} == {
            a.payment_id: a.status for a in await world.gateway.list_payments(order_id)
        }
        assert not stored.paid_after_close
    paid = [o for o, f in orders.items() if f in ("SUCCESS", "FAILED_THEN_SUCCESS")]
    for order_id in paid:
        async with world.units() as uow:
            grant = await uow.ledger.get(order_id)
        assert grant is not None and grant.amount == (await world.stored(order_id)).amount
    totals = await world.store.reports().ledger_totals()
    assert totals.entries == len(paid) == 16
    assert totals.amount == Decimal("499.00") * 16
    changed = {c.id: (c.before, c.after) for c in first.changes}
    untouched = [o for o, f in orders.items() if f == "OPEN"]
    assert set(changed) == set(orders) - set(untouched)
    assert changed[paid[0]] == ("ACTIVE/PENDING", "PAID")
    failed = next(o for o, f in orders.items() if f == "FAILED")
    assert changed[failed] == ("ACTIVE/PENDING", "ACTIVE/FAILED")
    expired = next(o for o, f in orders.items() if f == "EXPIRED")
    assert changed[expired] == ("ACTIVE/PENDING", "EXPIRED")

    world.clock.advance(minutes=1)
    second = await world.reconcile().run()

    assert second.changes == [] and second.failed == 0
    # paid, expired (no pending attempt) orders are final: only the rest is checked again
    still_open = [o for o, f in orders.items() if not f.endswith("SUCCESS") and "EXPIRED" not in f]
    assert second.checked == len(still_open)
    assert (await world.store.reports().ledger_totals()).entries == 16
    stats = await GetStatistics(world.store.reports()).execute()
    assert stats.total_payments == 16 and stats.paid_after_close == 0


async def test_a_success_after_expiry_pays_credits_once_and_is_flagged(world: World) -> None:
    order = await world.order("250.00")
    pending = await world.simulator.record_attempt(order.order_id, "PENDING")
    await world.simulator.expire_order(order.order_id)
    world.clock.advance(minutes=2)

    expiring = await world.reconcile().run()

    assert [(c.before, c.after) for c in expiring.changes] == [
        ("ACTIVE/PENDING", "EXPIRED/PENDING")
    ]
    assert (await world.stored(order.order_id)).status is OrderStatus.EXPIRED

    await world.simulator.record_attempt(
        order.order_id, "SUCCESS", cf_payment_id=pending["cf_payment_id"]
    )
    world.clock.advance(minutes=2)
    paying = await world.reconcile().run()

    assert [(c.before, c.after) for c in paying.changes] == [
        ("EXPIRED/PENDING", "PAID (after close)")
    ]
    paid = await world.stored(order.order_id)
    assert paid.status is OrderStatus.PAID and paid.paid_after_close
    assert [a.status for a in paid.attempts] == [AttemptStatus.SUCCESS]
    again = await world.reconcile().run()
    assert again.changes == [] and again.checked == 0
    totals = await world.store.reports().ledger_totals()
    assert totals.entries == 1 and totals.amount == Decimal("250.00")
    stats = await GetStatistics(world.store.reports()).execute()
    assert stats.paid_after_close == 1


async def test_a_run_is_bounded_and_takes_the_oldest_first(world: World) -> None:
    ids = []
    for _ in range(5):
        ids.append((await world.order()).order_id)
        world.clock.advance(seconds=1)
    reconcile = world.reconcile(batch=2)
    world.clock.advance(minutes=10)

    runs = [await reconcile.run() for _ in range(3)]

    assert [r.checked for r in runs] == [2, 2, 1]
    for order_id in ids[:2]:
        await world.simulator.record_attempt(order_id, "SUCCESS")
    backed_off = await reconcile.run()
    assert backed_off.checked == 0, "checked a moment ago: each waits a tenth of its age"
    world.clock.advance(minutes=2)
    due = await reconcile.run()
    assert due.checked == 2
    assert {c.id for c in due.changes} == set(ids[:2])
