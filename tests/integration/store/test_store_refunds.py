"""Refunds on every store: the repository contract, the reports, and the races the
order's version settles (one refund wins; one refund id is one refund)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.store.json_journal import JsonJournalStore
from application.errors import ConcurrencyConflict, DuplicateRefund
from application.ports import Store
from application.unit_of_work import UnitOfWorkFactory
from application.use_cases.refunds import ApplyRefundState, RefundOrder
from domain.money import Money
from domain.referrals import ReferralRecord, ReferralStatus
from domain.refunds import Refund, RefundExceedsRemaining, RefundState
from unit.application.fakes import FixedClock, RecordingPublisher, ScriptedGateway

from .builders import CUSTOMER_ID, REASON, at, credit, paid_order, refund


async def _paid(store: Store, order_id: str) -> None:
    order = paid_order(order_id)
    async with store.unit_of_work() as uow:
        await uow.orders.add(order)
        await uow.ledger.add(credit(order))
        await uow.commit()


async def test_refunds_are_added_read_and_saved_with_versions(store: Store) -> None:
    await _paid(store, "ORDER_R1")
    first = refund("refund_1", "ORDER_R1", "100.00", 10)
    async with store.unit_of_work() as uow:
        await uow.refunds.add(first)
        await uow.refunds.add(refund("refund_2", "ORDER_R1", "50.25", 11))
        await uow.commit()
    async with store.unit_of_work() as uow:
        with pytest.raises(DuplicateRefund):
            await uow.refunds.add(refund("refund_1", "ORDER_R1", "1.00", 12))
    async with store.unit_of_work() as uow:
        loaded = await uow.refunds.get("refund_1")
        assert loaded is not None
        assert (loaded.amount, loaded.reason, loaded.state, loaded.created_at) == (
            Money.of("100.00"),
            REASON,
            RefundState.PENDING,
            at(10),
        )
        assert [r.refund_id for r in await uow.refunds.for_order("ORDER_R1")] == [
            "refund_1",
            "refund_2",
        ]
        assert await uow.refunds.get("refund_nope") is None
        loaded.settle(RefundState.SUCCESS, at(20), "cf_1")
        await uow.refunds.save(loaded)
        await uow.commit()
    stale = first
    stale.settle(RefundState.FAILED, at(21))
    with pytest.raises(ConcurrencyConflict):
        async with store.unit_of_work() as uow:
            await uow.refunds.save(stale)
            await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.refunds.get("refund_1")
    assert stored is not None
    assert (stored.state, stored.gateway_refund_id, stored.updated_at, stored.version) == (
        RefundState.SUCCESS,
        "cf_1",
        at(20),
        1,
    )


async def test_refund_reports(store: Store) -> None:
    await _paid(store, "ORDER_A")
    await _paid(store, "ORDER_B")
    async with store.unit_of_work() as uow:
        for index, (order_id, amount) in enumerate(
            [("ORDER_A", "10.00"), ("ORDER_B", "20.10"), ("ORDER_A", "30.20"), ("ORDER_B", "1.01")]
        ):
            made = refund(f"refund_{index}", order_id, amount, 10 + index)
            if index % 2 == 0:
                made.settle(RefundState.SUCCESS, at(30))
            await uow.refunds.add(made)
        await uow.commit()
    reports = store.reports()
    assert [r.refund_id for r in await reports.refunds_of("ORDER_A")] == ["refund_0", "refund_2"]
    recent = await reports.recent_refunds(10)
    assert [r.refund_id for r in recent] == ["refund_3", "refund_2", "refund_1", "refund_0"]
    assert [r.refund_id for r in await reports.recent_refunds(2, 1)] == ["refund_2", "refund_1"]
    done = await reports.recent_refunds(10, 0, RefundState.SUCCESS)
    assert [r.refund_id for r in done] == ["refund_2", "refund_0"]
    assert [r.refund_id for r in await reports.pending_refunds(1)] == ["refund_1"]
    totals = await reports.refund_totals()
    assert (totals.count, totals.amount) == (2, Decimal("40.20"))
    assert recent[0].amount == Money.of("1.01")
    async with store.unit_of_work() as uow:  # a settlement moves it between the reports
        pending = await uow.refunds.get("refund_1")
        assert pending is not None
        pending.settle(RefundState.SUCCESS, at(40), "cf_9")
        await uow.refunds.save(pending)
        await uow.commit()
    assert [r.refund_id for r in await reports.pending_refunds(10)] == ["refund_3"]
    done = await reports.recent_refunds(10, 0, RefundState.SUCCESS)
    assert [r.refund_id for r in done] == ["refund_2", "refund_1", "refund_0"]
    assert [r.refund_id for r in await reports.recent_refunds(1, 1)] == ["refund_2"]
    totals = await reports.refund_totals()
    assert (totals.count, totals.amount) == (3, Decimal("60.30"))


async def test_a_referral_record_is_read_and_marked_reversed(store: Store) -> None:
    await _paid(store, "ORDER_REF")
    record = ReferralRecord.earn(
        "agent_1", CUSTOMER_ID, "ORDER_REF", Money.of("499.00"), Decimal("0.10")
    )
    async with store.unit_of_work() as uow:
        await uow.referrals.add(record)
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.referrals.get("ORDER_REF")
        assert loaded == record
        assert await uow.referrals.get("ORDER_NONE") is None
        await uow.referrals.save(record.reverse())
        await uow.commit()
    [stored] = await store.reports().referrals_of("agent_1")
    assert stored.status is ReferralStatus.REVERSED and stored.commission == Money.of("49.90")


def _refunds(store: Store) -> tuple[RefundOrder, ScriptedGateway]:
    gateway = ScriptedGateway()
    units = UnitOfWorkFactory(store, RecordingPublisher())
    return RefundOrder(units, gateway, FixedClock(at(30))), gateway


async def test_two_refunds_that_together_exceed_the_payment_one_wins(store: Store) -> None:
    await _paid(store, "ORDER_RACE")
    refunds, gateway = _refunds(store)
    outcomes = await asyncio.gather(
        refunds.execute("ORDER_RACE", "refund_x", "300.00", REASON),
        refunds.execute("ORDER_RACE", "refund_y", "300.00", REASON),
        return_exceptions=True,
    )
    won = [o for o in outcomes if isinstance(o, Refund)]
    lost = [o for o in outcomes if isinstance(o, RefundExceedsRemaining)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].remaining == Money.of("199.00")
    assert gateway.calls.count("create_refund") == 1
    stored = await store.reports().refunds_of("ORDER_RACE")
    assert [r.refund_id for r in stored] == [won[0].refund_id]


async def test_twenty_identical_refund_requests_make_one_refund(store: Store) -> None:
    await _paid(store, "ORDER_SAME")
    refunds, gateway = _refunds(store)
    outcomes = await asyncio.gather(
        *(refunds.execute("ORDER_SAME", "refund_same", "100.00", REASON) for _ in range(20))
    )
    assert {o.refund_id for o in outcomes} == {"refund_same"}
    assert gateway.calls.count("create_refund") == 1
    [stored] = await store.reports().refunds_of("ORDER_SAME")
    assert stored.state is RefundState.SUCCESS
    async with store.unit_of_work() as uow:
        assert await uow.ledger.balance(CUSTOMER_ID) == 1  # 1 * 100/499 rounds down to 0


async def test_racing_settlements_apply_the_policy_once(store: Store) -> None:
    await _paid(store, "ORDER_SETTLE")
    async with store.unit_of_work() as uow:
        await uow.refunds.add(refund("refund_s", "ORDER_SETTLE", "499.00", 10))
        await uow.commit()
    apply = ApplyRefundState(UnitOfWorkFactory(store, RecordingPublisher()), FixedClock(at(40)))
    await asyncio.gather(
        *(apply.execute("ORDER_SETTLE", "refund_s", RefundState.SUCCESS) for _ in range(20))
    )
    lines = await store.reports().statement(CUSTOMER_ID, 100)
    assert [(line.entry_id, line.credits) for line in lines if line.refund_id] == [
        ("rev_refund_s", -1)
    ]
    async with store.unit_of_work() as uow:
        assert await uow.ledger.balance(CUSTOMER_ID) == 0


async def test_the_json_store_keeps_refunds_across_reopen_and_compaction(tmp_path: Path) -> None:
    path = tmp_path / "credits.json"
    first = JsonJournalStore(path)
    await first.open()
    await _paid(first, "ORDER_J")
    async with first.unit_of_work() as uow:
        made = refund("refund_j", "ORDER_J", "12.34", 10)
        made.settle(RefundState.SUCCESS, at(11), "cf_j")
        await uow.refunds.add(made)
        await uow.commit()
    await first.close()
    for compact in (False, True):
        again = JsonJournalStore(path)
        await again.open()
        if compact:
            await again.compact()
            await again.close()
            again = JsonJournalStore(path)
            await again.open()
        [stored] = await again.reports().refunds_of("ORDER_J")
        assert (stored.amount, stored.state, stored.gateway_refund_id, stored.updated_at) == (
            Money.of("12.34"),
            RefundState.SUCCESS,
            "cf_j",
            at(11),
        )
        await again.close()


async def test_the_refunds_of_several_orders_are_read_together(store: Store) -> None:
    for order_id in ("ORDER_M1", "ORDER_M2", "ORDER_M3"):
        await _paid(store, order_id)
    async with store.unit_of_work() as uow:
        await uow.refunds.add(refund("refund_m2b", "ORDER_M2", "20.00", 12))
        await uow.refunds.add(refund("refund_m1", "ORDER_M1", "10.00", 11))
        await uow.refunds.add(refund("refund_m2a", "ORDER_M2", "30.00", 10))
        await uow.commit()
    reports = store.reports()

    found = await reports.refunds_of_orders(["ORDER_M1", "ORDER_M2", "ORDER_M3", "ORDER_NONE"])

    assert {order: [r.refund_id for r in refunds] for order, refunds in found.items()} == {
        "ORDER_M1": ["refund_m1"],
        "ORDER_M2": ["refund_m2a", "refund_m2b"],
    }
    assert found["ORDER_M2"] == await reports.refunds_of("ORDER_M2")
    assert await reports.refunds_of_orders([]) == {}
