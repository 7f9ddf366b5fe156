from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar_math import add_months
from domain.errors import InvalidField
from domain.money import Money
from domain.plans import Period, Plan
from domain.subscriptions import Subscription, SubscriptionPeriod, UnknownPeriod


def period_plan(period: Period, kind: str | None = "premium", plan_id: str = "") -> Plan:
    return Plan(
        plan_id=plan_id or f"premium-{period.value}",
        name=period.value,
        price=Money.of("299.00"),
        period=period,
        kind=kind,
    )


MONTHLY = period_plan(Period.MONTHLY)
QUARTERLY = period_plan(Period.QUARTERLY)
YEARLY = period_plan(Period.YEARLY)
PACK = Plan(plan_id="credits-10", name="10 credits", price=Money.of("499.00"), credits=10)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def premium() -> Subscription:
    return Subscription("cust-1", "premium")


def spans(subscription: Subscription) -> list[tuple[str, datetime, datetime]]:
    return [(p.order_id, p.starts_at, p.ends_at) for p in subscription.periods]


# --- activation


def test_a_first_payment_starts_at_the_payment_time() -> None:
    sub = premium()
    period = sub.activate("o1", MONTHLY, at(2025, 1, 31, 10, 30))
    assert period == SubscriptionPeriod(
        "o1", at(2025, 1, 31, 10, 30), at(2025, 2, 28, 10, 30), timedelta(days=28)
    )
    assert sub.ends_at == at(2025, 2, 28, 10, 30)
    assert sub.periods == (period,)


def test_paying_again_while_active_extends_from_the_current_end() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 10))
    second = sub.activate("o2", MONTHLY, at(2025, 2, 1))
    assert second.starts_at == at(2025, 2, 10)
    assert second.ends_at == at(2025, 3, 10)
    assert sub.ends_at == at(2025, 3, 10)


def test_paying_twice_ahead_chains_every_period() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 31))
    sub.activate("o2", MONTHLY, at(2025, 2, 1))
    sub.activate("o3", YEARLY, at(2025, 2, 2))
    assert spans(sub) == [
        ("o1", at(2025, 1, 31), at(2025, 2, 28)),
        ("o2", at(2025, 2, 28), at(2025, 3, 28)),
        ("o3", at(2025, 3, 28), at(2026, 3, 28)),
    ]


def test_paying_after_it_ended_starts_a_new_period_at_the_payment_time() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 10))
    again = sub.activate("o2", QUARTERLY, at(2025, 5, 20, 8))
    assert again.starts_at == at(2025, 5, 20, 8)
    assert again.ends_at == at(2025, 8, 20, 8)
    assert not sub.is_active(at(2025, 3, 1))
    assert sub.is_active(at(2025, 6, 1))


def test_paying_exactly_at_the_end_continues_without_a_gap() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 10))
    second = sub.activate("o2", MONTHLY, at(2025, 2, 10))
    assert second.starts_at == at(2025, 2, 10)


def test_a_late_confirmation_of_an_earlier_payment_still_never_overlaps() -> None:
    sub = premium()
    sub.activate("o2", MONTHLY, at(2025, 3, 1))
    late = sub.activate("o1", MONTHLY, at(2025, 2, 20))
    assert late.starts_at == at(2025, 4, 1)


def test_activating_the_same_order_twice_changes_nothing() -> None:
    sub = premium()
    first = sub.activate("o1", MONTHLY, at(2025, 1, 10))
    again = sub.activate("o1", MONTHLY, at(2025, 1, 10, 0, 0, 5))
    also = sub.activate("o1", YEARLY, at(2025, 6, 1))
    assert again is first
    assert also is first
    assert sub.periods == (first,)


def test_a_refunded_order_activated_again_stays_refunded() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 10))
    ended = sub.end_period("o1", at(2025, 1, 15))
    assert sub.activate("o1", MONTHLY, at(2025, 1, 16)) == ended
    assert not sub.is_active(at(2025, 1, 16))


def test_plans_of_one_kind_extend_each_other() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    yearly = sub.activate("o2", YEARLY, at(2025, 1, 5))
    assert yearly.starts_at == at(2025, 2, 1)
    assert yearly.ends_at == at(2026, 2, 1)


