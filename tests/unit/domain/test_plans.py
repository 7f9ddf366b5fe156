from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, InvalidField
from domain.money import Money
from domain.plans import (
    Period,
    Plan,
    PlanCatalogue,
    PlanNotOffered,
    PriceMismatch,
    UnknownPlan,
    prorate_credits,
    refund_fraction,
)


def inr(value: str) -> Money:
    return Money.of(value)


def plan(**overrides: Any) -> Plan:
    fields: dict[str, Any] = {
        "plan_id": "credits-10",
        "name": "10 credits",
        "price": inr("499.00"),
        "credits": 10,
    }
    fields.update(overrides)
    return Plan(**fields)


MONTHLY = plan(
    plan_id="premium-monthly",
    name="Monthly",
    price=inr("299.00"),
    credits=2,
    period=Period.MONTHLY,
    kind="premium",
)
YEARLY = plan(
    plan_id="premium-yearly",
    name="Yearly",
    price=inr("2999.00"),
    credits=0,
    period=Period.YEARLY,
    kind="premium",
)
RETIRED = plan(plan_id="old-pack", name="Old pack", active=False)


def catalogue() -> PlanCatalogue:
    return PlanCatalogue([plan(), MONTHLY, YEARLY, RETIRED])


def field_of(error: pytest.ExceptionInfo[InvalidField]) -> str:
    return error.value.error.field


# --- Period


@pytest.mark.parametrize(
    ("period", "months"),
    [(Period.MONTHLY, 1), (Period.QUARTERLY, 3), (Period.HALF_YEARLY, 6), (Period.YEARLY, 12)],
)
def test_each_period_has_its_months(period: Period, months: int) -> None:
    assert period.months == months
    assert Period.parse(period.value) is period


@pytest.mark.parametrize("value", ["weekly", "Monthly", "half_yearly", "", None, 1])
def test_unknown_periods_are_refused_with_the_choices(value: object) -> None:
    with pytest.raises(InvalidField) as error:
        Period.parse(value)
    assert field_of(error) == "period"
    assert "monthly, quarterly, half-yearly, yearly" in str(error.value)


# --- Plan


def test_a_credit_pack_is_a_plan() -> None:
    pack = plan()
    assert pack.credits == 10
    assert pack.period is None
    assert pack.subscription_kind is None
    assert pack.active


def test_a_plan_may_grant_a_period_and_credits() -> None:
    assert MONTHLY.period is Period.MONTHLY
    assert MONTHLY.credits == 2
    assert MONTHLY.subscription_kind == "premium"


def test_the_subscription_kind_defaults_to_the_plan_id() -> None:
    solo = plan(plan_id="coaching", credits=0, period=Period.QUARTERLY)
    assert solo.subscription_kind == "coaching"


def test_plans_are_immutable() -> None:
    with pytest.raises(AttributeError):
        plan().credits = 99  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"plan_id": ""}, "plan_id"),
        ({"plan_id": "Has Space"}, "plan_id"),
        ({"plan_id": "UPPER"}, "plan_id"),
        ({"plan_id": "x" * 65}, "plan_id"),
        ({"plan_id": "-leading"}, "plan_id"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 5}, "name"),
        ({"description": None}, "description"),
        ({"description": "x" * 1001}, "description"),
        ({"price": Decimal("499.00")}, "price"),
        ({"price": Money.of("499.00", "USD")}, "currency"),
        ({"price": inr("0.00")}, "price"),
        ({"price": inr("0.99")}, "price"),
        ({"price": inr("500000.01")}, "price"),
        ({"credits": -1}, "credits"),
        ({"credits": 1.0}, "credits"),
        ({"credits": True}, "credits"),
        ({"credits": 0}, "credits"),
        ({"credits": 0, "period": "monthly"}, "period"),
        ({"kind": "premium"}, "kind"),
        ({"credits": 0, "period": Period.MONTHLY, "kind": "Bad Kind"}, "kind"),
        ({"active": 1}, "active"),
    ],
)
def test_invalid_plans_are_refused_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidField) as error:
        plan(**overrides)
    assert field_of(error) == field


def test_the_price_bounds_are_accepted() -> None:
    assert plan(price=inr("1.00")).price == inr("1.00")
    assert plan(price=inr("500000.00")).price == inr("500000.00")


# --- PlanCatalogue


def test_the_catalogue_keeps_plans_in_order_and_by_id() -> None:
    plans = catalogue()
    assert [p.plan_id for p in plans] == [
        "credits-10",
        "premium-monthly",
        "premium-yearly",
        "old-pack",
    ]
    assert len(plans) == 4
    assert "premium-yearly" in plans
    assert "nope" not in plans
    assert plans.get("premium-monthly") is MONTHLY


def test_active_lists_only_plans_on_sale() -> None:
    assert [p.plan_id for p in catalogue().active()] == [
        "credits-10",
        "premium-monthly",
        "premium-yearly",
    ]


def test_get_returns_an_inactive_plan_for_history() -> None:
    assert catalogue().get("old-pack") is RETIRED


def test_plan_ids_are_unique() -> None:
    with pytest.raises(InvalidField) as error:
        PlanCatalogue([plan(), plan(name="again")])
    assert field_of(error) == "plan_id"
    assert '"credits-10"' in str(error.value)


def test_an_empty_catalogue_sells_nothing() -> None:
    empty = PlanCatalogue([])
    assert empty.active() == []
    with pytest.raises(UnknownPlan):
        empty.price_for("credits-10", None)


