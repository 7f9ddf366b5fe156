"""`import-seed`: the checkout seed's credits.json becomes this service's history, once.

The fixture is what the seed's creditManager.js writes (JSON.stringify of its document):
orders pending, paid by webhook and by a status poll, failed then paid, expired and
cancelled as a poll saw them, failed without a message, one customer typing their e-mail
two ways, a float amount with three places, a phone number edited by hand into one the
service refuses, and a payment whose order record is missing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from application.ports import Store
from application.seed_credits import SeedUnreadable
from application.store_transfer import RecordKind
from application.use_cases.import_seed import ImportSeedCredits
from domain.customer import PHONE_MESSAGE, customer_id_for_email
from domain.order import AttemptStatus, Order, OrderStatus

from ..stores import make_store
from .rich_data import contents

SEED = Path(__file__).with_name("fixtures") / "seed_credits.json"
PRIYA = customer_id_for_email("priya.sharma@example.com")


@pytest.fixture(params=["memory", "json", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened, drop = await make_store(request.param, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()
        await drop()


async def orders_of(store: Store) -> dict[str, Order]:
    found = [r async for b in store.transfer().batches(RecordKind.ORDERS, 100) for r in b]
    return {o.order_id: o for o in found if isinstance(o, Order)}


async def test_every_seed_record_maps_to_the_domain(store: Store) -> None:
    result = await ImportSeedCredits(store.transfer()).execute(SEED.read_bytes())

    assert result.inserted == {
        RecordKind.CUSTOMERS: 8,
        RecordKind.ORDERS: 9,
        RecordKind.GRANTS: 5,
    }
    orders = await orders_of(store)
    by_suffix = {order_id.rsplit("_", 1)[1]: order for order_id, order in orders.items()}
    assert {suffix: o.status for suffix, o in by_suffix.items()} == {
        "a1b2c3": OrderStatus.ACTIVE,
        "d4e5f6": OrderStatus.PAID,
        "g7h8i9": OrderStatus.PAID,
        "j1k2l3": OrderStatus.PAID,
        "m4n5o6": OrderStatus.EXPIRED,
        "p7q8r9": OrderStatus.TERMINATED,
        "s1t2u3": OrderStatus.ACTIVE,
        "y7z8a9": OrderStatus.PAID,
        "b1c2d3": OrderStatus.PAID,
    }
    assert by_suffix["g7h8i9"].amount.amount == Decimal("499.50")
    assert str(by_suffix["y7z8a9"].amount.amount) == "1.10"
    assert by_suffix["b1c2d3"].amount.amount == Decimal("150.00")
    assert by_suffix["y7z8a9"].customer_id == by_suffix["d4e5f6"].customer_id == PRIYA
    assert by_suffix["y7z8a9"].customer.name == "Priya Sharma"
    assert by_suffix["a1b2c3"].payment_session_id == "session_a1b2c3" + "x" * 24

    paid_twice_tried = by_suffix["j1k2l3"]
    assert [(a.status, a.message, a.method) for a in paid_twice_tried.attempts] == [
        (AttemptStatus.FAILED, "Insufficient balance in the account", ""),
        (AttemptStatus.SUCCESS, "", "card"),
    ]
    assert [a.payment_id for a in by_suffix["d4e5f6"].attempts] == ["5114910123456"]
    assert by_suffix["g7h8i9"].attempts[0].method == ""
    assert [a.message for a in by_suffix["m4n5o6"].attempts] == ["EXPIRED"]
    assert by_suffix["s1t2u3"].attempts[0].status is AttemptStatus.FAILED

    reports = store.reports()
    totals = await reports.ledger_totals()
    assert (totals.entries, totals.credits) == (5, 5)
    assert totals.amount == Decimal("299.00") + Decimal("499.50") + 1000 + Decimal("1.10") + 150
    assert sum(line.credits for line in await reports.statement(PRIYA, 100)) == 2
    assert len(await reports.failed_attempts(100)) == 4
    profile = await reports.customer(PRIYA)
    assert profile is not None and profile.email == "priya.sharma@example.com"

    assert [str(issue) for issue in result.skipped] == [
        "orders[7] (order ORDER_1733217000123_v4w5x6): customer details the service refuses "
        f"(phone: {PHONE_MESSAGE})",
        "failedPayments[4] (order ORDER_1733217000123_v4w5x6): its order record was skipped",
        "payments[5] (order ORDER_1733219999000_zz9y8x): no order record with this orderId",
    ]
    assert {issue.problem for issue in result.notes} == {"amount 149.999 rounded to 150.00"}
    assert (result.seed_total_credits, result.grants_mapped) == (6, 5)


async def test_no_payment_detail_or_personal_data_leaks_into_the_report_or_the_store(
    store: Store,
) -> None:
    result = await ImportSeedCredits(store.transfer()).execute(SEED.read_bytes())

    report = " ".join(str(issue) for issue in (*result.skipped, *result.notes))
    for personal in ("meera", "12345 ", "Unknown Person", "unknown@example.com"):
        assert personal not in report
    stored = json.dumps(await contents(store))
    for detail in ("okaxis", "XXXXXXXXXXXX1111", "HDFC", "CUST_"):
        assert detail not in stored


async def test_importing_again_adds_nothing(store: Store) -> None:
    use_case = ImportSeedCredits(store.transfer(), batch_size=3)
    await use_case.execute(SEED.read_bytes())
    before = await contents(store)

    again = await use_case.execute(SEED.read_bytes())

    assert sum(again.inserted.values()) == 0
    assert again.already_present == {
        RecordKind.CUSTOMERS: 8,
        RecordKind.ORDERS: 9,
        RecordKind.GRANTS: 5,
    }
    assert await contents(store) == before


async def test_a_file_that_is_not_the_seeds_is_refused_and_nothing_is_written(
    store: Store,
) -> None:
    for raw in (b"not json", b"[1, 2]", b'{"users": []}', b'{"orders": {"a": 1}}'):
        with pytest.raises(SeedUnreadable):
            await ImportSeedCredits(store.transfer()).execute(raw)
    assert await store.transfer().is_empty()
