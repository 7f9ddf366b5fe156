"""Plans the shop sells: a price in INR that grants credits, a subscription period, or both.

The catalogue, not the client, sets every price: `PlanCatalogue.price_for` refuses an
amount that differs from the plan's, so a tampered request cannot buy a plan cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.errors import InvalidField
from domain.money import CURRENCY, MAX_AMOUNT, MIN_AMOUNT, Money

_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 1000


class Period(StrEnum):
    """A subscription's length; the value is what plans files and APIs spell."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half-yearly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return _MONTHS[self]

    @classmethod
    def parse(cls, value: object) -> Period:
        """The period named by `value`; refuses anything else with the choices listed."""
        for period in cls:
            if value == period.value:
                return period
        choices = ", ".join(p.value for p in cls)
        raise InvalidField("period", f"must be one of {choices}")


_MONTHS = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.HALF_YEARLY: 6, Period.YEARLY: 12}


def _is_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def _check_text(field: str, value: object, limit: int, *, required: bool) -> None:
    if not isinstance(value, str):
        raise InvalidField(field, "must be text")
    if required and not value.strip():
        raise InvalidField(field, "must not be empty")
    if len(value) > limit:
        raise InvalidField(field, f"must be at most {limit} characters")


@dataclass(frozen=True)
class Plan:
    """One thing a customer can buy; refuses to exist in an invalid state.

    `kind` groups subscription plans that extend one another: a monthly and a yearly
    plan of kind "premium" both lengthen the customer's "premium" subscription, while
    plans of other kinds run side by side. It defaults to the plan id, and is None
    for a plan that grants no period.
    """

    plan_id: str
    name: str
    price: Money
    description: str = ""
    credits: int = 0
    period: Period | None = None
    kind: str | None = None
    active: bool = True

    def __post_init__(self) -> None:
        if not _is_id(self.plan_id):
            raise InvalidField("plan_id", "must be 1 to 64 lowercase letters, digits, '-' or '_'")
        _check_text("name", self.name, MAX_NAME_LENGTH, required=True)
        _check_text("description", self.description, MAX_DESCRIPTION_LENGTH, required=False)
        if not isinstance(self.price, Money):
            raise InvalidField("price", "must be an amount of money")
        if self.price.currency != CURRENCY:
            raise InvalidField("currency", f"must be {CURRENCY}")
        if not MIN_AMOUNT <= self.price.amount <= MAX_AMOUNT:
            raise InvalidField("price", f"must be between {MIN_AMOUNT} and {MAX_AMOUNT} INR")
        if isinstance(self.credits, bool) or not isinstance(self.credits, int):
            raise InvalidField("credits", "must be a whole number")
        if self.credits < 0:
            raise InvalidField("credits", "must not be negative")
        if self.period is not None and not isinstance(self.period, Period):
            raise InvalidField("period", "must be a subscription period")
        if self.credits == 0 and self.period is None:
            raise InvalidField("credits", "a plan must grant credits, a period, or both")
        if self.kind is not None:
            if self.period is None:
                raise InvalidField("kind", "only a plan with a period has a subscription kind")
            if not _is_id(self.kind):
                raise InvalidField("kind", "must be 1 to 64 lowercase letters, digits, '-' or '_'")
        if not isinstance(self.active, bool):
            raise InvalidField("active", "must be true or false")

    @property
    def subscription_kind(self) -> str | None:
        """Which subscription this plan extends: `kind`, else the plan id; None if no period."""
        if self.period is None:
            return None
        return self.kind if self.kind is not None else self.plan_id


@dataclass(frozen=True, slots=True)
class Purchase:
    """What an order earns once paid, fixed on the order when it is created.

    Copied from the plan rather than looked up at payment time, so a plan later changed
    or removed from the catalogue never changes what a paid order earned.
    """

    plan_id: str | None
    credits: int
    period: Period | None
    kind: str | None

    def __post_init__(self) -> None:
        if isinstance(self.credits, bool) or not isinstance(self.credits, int):
            raise InvalidField("credits", "must be a whole number")
        if self.credits < 0:
            raise InvalidField("credits", "must not be negative")
        if (self.period is None) != (self.kind is None):
            raise InvalidField("kind", "a purchase has a kind exactly when it has a period")
        if self.period is not None and self.plan_id is None:
            raise InvalidField("plan_id", "a period is only bought through a plan")

    @classmethod
    def free_amount(cls) -> Purchase:
        """A payment of any amount without a plan: one credit, no period."""
        return cls(None, 1, None, None)

    @classmethod
    def of(cls, plan: Plan) -> Purchase:
        return cls(plan.plan_id, plan.credits, plan.period, plan.subscription_kind)

    @property
    def subscription_kind(self) -> str | None:
        """Which subscription this purchase extends (as `Plan.subscription_kind`)."""
        return self.kind


