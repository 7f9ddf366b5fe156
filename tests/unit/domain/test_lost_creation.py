"""Orders whose creation answer was lost: the gateway may hold them and report payments.

The order is still CREATED (the answer never came) or FAILED_TO_CREATE (recorded before the
loss was known); a success reported for it pays it, a failure is kept as history.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.errors import IllegalTransition
from domain.events import OrderPaid
from domain.ledger import credit_for
from domain.order import AttemptStatus, Order, OrderStatus

from .factories import T0, attempt, order


def failed_to_create() -> Order:
    o = order()
    o.fail_to_create("The payment gateway did not answer in time.", T0)
    return o


def test_a_success_pays_a_created_order_and_earns_its_credit() -> None:
    o = order()

    assert o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)

    assert o.status is OrderStatus.PAID
    assert o.payment_status == "SUCCESS"
    assert not o.paid_after_close, "a CREATED order never ended"
    assert [type(e) for e in o.pull_events() if isinstance(e, OrderPaid)] == [OrderPaid]
    assert credit_for(o, T0).order_id == o.order_id


def test_a_success_pays_an_order_recorded_as_failed_to_create_and_is_flagged() -> None:
    o = failed_to_create()

    assert o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)

    assert o.status is OrderStatus.PAID
    assert o.paid_after_close
    assert o.paid_at == T0
    assert credit_for(o, T0).credits == 1


@pytest.mark.parametrize("make", [order, failed_to_create], ids=["created", "failed"])
def test_a_failure_is_history_and_changes_no_state(make: Callable[[], Order]) -> None:
    o = make()
    before = o.status

    assert o.record_attempt(attempt(AttemptStatus.FAILED), T0)

    assert o.status is before
    assert [a.status for a in o.attempts] == [AttemptStatus.FAILED]
    assert not o.paid_after_close


def test_a_mismatched_success_pays_nothing() -> None:
    o = failed_to_create()
    o.record_attempt(attempt(AttemptStatus.SUCCESS, amount="1.00"), T0)
    assert o.status is OrderStatus.FAILED_TO_CREATE
    assert o.attempts[0].mismatch and not o.paid_after_close


def test_an_order_paid_before_its_answer_came_can_no_longer_be_activated_or_failed() -> None:
    o = order()
    o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    with pytest.raises(IllegalTransition):
        o.activate("cf_1", "session_1", T0)
    with pytest.raises(IllegalTransition):
        o.fail_to_create("late", T0)
    assert o.status is OrderStatus.PAID


def test_reporting_the_success_again_changes_nothing() -> None:
    o = failed_to_create()
    o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    o.pull_events()
    assert not o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    assert o.pull_events() == []
