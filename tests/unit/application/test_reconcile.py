"""Reconcile and the Reconciler on fakes: orders CreatePayment never finished, gateway
errors, and the background loop's lifecycle."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from adapters.store.memory import MemoryStore
from application.errors import GatewayNotFound, GatewayUnavailable, GatewayValidationError
from application.ports import GatewayOrder, GatewayOrderStatus, GatewayRefund, RefundStatus
from application.reconciler import Reconciler
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.confirm_payment import ConfirmPayment
from application.use_cases.reconcile import Reconcile, ReconcileRun
from domain.money import Money
from domain.order import AttemptStatus, Order, OrderStatus
from domain.refunds import Refund, RefundState

from ..domain.factories import T0, attempt, order
from .fakes import FixedClock, ScriptedGateway


class Gateway(ScriptedGateway):
    """Unknown orders are the gateway's 404; `down` makes every read unavailable; only
    an ACTIVE order can be terminated (`terminate_down`: the call fails)."""

    down = False
    terminate_down = False

    async def get_order(self, order_id: str) -> GatewayOrder:
        if self.down:
            raise GatewayUnavailable("down")
        if order_id not in self.orders:
            raise GatewayNotFound("order not found")
        return await super().get_order(order_id)

    async def terminate_order(self, order_id: str) -> GatewayOrder:
        self.calls.append("terminate_order")
        if self.terminate_down:
            raise GatewayUnavailable("down")
        held = self.orders[order_id]
        if held.status is not GatewayOrderStatus.ACTIVE:
            raise GatewayValidationError("only an ACTIVE order can be terminated")
        self.orders[order_id] = replace(held, status=GatewayOrderStatus.TERMINATED)
        return self.orders[order_id]


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


def reconcile(
    units: UnitOfWorkFactory, store: MemoryStore, gateway: Gateway, clock: FixedClock
) -> Reconcile:
    return Reconcile(units, store.reports(), gateway, clock, ConfirmPayment(units, gateway, clock))


async def add(units: UnitOfWorkFactory, new: Order) -> None:
    async with units() as uow:
        await uow.orders.add(new)
        await uow.commit()


async def stored(units: UnitOfWorkFactory, order_id: str) -> Order:
    async with units() as uow:
        found = await uow.orders.get(order_id)
    assert found is not None
    return found


async def test_a_created_order_unknown_to_the_gateway_failed_to_be_created(
    units: UnitOfWorkFactory, store: MemoryStore, gateway: Gateway, clock: FixedClock
) -> None:
    await add(units, order(order_id="ORDER_LOST"))
    use_case = reconcile(units, store, gateway, clock)

    young = await use_case.run()
    assert young.checked == 0, "CreatePayment may still be finishing it"

    clock.advance(61)
    run = await use_case.run()

    assert run.checked == 1
    assert [(c.kind, c.id, c.before, c.after) for c in run.changes] == [
        ("order", "ORDER_LOST", "CREATED", "FAILED_TO_CREATE")
    ]
    assert (await stored(units, "ORDER_LOST")).status is OrderStatus.FAILED_TO_CREATE


async def test_a_created_order_the_gateway_knows_is_activated_and_confirmed(
    units: UnitOfWorkFactory, store: MemoryStore, gateway: Gateway, clock: FixedClock
) -> None:
    await add(units, order(order_id="ORDER_HALF"))
    gateway.orders["ORDER_HALF"] = GatewayOrder(
        "ORDER_HALF", "cf_half", GatewayOrderStatus.PAID, "session_half", order().amount
    )
    gateway.payments["ORDER_HALF"] = [attempt(AttemptStatus.SUCCESS)]
    clock.advance(120)

    run = await reconcile(units, store, gateway, clock).run()

    assert [(c.before, c.after) for c in run.changes] == [("CREATED", "PAID")]
    paid = await stored(units, "ORDER_HALF")
    assert paid.gateway_order_id == "cf_half" and paid.payment_session_id == "session_half"
    assert (await store.reports().ledger_totals()).entries == 1


def held(order_id: str, status: GatewayOrderStatus) -> GatewayOrder:
    return GatewayOrder(order_id, f"cf_{order_id}", status, f"session_{order_id}", order().amount)


async def test_an_orphan_still_open_at_the_gateway_is_terminated_there(
    units: UnitOfWorkFactory, store: MemoryStore, gateway: Gateway, clock: FixedClock
) -> None:
    """Its create-order answer was lost: nobody holds its session, nobody may pay it."""
    await add(units, order(order_id="ORDER_ORPHAN"))
    gateway.orders["ORDER_ORPHAN"] = held("ORDER_ORPHAN", GatewayOrderStatus.ACTIVE)
    gateway.payments["ORDER_ORPHAN"] = []
    clock.advance(120)

    run = await reconcile(units, store, gateway, clock).run()

    assert gateway.orders["ORDER_ORPHAN"].status is GatewayOrderStatus.TERMINATED
    assert [(c.before, c.after) for c in run.changes] == [("CREATED", "TERMINATED")]
    ended = await stored(units, "ORDER_ORPHAN")
    assert ended.status is OrderStatus.TERMINATED and ended.gateway_order_id == "cf_ORDER_ORPHAN"


async def test_an_orphan_that_could_not_be_terminated_stays_created_for_the_next_run(
    units: UnitOfWorkFactory, store: MemoryStore, gateway: Gateway, clock: FixedClock
) -> None:
    await add(units, order(order_id="ORDER_ORPHAN"))
    gateway.orders["ORDER_ORPHAN"] = held("ORDER_ORPHAN", GatewayOrderStatus.ACTIVE)
    gateway.payments["ORDER_ORPHAN"] = []
    clock.advance(120)
    gateway.terminate_down = True
    use_case = reconcile(units, store, gateway, clock)

    failed = await use_case.run()
    assert (failed.failed, failed.changes) == (1, [])
    assert (await stored(units, "ORDER_ORPHAN")).status is OrderStatus.CREATED

    gateway.terminate_down = False
    clock.advance(3600)
    retried = await use_case.run()
    assert [(c.before, c.after) for c in retried.changes] == [("CREATED", "TERMINATED")]


async def test_an_orphan_paid_while_being_terminated_is_paid(
    units: UnitOfWorkFactory, store: MemoryStore, gateway: Gateway, clock: FixedClock
) -> None:
    """The gateway read ACTIVE, then a payment landed before the termination: the
    termination is refused and the payment wins."""
    await add(units, order(order_id="ORDER_ORPHAN"))
    gateway.orders["ORDER_ORPHAN"] = held("ORDER_ORPHAN", GatewayOrderStatus.ACTIVE)
    gateway.payments["ORDER_ORPHAN"] = [attempt(AttemptStatus.SUCCESS)]
    real_terminate = gateway.terminate_order

    async def paid_first(order_id: str) -> GatewayOrder:
        gateway.orders[order_id] = held(order_id, GatewayOrderStatus.PAID)
        return await real_terminate(order_id)

    gateway.terminate_order = paid_first  # type: ignore[method-assign]
    clock.advance(120)

    run = await reconcile(units, store, gateway, clock).run()

    assert [(c.before, c.after) for c in run.changes] == [("CREATED", "PAID")]
    assert (await store.reports().ledger_totals()).entries == 1


async def test_gateway_errors_are_counted_and_retried_next_run(
    units: UnitOfWorkFactory, store: MemoryStore, gateway: Gateway, clock: FixedClock
) -> None:
    await add(units, order(order_id="ORDER_X"))
    clock.advance(120)
    gateway.down = True
    use_case = reconcile(units, store, gateway, clock)

    failed = await use_case.run()
    assert (failed.checked, failed.failed, failed.changes) == (1, 1, [])

    gateway.down = False
    retried = await use_case.run()
    assert (retried.checked, retried.failed, len(retried.changes)) == (1, 0, 1)


def test_a_batch_below_one_is_refused(
    units: UnitOfWorkFactory, store: MemoryStore, gateway: Gateway, clock: FixedClock
) -> None:
    with pytest.raises(ValueError, match="batch"):
        Reconcile(
            units, store.reports(), gateway, clock, ConfirmPayment(units, gateway, clock), batch=0
        )


class CountingReconcile:
    def __init__(self) -> None:
        self.runs = 0

    async def run(self) -> ReconcileRun:
        self.runs += 1
        if self.runs == 2:
            raise RuntimeError("a bad run")
        return ReconcileRun(T0, T0, self.runs, [])


async def test_the_reconciler_waits_an_interval_runs_survives_a_failure_and_stops() -> None:
    counting = CountingReconcile()
    waits: list[float] = []
    ticks = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > 3:
            ticks.set()
            await asyncio.Event().wait()
        await asyncio.sleep(0)

    reconciler = Reconciler(counting, 60.0, sleep=sleep)  # type: ignore[arg-type]
    assert reconciler.last_run is None
    await reconciler.start()
    await reconciler.start()
    await asyncio.wait_for(ticks.wait(), 1)

    assert reconciler.running
    assert counting.runs == 3 and waits == [60.0] * 4
    assert reconciler.last_run is not None and reconciler.last_run.checked == 3
    await reconciler.aclose()
    assert not reconciler.running
    await reconciler.aclose()


def test_the_reconciler_refuses_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="interval"):
        Reconciler(CountingReconcile(), 0)  # type: ignore[arg-type]


class RefundReports:
    """Open orders from the store; pending refunds from the test."""

    def __init__(self, store: MemoryStore, refunds: list[Refund]) -> None:
        self._store = store
        self.refunds = refunds

    async def open_orders(self, limit: int) -> list[Order]:
        return await self._store.reports().open_orders(limit)

    async def pending_refunds(self, limit: int) -> list[Refund]:
        """Copies, as a store's report returns."""
        return [replace(r) for r in self.refunds if r.state is RefundState.PENDING][:limit]


