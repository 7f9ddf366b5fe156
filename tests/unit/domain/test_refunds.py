"""Refunds: what remains refundable, settling, and the credit-reversal policy."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidField
from domain.money import Money
from domain.refunds import (
    Refund,
    RefundExceedsRemaining,
    RefundFailed,
    RefundReferenced,
    RefundRequested,
    RefundState,
    RefundSucceeded,
    check_reason,
    credits_taken,
    parse_refund_amount,
    remaining_refundable,
    reversal_credits,
)

from .factories import CUSTOMER_ID, T0

PAID = Money.of("499.00")


def request(refund_id: str, amount: str, refunds: list[Refund], paid: Money = PAID) -> Refund:
    return Refund.request(
        refund_id,
        "ORDER_1",
        CUSTOMER_ID,
        Money.of(amount),
        "customer asked",
        T0,
        paid=paid,
        refunds=refunds,
    )


def test_a_refund_starts_pending_and_says_so() -> None:
    refund = request("r1", "100.00", [])
    assert refund.state is RefundState.PENDING
    [event] = refund.pull_events()
    assert isinstance(event, RefundRequested) and event.amount == Money.of("100.00")


def test_pending_and_success_hold_money_failed_and_cancelled_do_not() -> None:
    refunds = [request(f"r{i}", "100.00", []) for i in range(4)]
    refunds[1].settle(RefundState.SUCCESS, T0)
    refunds[2].settle(RefundState.FAILED, T0)
    refunds[3].settle(RefundState.CANCELLED, T0)
    assert remaining_refundable(PAID, refunds) == Money.of("299.00")


def test_more_than_remains_is_refused_with_the_remaining_amount() -> None:
    first = request("r1", "400.00", [])
    with pytest.raises(RefundExceedsRemaining) as info:
        request("r2", "100.00", [first])
    assert info.value.remaining == Money.of("99.00")
    assert info.value.error.field == "amount"
    assert request("r3", "99.00", [first]).amount == Money.of("99.00")


@pytest.mark.parametrize("value", [None, 1.5, True, "0", "-1.00", "1.001", "abc", [1]])
def test_bad_amounts_are_refused(value: object) -> None:
    with pytest.raises(InvalidField):
        parse_refund_amount(value, PAID)


@pytest.mark.parametrize("value", ["\uff11\uff10", "\u0661\u0660", "1_0", "1e1", "0x1"])
def test_refund_amount_strings_must_be_plain_ascii_decimals(value: str) -> None:
    with pytest.raises(InvalidField):
        parse_refund_amount(value, PAID)


def test_amounts_below_the_payment_minimum_are_allowed() -> None:
    assert parse_refund_amount("0.01", PAID) == Money.of("0.01")
    assert parse_refund_amount(Decimal("499"), PAID) == PAID


@pytest.mark.parametrize("reason", ["", "ab", " x ", "x" * 101, None, 5])
def test_a_reason_has_three_to_a_hundred_characters(reason: object) -> None:
    with pytest.raises(InvalidField):
        check_reason(reason)


def test_final_states_never_move_and_repeats_change_nothing() -> None:
    refund = request("r1", "100.00", [])
    refund.pull_events()
    assert refund.settle(RefundState.PENDING, T0, "cf_1") is True  # learns the gateway id
    assert refund.settle(RefundState.PENDING, T0, "cf_1") is False
    assert refund.settle(RefundState.SUCCESS, T0 + timedelta(minutes=1)) is True
    assert refund.settle(RefundState.SUCCESS, T0 + timedelta(minutes=2)) is False
    assert refund.settle(RefundState.FAILED, T0 + timedelta(minutes=3)) is False
    assert refund.state is RefundState.SUCCESS and refund.gateway_refund_id == "cf_1"
    assert refund.updated_at == T0 + timedelta(minutes=1)
    [event] = refund.pull_events()
    assert isinstance(event, RefundSucceeded)


def test_a_refund_returned_with_its_banks_reference_says_it_in_its_event() -> None:
    refund = request("r1", "100.00", [])
    refund.pull_events()
    assert refund.settle(RefundState.SUCCESS, T0, "cf_1", "RF0000000002")
    [event] = refund.pull_events()
    assert isinstance(event, RefundSucceeded) and event.arn == "RF0000000002"


def test_a_final_refund_still_learns_the_banks_reference_once() -> None:
    refund = request("r1", "100.00", [])
    assert refund.settle(RefundState.SUCCESS, T0, "cf_1") is True
    refund.pull_events()
    later = T0 + timedelta(hours=1)
    assert refund.settle(RefundState.SUCCESS, later, "cf_1", "RF0000000001") is True
    assert refund.settle(RefundState.SUCCESS, later + timedelta(hours=1), "cf_1", "RF9") is False
    assert refund.arn == "RF0000000001" and refund.updated_at == later
    [event] = refund.pull_events()
    assert isinstance(event, RefundReferenced), "the reference alone is no new outcome"
    assert (event.arn, event.state, event.at) == ("RF0000000001", "SUCCESS", later)


def test_a_reference_filled_in_quietly_is_recorded_without_an_event() -> None:
    refund = request("r1", "100.00", [])
    refund.settle(RefundState.SUCCESS, T0, "cf_1")
    refund.pull_events()
    assert refund.settle(RefundState.SUCCESS, T0, "cf_1", "RF5", announce_reference=False)
    assert refund.arn == "RF5" and refund.pull_events() == []


def test_a_reference_that_comes_before_the_outcome_waits_for_it() -> None:
    refund = request("r1", "100.00", [])
    refund.pull_events()
    assert refund.settle(RefundState.PENDING, T0, "cf_1", "RF0000000003") is True
    assert refund.pull_events() == []
    refund.settle(RefundState.SUCCESS, T0 + timedelta(minutes=1))
    [event] = refund.pull_events()
    assert isinstance(event, RefundSucceeded) and event.arn == "RF0000000003"


def test_a_failed_refund_learns_a_reference_without_telling_anyone() -> None:
    refund = request("r1", "100.00", [])
    refund.settle(RefundState.FAILED, T0, "cf_1")
    refund.pull_events()
    assert refund.settle(RefundState.FAILED, T0, "cf_1", "RF0000000004") is True
    assert refund.pull_events() == []


def test_a_failed_refund_records_a_failure_event() -> None:
    refund = request("r1", "100.00", [])
    refund.pull_events()
    refund.settle(RefundState.CANCELLED, T0)
    [event] = refund.pull_events()
    assert isinstance(event, RefundFailed) and event.state == "CANCELLED"


def test_gateway_onhold_is_pending() -> None:
    assert RefundState.from_gateway("ONHOLD") is RefundState.PENDING
    assert RefundState.from_gateway("success") is RefundState.SUCCESS
    with pytest.raises(InvalidField):
        RefundState.from_gateway("WHATEVER")


def test_partial_reversals_round_down_and_a_full_refund_takes_the_rest() -> None:
    first = request("r1", "166.33", [])
    first.settle(RefundState.SUCCESS, T0)
    assert reversal_credits(3, PAID, [], first, balance=10) == 0  # 3 * 166.33 / 499 = 0.99
    second = request("r2", "166.33", [first])
    second.settle(RefundState.SUCCESS, T0)
    assert reversal_credits(3, PAID, [first], second, balance=10) == 1  # 1.99 in all
    third = request("r3", "166.34", [first, second])
    third.settle(RefundState.SUCCESS, T0)
    assert reversal_credits(3, PAID, [first, second], third, balance=10) == 2
    assert credits_taken(3, PAID, [first, second, third]) == 3


def test_a_reversal_never_takes_the_balance_below_zero() -> None:
    full = request("r1", "499.00", [])
    full.settle(RefundState.SUCCESS, T0)
    assert reversal_credits(10, PAID, [], full, balance=4) == 4
    assert reversal_credits(10, PAID, [], full, balance=0) == 0


amounts = st.integers(min_value=1, max_value=100_000).map(lambda p: Money.of(Decimal(p) / 100))
outcomes = st.sampled_from(list(RefundState))


@given(
    paid_paise=st.integers(min_value=100, max_value=1_000_000),
    asks=st.lists(st.tuples(amounts, outcomes), max_size=25),
)
def test_refunds_that_hold_money_never_exceed_the_amount_paid(
    paid_paise: int, asks: list[tuple[Money, RefundState]]
) -> None:
    paid = Money.of(Decimal(paid_paise) / 100)
    refunds: list[Refund] = []
    for index, (amount, outcome) in enumerate(asks):
        try:
            refund = Refund.request(
                f"r{index}",
                "ORDER_1",
                CUSTOMER_ID,
                amount,
                "because",
                T0,
                paid=paid,
                refunds=refunds,
            )
        except RefundExceedsRemaining:
            continue
        refund.settle(outcome, T0)
        refunds.append(refund)
        held = sum((r.amount.amount for r in refunds if r.state.holds_money), Decimal(0))
        assert held <= paid.amount
        assert remaining_refundable(paid, refunds).amount == paid.amount - held


@given(
    granted=st.integers(min_value=0, max_value=1000),
    spent=st.integers(min_value=0, max_value=1000),
    paid_paise=st.integers(min_value=100, max_value=1_000_000),
    shares=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=10),
)
def test_reversals_never_take_credits_below_zero_nor_more_than_granted(
    granted: int, spent: int, paid_paise: int, shares: list[int]
) -> None:
    paid = Money.of(Decimal(paid_paise) / 100)
    balance = max(0, granted - spent)
    refunds: list[Refund] = []
    reversed_total = 0
    for index, share in enumerate(shares):
        remaining = remaining_refundable(paid, refunds)
        if remaining.amount <= 0:
            break
        amount = Money.quantize(remaining.amount * share / 100, "ROUND_DOWN")
        if amount <= 0:
            continue
        refund = Refund.request(
            f"r{index}",
            "ORDER_1",
            CUSTOMER_ID,
            Money.of(amount),
            "because",
            T0,
            paid=paid,
            refunds=refunds,
        )
        refund.settle(RefundState.SUCCESS, T0)
        taken = reversal_credits(granted, paid, refunds, refund, balance)
        refunds.append(refund)
        assert taken >= 0
        balance -= taken
        reversed_total += taken
        assert balance >= 0
    assert reversed_total <= granted
    if spent == 0 and remaining_refundable(paid, refunds).amount == 0:
        assert reversed_total == granted
