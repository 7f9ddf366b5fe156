"""Refunds the webhook never settled: the reconciler asks the gateway's refund list and
settles them through ApplyRefundState, reversing the order's credit once (a full refund of
a free-amount order takes back its one credit)."""

from __future__ import annotations

from decimal import Decimal

from application.use_cases.refunds import RefundOrder
from domain.refunds import RefundState

from .conftest import World


async def test_a_refund_whose_webhook_was_dropped_is_settled_by_one_run(world: World) -> None:
    order = await world.order("400.00")
    await world.simulator.record_attempt(order.order_id, "SUCCESS")
    await world.confirm.execute(order.order_id)
    refund = await RefundOrder(world.units, world.gateway, world.clock).execute(
        order.order_id, "rf_full", "400.00", "customer asked"
    )
    assert refund.state is RefundState.PENDING, "the simulator's SUCCESS webhook was dropped"
    world.clock.advance(minutes=1)

    without = await world.reconcile(refunds=False).run()
    assert without.checked == 0 and without.changes == []

    run = await world.reconcile().run()

    assert (run.checked, run.failed) == (1, 0)
    assert [(c.kind, c.id, c.before, c.after) for c in run.changes] == [
        ("refund", "rf_full", "PENDING", "SUCCESS")
    ]
    settled = await world.store.reports().refunds_of(order.order_id)
    assert [r.state for r in settled] == [RefundState.SUCCESS]
    assert settled[0].gateway_refund_id
    totals = await world.store.reports().refund_totals()
    assert (totals.count, totals.amount) == (1, Decimal("400.00"))
    statement = await world.store.reports().statement(order.customer_id, 100)
    reversals = [line for line in statement if line.credits < 0]
    assert [(line.refund_id, line.credits) for line in reversals] == [("rf_full", -1)]

    again = await world.reconcile().run()
    assert again.checked == 0 and again.changes == []
    assert (
        len(
            [
                line
                for line in await world.store.reports().statement(order.customer_id, 100)
                if line.credits < 0
            ]
        )
        == 1
    )
