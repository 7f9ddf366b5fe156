from dataclasses import FrozenInstanceError
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidField
from domain.money import Money
from domain.referrals import ReferralRecord, ReferralStatus, commission


def inr(value: str) -> Money:
    return Money.of(value)


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        ("499.00", "0.10", "49.90"),
        ("299.00", "0.15", "44.85"),
        ("0.05", "0.1", "0.01"),
        ("0.04", "0.1", "0.00"),
        ("10.01", "0.5", "5.01"),
        ("10.03", "0.5", "5.02"),
        ("2999.00", "0.125", "374.88"),
        ("2999.00", "0", "0.00"),
        ("2999.00", "1", "2999.00"),
        ("1.00", "0.333333", "0.33"),
        ("0.00", "0.5", "0.00"),
    ],
)
def test_commission_is_rounded_half_up_to_paise(amount: str, rate: str, expected: str) -> None:
    result = commission(inr(amount), Decimal(rate))
    assert result == inr(expected)
    assert result.amount.as_tuple().exponent == -2
    assert result.currency == "INR"


def test_commission_keeps_the_currency() -> None:
    assert commission(Money.of("10.00", "USD"), Decimal("0.1")) == Money.of("1.00", "USD")


@given(
    st.integers(min_value=0, max_value=50_000_000),
    st.decimals(min_value=0, max_value=1, places=6),
)
def test_commission_is_within_half_a_paisa_of_the_exact_share(paise: int, rate: Decimal) -> None:
    amount = Money.of(Decimal(paise) / 100)
    result = commission(amount, rate)
    exact = amount.amount * rate
    assert abs(result.amount - exact) <= Decimal("0.005")
    assert Decimal(0) <= result.amount <= amount.amount
    if result.amount < exact:
        assert exact - result.amount < Decimal("0.005")


@pytest.mark.parametrize(
    "rate",
    [Decimal("-0.01"), Decimal("1.0001"), Decimal("NaN"), Decimal("Infinity"), 0.1, True, 1, "0.1"],
)
def test_a_rate_outside_0_to_1_or_not_a_decimal_is_refused(rate: Any) -> None:
    with pytest.raises(InvalidField) as error:
        commission(inr("100.00"), rate)
    assert error.value.error.field == "rate"


def test_a_negative_amount_has_no_commission() -> None:
    with pytest.raises(InvalidField) as error:
        commission(inr("-1.00"), Decimal("0.1"))
    assert error.value.error.field == "amount"


def record() -> ReferralRecord:
    return ReferralRecord.earn("agent-1", "cust-1", "order-1", inr("499.00"), Decimal("0.10"))


def test_earning_records_the_commission_as_active() -> None:
    earned = record()
    assert earned == ReferralRecord(
        "agent-1", "cust-1", "order-1", inr("499.00"), inr("49.90"), ReferralStatus.ACTIVE
    )
    assert not earned.is_reversed


def test_reverse_marks_it_reversed_and_keeps_everything_else() -> None:
    earned = record()
    reversed_record = earned.reverse()
    assert reversed_record.status is ReferralStatus.REVERSED
    assert reversed_record.is_reversed
    assert reversed_record.commission == earned.commission
    assert reversed_record.order_id == earned.order_id
    assert not earned.is_reversed


def test_reversing_twice_changes_nothing() -> None:
    once = record().reverse()
    assert once.reverse() is once


def test_records_are_immutable() -> None:
    with pytest.raises(FrozenInstanceError):
        record().status = ReferralStatus.REVERSED  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"agent_id": ""}, "agent_id"),
        ({"customer_id": "  "}, "customer_id"),
        ({"order_id": ""}, "order_id"),
        ({"commission": Money.of("1.00", "USD")}, "commission"),
        ({"commission": inr("-0.01")}, "commission"),
        ({"commission": inr("499.01")}, "commission"),
        ({"status": "active"}, "status"),
    ],
)
def test_invalid_records_are_refused(overrides: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {
        "agent_id": "agent-1",
        "customer_id": "cust-1",
        "order_id": "order-1",
        "amount": inr("499.00"),
        "commission": inr("49.90"),
    }
    fields.update(overrides)
    with pytest.raises(InvalidField) as error:
        ReferralRecord(**fields)
    assert error.value.error.field == field