def test_another_kind_runs_side_by_side() -> None:
    coaching_plan = period_plan(Period.MONTHLY, kind=None, plan_id="coaching")
    sub = premium()
    coaching = Subscription.for_plan("cust-1", coaching_plan)
    sub.activate("o1", YEARLY, at(2025, 1, 1))
    period = coaching.activate("o2", coaching_plan, at(2025, 3, 1))
    assert coaching.kind == "coaching"
    assert period.starts_at == at(2025, 3, 1)
    assert sub.ends_at == at(2026, 1, 1)
    with pytest.raises(InvalidField) as error:
        sub.activate("o3", coaching_plan, at(2025, 3, 1))
    assert error.value.error.field == "plan_id"


def test_for_plan_picks_the_plans_kind() -> None:
    assert Subscription.for_plan("cust-1", MONTHLY).kind == "premium"


def test_a_credit_pack_has_no_subscription() -> None:
    with pytest.raises(InvalidField) as error:
        Subscription.for_plan("cust-1", PACK)
    assert error.value.error.field == "plan_id"
    with pytest.raises(InvalidField):
        Subscription("cust-1", "credits-10").activate("o1", PACK, at(2025, 1, 1))


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "premium"), "customer_id"),
        (("cust-1", ""), "kind"),
    ],
)
def test_a_subscription_needs_a_customer_and_a_kind(args: tuple[str, str], field: str) -> None:
    with pytest.raises(InvalidField) as error:
        Subscription(*args)
    assert error.value.error.field == field


def test_a_subscription_is_rebuilt_from_its_periods() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    rebuilt = Subscription("cust-1", "premium", sub.periods)
    assert rebuilt.periods == sub.periods
    with pytest.raises(InvalidField):
        Subscription("cust-1", "premium", sub.periods * 2)


def test_times_must_be_timezone_aware() -> None:
    sub = premium()
    with pytest.raises(InvalidField) as error:
        sub.activate("o1", MONTHLY, datetime(2025, 1, 1))
    assert error.value.error.field == "paid_at"
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    with pytest.raises(InvalidField):
        sub.end_period("o1", datetime(2025, 1, 2))


def test_an_order_id_is_required() -> None:
    with pytest.raises(InvalidField):
        premium().activate("", MONTHLY, at(2025, 1, 1))


# --- is_active and ends_at


def test_a_subscription_with_no_periods_is_inactive() -> None:
    sub = premium()
    assert sub.ends_at is None
    assert not sub.is_active(at(2025, 1, 1))
    assert sub.period_for("o1") is None


def test_active_from_the_start_up_to_but_not_at_the_end() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 10))
    assert not sub.is_active(at(2025, 1, 10) - timedelta(microseconds=1))
    assert sub.is_active(at(2025, 1, 10))
    assert sub.is_active(at(2025, 2, 10) - timedelta(microseconds=1))
    assert not sub.is_active(at(2025, 2, 10))


# --- full refund: end_period


def three_chained() -> Subscription:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    sub.activate("o2", MONTHLY, at(2025, 1, 2))
    sub.activate("o3", MONTHLY, at(2025, 1, 3))
    return sub


def test_a_full_refund_of_the_running_period_ends_it_now() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    ended = sub.end_period("o1", at(2025, 1, 20, 12))
    assert ended.ends_at == at(2025, 1, 20, 12)
    assert ended.bought == timedelta(days=31)
    assert sub.ends_at == at(2025, 1, 20, 12)
    assert not sub.is_active(at(2025, 1, 20, 12))


def test_ending_a_running_period_pulls_the_prepaid_ones_back() -> None:
    sub = three_chained()
    sub.end_period("o1", at(2025, 1, 11))
    assert spans(sub) == [
        ("o1", at(2025, 1, 1), at(2025, 1, 11)),
        ("o2", at(2025, 1, 11), at(2025, 2, 8)),
        ("o3", at(2025, 2, 8), at(2025, 3, 11)),
    ]
    assert sub.is_active(at(2025, 1, 12))


