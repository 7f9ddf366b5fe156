"""The canonical form and the table checksums that prove a copy."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from application.store_digest import StoreDigest, TableDigest, canonical
from application.store_transfer import RecordKind
from domain.customer import Customer
from domain.events import OrderCreated
from domain.money import Money
from domain.order import AttemptStatus, Order, PaymentAttempt

T0 = datetime(2026, 5, 1, 10, 0, 0, 5, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))


def order(amount: str = "1234.50", order_id: str = "ORDER_1") -> Order:
    created = Order.create(
        order_id,
        Money.of(amount),
        Customer("Ananya", "ananya@example.com", "9876543210"),
        T0,
        customer_id="cus_1",
    )
    created.activate("cf_1", "session_1", T0)
    created.record_attempt(
        PaymentAttempt("pay_1", AttemptStatus.FAILED, Money.of(amount), T0, "declined", "upi"), T0
    )
    return created


def test_the_canonical_form_has_sorted_keys_decimal_strings_and_utc_times() -> None:
    text = canonical(order())
    document = json.loads(text)
    assert list(document) == sorted(document)
    assert document["amount"] == {"amount": "1234.50", "currency": "INR"}
    assert document["created_at"] == "2026-05-01T10:00:00.000005+00:00"
    assert document["attempts"][0]["status"] == "FAILED"
    assert "events" not in document


def test_the_same_moment_in_another_timezone_and_pending_events_change_nothing() -> None:
    first, second = order(), order()
    second.created_at = T0.astimezone(IST)
    second.events.append(OrderCreated("ORDER_1", T0, second.amount))
    assert canonical(first) == canonical(second)


def test_a_checksum_ignores_the_order_records_come_in_but_not_their_content() -> None:
    a, b = TableDigest(), TableDigest()
    for line in ("x", "y", "z"):
        a.add(line)
    for line in ("z", "x", "y"):
        b.add(line)
    assert (a.count, a.checksum) == (b.count, b.checksum)
    b.add("w")
    assert b.checksum != a.checksum
    c = TableDigest()
    for line in ("x", "y", "Z"):
        c.add(line)
    assert c.count == a.count
    assert c.checksum != a.checksum


def test_an_order_counts_its_attempts_as_a_table_of_their_own() -> None:
    digest, changed = StoreDigest(), StoreDigest()
    digest.add(RecordKind.ORDERS, order())
    altered = order()
    altered.attempts[0] = replace(altered.attempts[0], message="other")
    changed.add(RecordKind.ORDERS, altered)
    assert digest.tables["payment_attempts"].count == 1
    assert digest.tables["payment_attempts"].checksum != changed.tables["payment_attempts"].checksum
    assert digest.tables["orders"].checksum != changed.tables["orders"].checksum
