"""The references' backfill on every store against the simulator: payments and refunds
settled before references were kept learn the gateway's UTR and ARN, once, and nothing is
credited, reversed or announced again."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from adapters.gateway.fake_gateway import FakeGateway
from application.errors import GatewayUnavailable
from application.ports import PaymentGateway
from application.use_cases.backfill_references import BackfillReferences
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.refunds import ApplyRefundState, RefundOrder
from domain.order import AttemptStatus, PaymentAttempt
from domain.refunds import RefundState

from .conftest import World


def backfill(
    world: World, gateway: PaymentGateway | None = None, page: int = 100
) -> BackfillReferences:
    used = gateway or world.gateway
    return BackfillReferences(
        world.store.reports(),
        used,
        world.clock,
        ConfirmPayment(world.units, used, world.clock),
        ApplyRefundState(world.units, world.clock),
        page=page,
    )


async def paid_without_reference(world: World, amount: str = "499.00") -> str:
    """Paid as a version before 0004 recorded it: the attempt without the bank's UTR."""
    order = await world.order(amount)
    await world.simulator.record_attempt(order.order_id, "SUCCESS")
    reported = await world.gateway.list_payments(order.order_id)
    assert all(a.bank_reference for a in reported), "the simulator gives every payment one"
    await world.confirm.apply(order.order_id, [replace(a, bank_reference="") for a in reported])
    return order.order_id


def success(attempts: list[PaymentAttempt]) -> PaymentAttempt:
    [paid] = [a for a in attempts if a.status is AttemptStatus.SUCCESS]
    return paid


async def test_payments_learn_their_references_once_without_a_second_credit(
    world: World,
) -> None:
    first = await paid_without_reference(world)
    second = await paid_without_reference(world, "250.00")
    referenced = await world.order()
    await world.simulator.record_attempt(referenced.order_id, "SUCCESS")
    await world.confirm.execute(referenced.order_id)
    published = len(world.publisher.events)
    world.clock.advance(days=400)

    run = await backfill(world, page=1).execute()

    assert (run.payments_asked, run.payments_filled, run.failed) == (2, 2, 0)
    assert (run.refunds_asked, run.refunds_filled) == (0, 0)
    for order_id in (first, second):
        stored = await world.stored(order_id)
        listed = await world.gateway.list_payments(order_id)
        assert success(stored.attempts).bank_reference == success(listed).bank_reference
        statement = await world.store.reports().statement(stored.customer_id, 100)
        assert [line.order_id for line in statement].count(order_id) == 1, "one grant"
    assert len(world.publisher.events) == published, "nothing announced"
    found = await world.store.reports().find_orders(
        success((await world.stored(first)).attempts).bank_reference, 10
    )
    assert [o.order_id for o in found] == [first]

    again = await backfill(world).execute()
    assert (again.payments_asked, again.refunds_asked) == (0, 0)


async def test_refunds_learn_their_arn_and_reverse_once(world: World) -> None:
    order_id = await paid_without_reference(world, "400.00")
    refund = await RefundOrder(world.units, world.gateway, world.clock).execute(
        order_id, "rf_old", "400.00", "customer asked"
    )
    assert refund.state is RefundState.PENDING, "the simulator's webhook was dropped"
    [listed] = await world.gateway.list_refunds(order_id)
    settled = await ApplyRefundState(world.units, world.clock).execute(
        order_id, "rf_old", RefundState.SUCCESS, listed.gateway_refund_id
    )
    assert settled.arn == "", "settled as a version before 0005 did"
    customer_id = settled.customer_id
    before = await world.store.reports().statement(customer_id, 100)
    inbox = await world.store.reports().notifications_of(customer_id, 100)
    published = len(world.publisher.events)

    run = await backfill(world).execute()

    assert (run.refunds_asked, run.refunds_filled, run.failed) == (1, 1, 0)
    assert (run.payments_asked, run.payments_filled) == (1, 1)
    [stored] = await world.store.reports().refunds_of(order_id)
    assert stored.arn == listed.arn and stored.arn.startswith("RF")
    assert stored.state is RefundState.SUCCESS
    assert await world.store.reports().statement(customer_id, 100) == before
    assert len(world.publisher.events) == published, "nothing announced"
    assert await world.store.reports().notifications_of(customer_id, 100) == inbox
    found = await world.store.reports().find_orders(stored.arn, 10)
    assert [o.order_id for o in found] == [order_id]
    assert (await backfill(world).execute()).refunds_asked == 0


async def test_a_limit_bounds_a_run_and_the_next_run_goes_on(world: World) -> None:
    orders = [await paid_without_reference(world) for _ in range(3)]

    first = await backfill(world, page=2).execute(limit=2)
    rest = await backfill(world, page=2).execute(limit=2)

    assert (first.payments_asked, first.payments_filled) == (2, 2)
    assert (rest.payments_asked, rest.payments_filled) == (1, 1)
    for order_id in orders:
        assert not (await world.stored(order_id)).lacks_bank_reference


class FailingFor(FakeGateway):
    """The simulator's gateway, unavailable for one order's payments."""

    def __init__(self, world: World, order_id: str) -> None:
        super().__init__(world.simulator)
        self.failing = order_id

    async def list_payments(self, order_id: str) -> list[PaymentAttempt]:
        if order_id == self.failing:
            raise GatewayUnavailable("connection reset")
        return await super().list_payments(order_id)


async def test_a_failing_check_is_counted_and_the_others_go_on(world: World) -> None:
    broken = await paid_without_reference(world)
    fine = await paid_without_reference(world)

    run = await backfill(world, FailingFor(world, broken)).execute()

    assert (run.payments_asked, run.payments_filled, run.failed) == (2, 1, 1)
    assert (await world.stored(broken)).lacks_bank_reference
    assert not (await world.stored(fine)).lacks_bank_reference
    assert (await backfill(world).execute()).payments_filled == 1


async def test_a_backfill_racing_the_payments_own_reports_credits_once(world: World) -> None:
    orders = [await paid_without_reference(world) for _ in range(4)]
    reported = [await world.gateway.list_payments(order_id) for order_id in orders]

    run, *_ = await asyncio.gather(
        backfill(world, page=2).execute(),
        *(world.confirm.apply(o, payments) for o, payments in zip(orders, reported, strict=True)),
        *(world.confirm.execute(order_id) for order_id in orders),
    )

    assert run.failed == 0 and run.payments_asked <= 4
    for order_id, payments in zip(orders, reported, strict=True):
        stored = await world.stored(order_id)
        assert success(stored.attempts).bank_reference == success(payments).bank_reference
        statement = await world.store.reports().statement(stored.customer_id, 100)
        assert [line.order_id for line in statement].count(order_id) == 1, "one grant"
