"""Money as Decimal rupees with exactly two places: floats never touch an amount."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from domain.errors import InvalidField

CURRENCY = "INR"
MIN_AMOUNT = Decimal("1.00")
MAX_AMOUNT = Decimal("500000.00")
_CENTS = Decimal("0.01")
# Digits with an optional sign and fraction, ASCII only (`[0-9]`, not `\d`).
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
PLAIN_DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
AMOUNT_RANGE_MESSAGE = f"Enter a sum between {MIN_AMOUNT} and {MAX_AMOUNT}."
AMOUNT_DIGITS_MESSAGE = "Enter digits only, such as 499 or 499.50."
AMOUNT_PLACES_MESSAGE = "Use at most 2 decimal places, such as 499.50."


def is_plain_decimal(text: str) -> bool:
    """Whether `text` (spaces around it aside) is digits with an optional sign and fraction."""
    return _PLAIN_DECIMAL.fullmatch(text.strip()) is not None


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount in a currency; construct through `Money.of` or `Money.parse`."""

    amount: Decimal
    currency: str = CURRENCY

    @classmethod
    def of(cls, value: Decimal | int | str, currency: str = CURRENCY) -> Money:
        """Any exact amount with at most two places (no range check: gateway data)."""
        if isinstance(value, (bool, float)):
            raise InvalidField("amount", "amount must be a decimal number, not a float or boolean")
        try:
            amount = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
        except (InvalidOperation, ValueError) as exc:
            raise InvalidField("amount", "amount must be a number") from exc
        if not amount.is_finite():
            raise InvalidField("amount", "amount must be a finite number")
        try:
            cents = amount.quantize(_CENTS)
        except InvalidOperation as exc:
            raise InvalidField("amount", "amount is out of range") from exc
        if cents != amount:
            raise InvalidField("amount", "amount must have at most 2 decimal places")
        if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
            raise InvalidField("currency", "currency must be a 3-letter ISO code")
        return cls(cents, currency)

    @classmethod
    def from_stored(cls, value: Decimal | int | str, currency: str) -> Money:
        """An amount a store kept, back to exactly two places (databases may answer 499 or
        499.0000); trusted, so neither range nor currency is checked again."""
        return cls(cls.quantize(Decimal(value)), currency)

    @staticmethod
    def quantize(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
        """`value` in whole paise, for sums and averages computed from amounts."""
        return value.quantize(_CENTS, rounding)

    @classmethod
    def parse(cls, value: object) -> Money:
        """A customer-entered INR amount from 1.00 to 500000.00: a Decimal or int (a JSON
        number read as Decimal, so the amount is exactly what the customer typed) or a
        plain ASCII decimal string. Floats are refused, and so are strings that Python
        reads as numbers but a person or Cashfree would not (full-width or Arabic-Indic
        digits, `'1_000'`, `'1e2'`). The checkout page turns `1,000` or `₹100` into
        digits before sending."""
        if isinstance(value, str):
            if not is_plain_decimal(value):
                raise InvalidField("amount", AMOUNT_DIGITS_MESSAGE)
            number = Decimal(value.strip())
        elif isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            number = Decimal(value)
        else:
            raise InvalidField("amount", AMOUNT_RANGE_MESSAGE)
        if not number.is_finite():
            raise InvalidField("amount", AMOUNT_DIGITS_MESSAGE)
        if not MIN_AMOUNT <= number <= MAX_AMOUNT:
            raise InvalidField("amount", AMOUNT_RANGE_MESSAGE)
        cents = number.quantize(_CENTS)
        if cents != number:
            raise InvalidField("amount", AMOUNT_PLACES_MESSAGE)
        return cls(cents)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError("cannot add amounts in different currencies")
        return Money(self.amount + other.amount, self.currency)
