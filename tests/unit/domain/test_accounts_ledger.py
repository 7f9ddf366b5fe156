"""Customer ids, profiles, purchases and the per-customer ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.accounts import CustomerProfile
from domain.customer import customer_id_for_email
from domain.errors import InsufficientCredits, InvalidField
from domain.ledger import (
    EntryKind,
    LedgerAdjustment,
    credit_for,
    statement,
    statement_page,
)
from domain.money import Money
from domain.order import AttemptStatus, Order
from domain.plans import Period, Plan, Purchase
from domain.subscriptions import Subscription

from .factories import T0, attempt, customer

MONTHLY = Plan(
    "premium-monthly",
    "Premium",
    Money.of("499.00"),
    period=Period.MONTHLY,
    kind="premium",
    credits=5,
)


def paid(purchase: Purchase | None = None, customer_id: str = "cus_a") -> Order:
    order = Order.create(
        "ORDER_1", Money.of("499.00"), customer(), T0, customer_id=customer_id, purchase=purchase
    )
    order.activate("cf_1", "session_1", T0)
    order.record_attempt(attempt(AttemptStatus.SUCCESS, "p1"), T0)
    return order


def test_customer_id_is_stable_across_case_and_spaces_and_hides_the_address() -> None:
    one = customer_id_for_email("Asha@Example.com")
    assert one == customer_id_for_email("  asha@example.com ")
    assert one.startswith("cus_") and len(one) == 36
    assert "asha" not in one
    assert one != customer_id_for_email("asha2@example.com")


def test_an_order_needs_a_customer_id_and_defaults_to_a_free_amount_purchase() -> None:
    order = Order.create("O", Money.of("10.00"), customer(), T0, customer_id="cus_a")
    assert order.customer_id == "cus_a"
    assert order.purchase == Purchase.free_amount() == Purchase(None, 1, None, None)
    with pytest.raises(InvalidField):
        Order.create("O", Money.of("10.00"), customer(), T0, customer_id="")


def test_a_purchase_copies_what_the_plan_grants() -> None:
    purchase = Purchase.of(MONTHLY)
    assert purchase == Purchase("premium-monthly", 5, Period.MONTHLY, "premium")
    credits_only = Plan("credits-10", "Ten", Money.of("99.00"), credits=10)
    assert Purchase.of(credits_only) == Purchase("credits-10", 10, None, None)
    with pytest.raises(InvalidField):
        Purchase("x", 0, Period.MONTHLY, None)
    with pytest.raises(InvalidField):
        Purchase(None, -1, None, None)


def test_the_grant_is_what_the_order_bought_for_its_customer() -> None:
    entry = credit_for(paid(Purchase.of(MONTHLY)), T0)
    assert (entry.credits, entry.customer_id) == (5, "cus_a")
    assert credit_for(paid(), T0).credits == 1
    period_only = Purchase("p", 0, Period.YEARLY, "p")
    assert credit_for(paid(period_only), T0).credits == 0


def test_a_subscription_activates_from_a_purchase_without_the_plan() -> None:
    subscription = Subscription.for_plan("cus_a", Purchase.of(MONTHLY))
    period = subscription.activate("ORDER_1", Purchase.of(MONTHLY), T0)
    assert period.ends_at == T0.replace(month=2)
    events = subscription.pull_events()
    assert len(events) == 1 and events[0].order_id == "ORDER_1"
    subscription.activate("ORDER_1", Purchase.of(MONTHLY), T0)
    assert subscription.pull_events() == []
    with pytest.raises(InvalidField):
        Subscription.for_plan("cus_a", Purchase.free_amount())


def test_profile_merge_keeps_the_first_agent_and_updates_contact_details() -> None:
    stored = CustomerProfile("cus_a", "Asha", "a@x.in", "9876543210", None, T0)
    later = CustomerProfile("cus_a", "Asha R", "a@x.in", "9876543211", "agent_1", T0 + timedelta(1))
    merged = stored.merged_with(later)
    assert (merged.name, merged.phone, merged.referral_agent, merged.created_at) == (
        "Asha R",
        "9876543211",
        "agent_1",
        T0,
    )
    other = CustomerProfile("cus_a", "Asha", "a@x.in", "9876543210", "agent_2", T0)
    assert merged.merged_with(other).referral_agent == "agent_1"
    with pytest.raises(InvalidField):
        CustomerProfile(" ", "Asha", "a@x.in", "9876543210", None, T0)


def test_statement_is_oldest_first_and_a_page_of_it_newest_first() -> None:
    grant = credit_for(paid(), T0 + timedelta(minutes=1))
    taken = LedgerAdjustment("ADJ_1", "cus_a", EntryKind.ADJUSTMENT, -1, T0 + timedelta(2), "fix")
    reversal = LedgerAdjustment(
        "REV_1", "cus_a", EntryKind.REVERSAL, -1, T0, order_id="ORDER_1", refund_id="R1"
    )
    lines = statement([grant], [taken, reversal])
    assert [line.entry_id for line in lines] == ["REV_1", "ORDER_1", "ADJ_1"]
    assert [line.kind for line in lines] == [
        EntryKind.REVERSAL,
        EntryKind.GRANT,
        EntryKind.ADJUSTMENT,
    ]
    page = statement_page([grant], [taken, reversal], limit=2, offset=1)
    assert [line.entry_id for line in page] == ["ORDER_1", "REV_1"]
    assert statement_page([grant], [taken, reversal], limit=2, offset=3) == []


@pytest.mark.parametrize(
    ("kind", "credits", "note", "refund_id"),
    [
        (EntryKind.GRANT, 1, "n", None),
        (EntryKind.ADJUSTMENT, 0, "n", None),
        (EntryKind.ADJUSTMENT, 1, "  ", None),
        (EntryKind.ADJUSTMENT, True, "n", None),
        (EntryKind.ADJUSTMENT, 1, "x" * 501, None),
        (EntryKind.REVERSAL, -1, "", None),
    ],
)
def test_an_adjustment_refuses_what_the_ledger_cannot_hold(
    kind: EntryKind, credits: int, note: str, refund_id: str | None
) -> None:
    with pytest.raises(InvalidField):
        LedgerAdjustment("E", "cus_a", kind, credits, T0, note, refund_id=refund_id)


def test_an_operator_cannot_take_the_balance_below_zero() -> None:
    entry = LedgerAdjustment.by_operator("E", "cus_a", -2, " goodwill ", T0, balance=2)
    assert (entry.credits, entry.note, entry.kind) == (-2, "goodwill", EntryKind.ADJUSTMENT)
    with pytest.raises(InsufficientCredits) as info:
        LedgerAdjustment.by_operator("E", "cus_a", -3, "too much", T0, balance=2)
    assert (info.value.balance, info.value.change) == (2, -3)