def test_get_refuses_an_unknown_plan() -> None:
    with pytest.raises(UnknownPlan) as error:
        catalogue().get("nope")
    assert field_of(error) == "plan_id"
    assert error.value.plan_id == "nope"
    assert isinstance(error.value, DomainError)


def test_the_price_comes_from_the_catalogue_when_no_amount_is_sent() -> None:
    assert catalogue().price_for("premium-yearly", None) == inr("2999.00")
    assert catalogue().price_for("premium-yearly") == inr("2999.00")


@pytest.mark.parametrize("sent", ["2999", "2999.0", "2999.00"])
def test_an_amount_equal_to_the_price_is_accepted(sent: str) -> None:
    assert catalogue().price_for("premium-yearly", Money.of(sent)) == inr("2999.00")


@pytest.mark.parametrize("sent", ["1.00", "2998.99", "2999.01", "29990.00"])
def test_a_different_amount_is_refused(sent: str) -> None:
    with pytest.raises(PriceMismatch) as error:
        catalogue().price_for("premium-yearly", Money.of(sent))
    assert field_of(error) == "amount"
    assert error.value.expected == inr("2999.00")
    assert error.value.sent == Money.of(sent)


def test_a_different_currency_is_refused() -> None:
    with pytest.raises(PriceMismatch) as error:
        catalogue().price_for("premium-yearly", Money.of("2999.00", "USD"))
    assert field_of(error) == "currency"


def test_an_inactive_plan_has_no_price() -> None:
    with pytest.raises(PlanNotOffered) as error:
        catalogue().price_for("old-pack", inr("499.00"))
    assert field_of(error) == "plan_id"


def test_an_unknown_plan_has_no_price() -> None:
    with pytest.raises(UnknownPlan):
        catalogue().price_for("nope", inr("499.00"))


def test_reactivating_a_plan_puts_it_back_on_sale() -> None:
    plans = PlanCatalogue([replace(RETIRED, active=True)])
    assert plans.price_for("old-pack") == inr("499.00")


# --- prorate_credits and refund_fraction


@pytest.mark.parametrize(
    ("credits", "refunded", "paid", "expected"),
    [
        (10, "499.00", "499.00", 10),
        (10, "0.00", "499.00", 0),
        (10, "249.50", "499.00", 5),
        (10, "249.49", "499.00", 4),
        (10, "49.90", "499.00", 1),
        (10, "49.89", "499.00", 0),
        (3, "100.00", "300.00", 1),
        (3, "199.99", "300.00", 1),
        (3, "200.00", "300.00", 2),
        (0, "499.00", "499.00", 0),
        (10, "998.00", "499.00", 10),
    ],
)
def test_credits_are_reversed_in_proportion_rounded_down(
    credits: int, refunded: str, paid: str, expected: int
) -> None:
    assert prorate_credits(credits, inr(refunded), inr(paid)) == expected


@given(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=50_000_000),
    st.integers(min_value=1, max_value=50_000_000),
)
def test_prorated_credits_are_floor_of_the_exact_share_and_never_too_many(
    credits: int, refunded_paise: int, paid_paise: int
) -> None:
    refunded = Money.of(Decimal(refunded_paise) / 100)
    paid = Money.of(Decimal(paid_paise) / 100)
    reversed_credits = prorate_credits(credits, refunded, paid)
    assert 0 <= reversed_credits <= credits
    if refunded_paise <= paid_paise:
        assert reversed_credits * paid_paise <= credits * refunded_paise
        assert (reversed_credits + 1) * paid_paise > credits * refunded_paise


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=1, max_value=50_000_000))
def test_a_full_refund_reverses_every_credit(credits: int, paid_paise: int) -> None:
    paid = Money.of(Decimal(paid_paise) / 100)
    assert prorate_credits(credits, paid, paid) == credits


@pytest.mark.parametrize(
    ("credits", "refunded", "paid", "field"),
    [
        (-1, inr("1.00"), inr("2.00"), "credits"),
        (True, inr("1.00"), inr("2.00"), "credits"),
        (1.5, inr("1.00"), inr("2.00"), "credits"),
        (1, inr("-1.00"), inr("2.00"), "refunded"),
        (1, inr("1.00"), inr("0.00"), "paid"),
        (1, Money.of("1.00", "USD"), inr("2.00"), "currency"),
    ],
)
def test_prorate_credits_refuses_nonsense(
    credits: Any, refunded: Money, paid: Money, field: str
) -> None:
    with pytest.raises(InvalidField) as error:
        prorate_credits(credits, refunded, paid)
    assert field_of(error) == field


def test_the_refund_fraction_is_exact_for_simple_shares() -> None:
    assert refund_fraction(inr("149.50"), inr("299.00")) == Decimal("0.5")
    assert refund_fraction(inr("299.00"), inr("299.00")) == 1
    assert refund_fraction(inr("0.00"), inr("299.00")) == 0


@pytest.mark.parametrize(
    ("refunded", "paid", "field"),
    [
        (inr("300.00"), inr("299.00"), "refunded"),
        (inr("-1.00"), inr("299.00"), "refunded"),
        (inr("1.00"), inr("0.00"), "paid"),
        (Money.of("1.00", "USD"), inr("299.00"), "currency"),
    ],
)
def test_the_refund_fraction_refuses_nonsense(refunded: Money, paid: Money, field: str) -> None:
    with pytest.raises(InvalidField) as error:
        refund_fraction(refunded, paid)
    assert field_of(error) == field