class UnknownPlan(InvalidField):
    """No plan has this id."""

    def __init__(self, plan_id: str) -> None:
        super().__init__("plan_id", "Choose one of the plans offered.")
        self.plan_id = plan_id


class PlanNotOffered(InvalidField):
    """The plan exists but is inactive: kept for history and refunds, not for sale."""

    def __init__(self, plan_id: str) -> None:
        super().__init__("plan_id", "This plan is no longer offered: choose another one.")
        self.plan_id = plan_id


class PriceMismatch(InvalidField):
    """The client sent an amount other than the plan's price."""

    def __init__(self, field: str, expected: Money, sent: Money) -> None:
        super().__init__(field, f"Leave the amount out or send the plan's price, {expected}.")
        self.expected = expected
        self.sent = sent


class PlanCatalogue:
    """Every plan by id, in the order given; inactive plans stay so old orders resolve."""

    def __init__(self, plans: Iterable[Plan]) -> None:
        self._plans: dict[str, Plan] = {}
        for plan in plans:
            if plan.plan_id in self._plans:
                raise InvalidField("plan_id", f'duplicate plan id "{plan.plan_id}"')
            self._plans[plan.plan_id] = plan

    def __iter__(self) -> Iterator[Plan]:
        return iter(self._plans.values())

    def __len__(self) -> int:
        return len(self._plans)

    def __contains__(self, plan_id: object) -> bool:
        return plan_id in self._plans

    def active(self) -> list[Plan]:
        """The plans on sale, in catalogue order."""
        return [plan for plan in self._plans.values() if plan.active]

    def get(self, plan_id: str) -> Plan:
        """The plan with this id, active or not (a refund may concern a retired plan)."""
        try:
            return self._plans[plan_id]
        except KeyError:
            raise UnknownPlan(plan_id) from None

    def price_for(self, plan_id: str, amount_sent: Money | None = None) -> Money:
        """What an order for this plan costs; the client's amount may only confirm it."""
        plan = self.get(plan_id)
        if not plan.active:
            raise PlanNotOffered(plan_id)
        if amount_sent is not None:
            if amount_sent.currency != plan.price.currency:
                raise PriceMismatch("currency", plan.price, amount_sent)
            if amount_sent.amount != plan.price.amount:
                raise PriceMismatch("amount", plan.price, amount_sent)
        return plan.price


def prorate_credits(credits: int, refunded: Money, paid: Money) -> int:
    """Credits a refund takes back: credits * refunded / paid, rounded down, at most `credits`.

    Rounding down means a customer never loses a credit they partly paid for; computed
    in whole paise, so no division is ever inexact. A refund above the amount paid (a
    gateway's data error) takes back every credit, never more.
    """
    if isinstance(credits, bool) or not isinstance(credits, int) or credits < 0:
        raise InvalidField("credits", "must be a whole number, not negative")
    if refunded.currency != paid.currency:
        raise InvalidField("currency", "the refund and the payment must be in one currency")
    if paid.amount <= 0:
        raise InvalidField("paid", "must be more than zero")
    if refunded.amount < 0:
        raise InvalidField("refunded", "must not be negative")
    refunded_paise = int(refunded.amount * 100)
    paid_paise = int(paid.amount * 100)
    return min(credits, credits * refunded_paise // paid_paise)


def refund_fraction(refunded: Money, paid: Money) -> Decimal:
    """The share of a payment refunded, from 0 to 1; input to `Subscription.shorten_period`."""
    if refunded.currency != paid.currency:
        raise InvalidField("currency", "the refund and the payment must be in one currency")
    if paid.amount <= 0:
        raise InvalidField("paid", "must be more than zero")
    if not 0 <= refunded.amount <= paid.amount:
        raise InvalidField("refunded", "must be between zero and the amount paid")
    return refunded.amount / paid.amount
