from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidField
from domain.money import MAX_AMOUNT, MIN_AMOUNT, Money

cents = st.integers(min_value=100, max_value=50_000_000)


@given(cents)
def test_every_amount_in_range_with_two_places_is_accepted(value: int) -> None:
    text = f"{value // 100}.{value % 100:02d}"
    money = Money.parse(text)
    assert money.amount == Decimal(text)
    assert money.amount.as_tuple().exponent == -2
    assert money.currency == "INR"


@given(st.integers(min_value=1, max_value=500_000))
def test_whole_numbers_get_two_places(value: int) -> None:
    assert str(Money.parse(value).amount) == f"{value}.00"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2))
def test_out_of_range_amounts_are_refused(value: Decimal) -> None:
    if MIN_AMOUNT <= value <= MAX_AMOUNT:
        assert Money.parse(value).amount == value
    else:
        with pytest.raises(InvalidField):
            Money.parse(value)


@given(st.integers(min_value=1, max_value=9).map(lambda d: Decimal(f"10.00{d}")))
def test_more_than_two_places_is_refused(value: Decimal) -> None:
    with pytest.raises(InvalidField, match="2 decimal places"):
        Money.parse(value)


@pytest.mark.parametrize(
    "value",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "abc",
        "",
        "1e400000000",
        "-5",
        None,
        True,
        False,
        10.5,
        [],
        {},
    ],
)
def test_non_numbers_and_specials_are_refused(value: object) -> None:
    with pytest.raises(InvalidField):
        Money.parse(value)


def test_trailing_zeros_beyond_two_places_are_the_same_amount() -> None:
    assert Money.parse("10.500").amount == Decimal("10.50")


def test_currencies_must_match_to_add() -> None:
    with pytest.raises(ValueError):
        Money.of("1.00") + Money.of("1.00", "USD")
    assert (Money.of("1.10") + Money.of("2.20")).amount == Decimal("3.30")