def test_ending_a_future_period_empties_it_and_closes_the_gap() -> None:
    sub = three_chained()
    emptied = sub.end_period("o2", at(2025, 1, 11))
    assert emptied.starts_at == emptied.ends_at == at(2025, 2, 1)
    assert spans(sub)[2] == ("o3", at(2025, 2, 1), at(2025, 3, 4))
    assert sub.ends_at == at(2025, 3, 4)


def test_ending_the_last_period_moves_nothing_else() -> None:
    sub = three_chained()
    before = spans(sub)[:2]
    sub.end_period("o3", at(2025, 1, 11))
    assert spans(sub)[:2] == before
    assert sub.ends_at == at(2025, 3, 1)


def test_ending_a_period_that_is_over_changes_nothing() -> None:
    sub = three_chained()
    before = spans(sub)
    sub.end_period("o1", at(2025, 2, 15))
    assert spans(sub) == before


def test_ending_twice_is_the_same_as_once() -> None:
    sub = three_chained()
    sub.end_period("o1", at(2025, 1, 11))
    once = spans(sub)
    sub.end_period("o1", at(2025, 1, 12))
    assert spans(sub) == once


def test_a_period_bought_after_a_lapse_is_not_moved() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    sub.activate("o2", MONTHLY, at(2025, 1, 2))
    sub.activate("o3", MONTHLY, at(2025, 5, 1))
    sub.end_period("o1", at(2025, 1, 11))
    assert spans(sub) == [
        ("o1", at(2025, 1, 1), at(2025, 1, 11)),
        ("o2", at(2025, 1, 11), at(2025, 2, 8)),
        ("o3", at(2025, 5, 1), at(2025, 6, 1)),
    ]


def test_refunding_an_unknown_order_is_refused() -> None:
    sub = three_chained()
    with pytest.raises(UnknownPeriod) as error:
        sub.end_period("nope", at(2025, 1, 11))
    assert error.value.order_id == "nope"
    with pytest.raises(UnknownPeriod):
        sub.shorten_period("nope", Decimal("0.5"), at(2025, 1, 11))


# --- partial refund: shorten_period


def test_a_half_refund_takes_half_of_the_bought_time_off_the_end() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    shortened = sub.shorten_period("o1", Decimal("0.5"), at(2025, 1, 2))
    assert shortened.ends_at == at(2025, 1, 16, 12)
    assert shortened.bought == timedelta(days=31)
    assert sub.is_active(at(2025, 1, 16, 11))
    assert not sub.is_active(at(2025, 1, 16, 12))


def test_the_time_removed_is_rounded_down_to_whole_seconds() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    shortened = sub.shorten_period("o1", Decimal("0.3333"), at(2025, 1, 1))
    removed = timedelta(days=31) - shortened.length
    assert removed == timedelta(seconds=892710)
    assert 31 * 86400 * Decimal("0.3333") == Decimal("892710.72")


def test_an_inexact_third_still_rounds_down() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    shortened = sub.shorten_period("o1", Decimal(1) / Decimal(3), at(2025, 1, 1))
    assert timedelta(days=31) - shortened.length == timedelta(seconds=31 * 86400 // 3 - 1)


def test_a_tiny_refund_may_remove_nothing() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    assert sub.shorten_period("o1", Decimal("1e-10"), at(2025, 1, 2)).ends_at == at(2025, 2, 1)


def test_two_partial_refunds_remove_their_shares_of_what_was_bought() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 2, 1))
    sub.shorten_period("o1", Decimal("0.25"), at(2025, 2, 2))
    sub.shorten_period("o1", Decimal("0.25"), at(2025, 2, 3))
    assert sub.ends_at == at(2025, 2, 15)


def test_a_partial_refund_never_takes_back_time_already_used() -> None:
    sub = premium()
    sub.activate("o1", MONTHLY, at(2025, 1, 1))
    shortened = sub.shorten_period("o1", Decimal("0.5"), at(2025, 1, 20))
    assert shortened.ends_at == at(2025, 1, 20)


def test_a_partial_refund_of_a_period_that_is_over_changes_nothing() -> None:
    sub = three_chained()
    before = spans(sub)
    sub.shorten_period("o1", Decimal("0.5"), at(2025, 2, 5))
    assert spans(sub) == before