class Applier:
    """ApplyRefundState's part: settle the refund it holds, as the use case would."""

    def __init__(self, refunds: list[Refund], clock: FixedClock) -> None:
        self.refunds = {r.refund_id: r for r in refunds}
        self.clock = clock
        self.calls: list[tuple[str, RefundState, str | None]] = []

    async def execute(
        self,
        order_id: str,
        refund_id: str,
        state: RefundState,
        gateway_refund_id: str | None = None,
        arn: str = "",
    ) -> Refund:
        self.calls.append((refund_id, state, gateway_refund_id))
        refund = self.refunds[refund_id]
        if refund.settle(state, self.clock.now(), gateway_refund_id, arn):
            refund.version += 1
        return replace(refund)


class RefundGateway(Gateway):
    def __init__(self) -> None:
        super().__init__()
        self.refunds: dict[str, list[GatewayRefund]] = {}
        self.created: list[str] = []

    async def list_refunds(self, order_id: str) -> list[GatewayRefund]:
        self.calls.append("list_refunds")
        return list(self.refunds.get(order_id, []))

    async def create_refund(
        self, order_id: str, refund_id: str, amount: Money, note: str
    ) -> GatewayRefund:
        self.created.append(refund_id)
        if note == "refuse":
            raise GatewayValidationError("refund_amount : exceeds")
        return GatewayRefund(order_id, refund_id, f"cf_{refund_id}", amount, RefundStatus.PENDING)


