"""Money as Decimal rupees with exactly two places: floats never touch an amount."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from domain.errors import InvalidField

CURRENCY = "INR"
MIN_AMOUNT = Decimal("1.00")
MAX_AMOUNT = Decimal("500000.00")
_CENTS = Decimal("0.01")


@dataclass(frozen=True, order=True)
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
        """A customer-entered INR amount: a Decimal, int or numeric string from 1.00 to
        500000.00. Floats are refused: whoever reads the customer's input reads numbers as
        Decimal, so the amount is exactly what the customer typed."""
        if value is None or isinstance(value, bool):
            raise InvalidField("amount", "amount is required and must be a number")
        if not isinstance(value, (Decimal, int, str)):
            raise InvalidField("amount", "amount must be a number")
        money = cls.of(value)
        if money.amount < 0:
            raise InvalidField("amount", "amount must not be negative")
        if not MIN_AMOUNT <= money.amount <= MAX_AMOUNT:
            raise InvalidField("amount", "amount must be between 1.00 and 500000.00 INR")
        return money

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError("cannot add amounts in different currencies")
        return Money(self.amount + other.amount, self.currency)