def test_refunds_never_make_a_period_end_before_it_starts() -> None:
    sub = three_chained()
    sub.shorten_period("o3", Decimal("0.75"), at(2025, 1, 5))
    emptied = sub.shorten_period("o3", Decimal("0.75"), at(2025, 1, 6))
    assert emptied.ends_at == emptied.starts_at == at(2025, 3, 1)


def test_a_whole_share_by_shorten_is_the_same_as_end_period() -> None:
    by_shorten, by_end = three_chained(), three_chained()
    by_shorten.shorten_period("o2", Decimal(1), at(2025, 2, 10))
    by_end.end_period("o2", at(2025, 2, 10))
    assert spans(by_shorten) == spans(by_end)


def test_shortening_pulls_the_chained_periods_back() -> None:
    sub = three_chained()
    sub.shorten_period("o1", Decimal("0.5"), at(2025, 1, 3))
    assert spans(sub) == [
        ("o1", at(2025, 1, 1), at(2025, 1, 16, 12)),
        ("o2", at(2025, 1, 16, 12), at(2025, 2, 13, 12)),
        ("o3", at(2025, 2, 13, 12), at(2025, 3, 16, 12)),
    ]


def test_shortening_by_nothing_changes_nothing() -> None:
    sub = three_chained()
    before = spans(sub)
    sub.shorten_period("o2", Decimal(0), at(2025, 1, 3))
    assert spans(sub) == before


@pytest.mark.parametrize(
    "fraction",
    [Decimal("-0.01"), Decimal("1.01"), Decimal("NaN"), Decimal("Infinity"), 0.5, True, 1],
)
def test_a_fraction_outside_0_to_1_or_not_a_decimal_is_refused(fraction: Any) -> None:
    sub = three_chained()
    with pytest.raises(InvalidField) as error:
        sub.shorten_period("o1", fraction, at(2025, 1, 3))
    assert error.value.error.field == "fraction"


def test_shorten_needs_an_aware_now() -> None:
    sub = three_chained()
    with pytest.raises(InvalidField) as error:
        sub.shorten_period("o1", Decimal("0.5"), datetime(2025, 1, 3))
    assert error.value.error.field == "now"


# --- invariants under any sequence of payments and refunds

operations = st.lists(
    st.tuples(
        st.sampled_from(["pay-monthly", "pay-yearly", "end", "shorten"]),
        st.integers(min_value=0, max_value=400 * 86400),
        st.decimals(min_value=0, max_value=1, places=4),
        st.integers(min_value=0, max_value=100),
    ),
    max_size=25,
)


def coverage_until(sub: Subscription, moment: datetime) -> list[tuple[datetime, datetime]]:
    return sorted(
        (p.starts_at, min(p.ends_at, moment))
        for p in sub.periods
        if p.starts_at < moment and p.starts_at < p.ends_at
    )


@given(operations)
def test_any_payments_and_refunds_keep_the_invariants(
    steps: list[tuple[str, int, Decimal, int]],
) -> None:
    sub = premium()
    now = at(2024, 1, 31)
    paid_at: dict[str, datetime] = {}
    for number, (action, wait, fraction, pick) in enumerate(steps):
        now += timedelta(seconds=wait)
        past = coverage_until(sub, now)
        if action.startswith("pay"):
            order_id = f"o{number}"
            plan = MONTHLY if action == "pay-monthly" else YEARLY
            assert plan.period is not None
            period = sub.activate(order_id, plan, now)
            paid_at[order_id] = now
            assert period.ends_at == add_months(period.starts_at, plan.period.months)
            assert sub.is_active(now)
        elif sub.periods:
            target = sub.periods[pick % len(sub.periods)]
            if action == "end":
                ended = sub.end_period(target.order_id, now)
                assert not ended.covers(now)
            else:
                sub.shorten_period(target.order_id, fraction, now)
        assert coverage_until(sub, now) == past, "the past was rewritten"
        ordered = sorted(sub.periods, key=lambda p: (p.starts_at, p.ends_at))
        for earlier, later in pairwise(ordered):
            assert earlier.ends_at <= later.starts_at
        for p in sub.periods:
            assert p.starts_at >= paid_at[p.order_id]
            assert p.starts_at <= p.ends_at
            assert p.length <= p.bought
        assert sub.ends_at == max((p.ends_at for p in sub.periods), default=None)