def pending(refund_id: str, order_id: str = "ORDER_R", reason: str = "customer asked") -> Refund:
    return Refund.request(
        refund_id, order_id, "cus_1", Money.of("100.00"), reason, T0, paid=Money.of("499.00")
    )


async def test_pending_refunds_take_the_gateways_state_through_apply_refund_state(
    units: UnitOfWorkFactory, store: MemoryStore, clock: FixedClock
) -> None:
    gateway = RefundGateway()
    refunds = [
        pending("rf_done"),
        pending("rf_cancelled"),
        pending("rf_waiting"),
        pending("rf_lost"),
        pending("rf_refused", reason="refuse"),
    ]
    money = Money.of("100.00")
    gateway.refunds["ORDER_R"] = [
        GatewayRefund("ORDER_R", "rf_done", "cf_1", money, RefundStatus.SUCCESS, arn="RF001"),
        GatewayRefund("ORDER_R", "rf_cancelled", "cf_2", money, RefundStatus.CANCELLED),
        GatewayRefund("ORDER_R", "rf_waiting", "cf_3", money, RefundStatus.ONHOLD),
    ]
    applier = Applier(refunds, clock)
    use_case = Reconcile(
        units,
        RefundReports(store, refunds),  # type: ignore[arg-type]
        gateway,
        clock,
        ConfirmPayment(units, gateway, clock),
        applier,
    )
    clock.advance(60)

    run = await use_case.run()

    assert run.checked == 5 and run.failed == 0
    assert [(c.kind, c.id, c.before, c.after) for c in run.changes] == [
        ("refund", "rf_done", "PENDING", "SUCCESS"),
        ("refund", "rf_cancelled", "PENDING", "CANCELLED"),
        ("refund", "rf_refused", "PENDING", "FAILED"),
    ]
    assert gateway.created == ["rf_lost", "rf_refused"], "sent again: never received"
    assert gateway.calls.count("list_refunds") == 1, "one list per order and run"
    assert applier.refunds["rf_lost"].gateway_refund_id == "cf_rf_lost"
    assert applier.refunds["rf_done"].arn == "RF001", "the bank's reference is kept"

    clock.advance(3600)
    again = await use_case.run()
    assert again.checked == 2 and again.changes == []


async def test_without_the_refunds_use_case_only_orders_are_reconciled(
    units: UnitOfWorkFactory, store: MemoryStore, clock: FixedClock
) -> None:
    gateway = RefundGateway()
    use_case = Reconcile(
        units,
        RefundReports(store, [pending("rf_1")]),  # type: ignore[arg-type]
        gateway,
        clock,
        ConfirmPayment(units, gateway, clock),
    )
    run = await use_case.run()
    assert run.checked == 0 and gateway.calls == []
