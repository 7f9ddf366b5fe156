"""A success that lands after the order closed still pays it, and says it came late."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.order import AttemptStatus, OrderStatus

from .factories import T0, active_order, attempt


@pytest.mark.parametrize("close", ["expire", "terminate"])
def test_a_success_after_close_pays_and_is_flagged(close: str) -> None:
    order = active_order()
    getattr(order, close)(T0)

    assert order.record_attempt(attempt(AttemptStatus.SUCCESS), T0 + timedelta(minutes=5))

    assert order.status is OrderStatus.PAID
    assert order.paid_after_close


def test_a_success_on_an_open_order_is_not_flagged() -> None:
    order = active_order()
    order.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    assert order.status is OrderStatus.PAID and not order.paid_after_close


def test_a_failure_after_close_leaves_the_order_closed_and_unflagged() -> None:
    order = active_order()
    order.expire(T0)
    order.record_attempt(attempt(AttemptStatus.FAILED), T0)
    assert order.status is OrderStatus.EXPIRED and not order.paid_after_close


def test_a_mismatched_success_after_close_pays_nothing() -> None:
    order = active_order()
    order.expire(T0)
    order.record_attempt(attempt(AttemptStatus.SUCCESS, amount="1.00"), T0)
    assert order.status is OrderStatus.EXPIRED and not order.paid_after_close
