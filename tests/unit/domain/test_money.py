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


@pytest.mark.parametrize(
    "typed",
    [
        "\uff11\uff10\uff10",
        "\u0661\u0660",
        "\u0967\u0966\u0966",
        "1_000",
        "1e2",
        "1E2",
        "0x10",
        " 1 00",
        "+100",
        "100.",
        ".50",
        "1,000",
    ],
    ids=[
        "full-width",
        "arabic-indic",
        "devanagari",
        "underscore",
        "exponent",
        "exponent-upper",
        "hex",
        "inner-space",
        "plus-sign",
        "trailing-dot",
        "leading-dot",
        "thousands-comma",
    ],
)
def test_amount_strings_must_be_plain_ascii_decimals(typed: str) -> None:
    """Python's Decimal reads all of these; Cashfree and a person would not all agree."""
    with pytest.raises(InvalidField) as info:
        Money.parse(typed)
    assert info.value.error.message == "Enter digits only, such as 499 or 499.50."


@pytest.mark.parametrize("typed", ["100", " 100 ", "100.5", "100.50", "500000.00", "1"])
def test_plain_decimal_strings_are_accepted(typed: str) -> None:
    assert Money.parse(typed).amount == Decimal(typed.strip()).quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Enter a sum between 1.00 and 500000.00."),
        ("0.99", "Enter a sum between 1.00 and 500000.00."),
        ("-5", "Enter a sum between 1.00 and 500000.00."),
        (Decimal("1E+400"), "Enter a sum between 1.00 and 500000.00."),
        ("10.555", "Use at most 2 decimal places, such as 499.50."),
    ],
)
def test_amount_messages_say_what_to_do(value: object, message: str) -> None:
    with pytest.raises(InvalidField) as info:
        Money.parse(value)
    assert info.value.error.message == message
