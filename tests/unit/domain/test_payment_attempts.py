from dataclasses import replace
from datetime import timedelta

import pytest

from domain.errors import IllegalTransition
from domain.events import OrderPaid, PaymentAttemptFailed, PaymentMismatch
from domain.ledger import credit_for
from domain.order import AttemptStatus, OrderStatus

from .factories import T0, active_order, attempt


def test_a_failed_attempt_does_not_end_the_order() -> None:
    o = active_order()
    assert o.record_attempt(attempt(AttemptStatus.FAILED), T0)
    assert o.status is OrderStatus.ACTIVE
    assert o.payment_status == "FAILED"
    assert any(isinstance(e, PaymentAttemptFailed) for e in o.pull_events())


def test_failed_then_pending_then_success_pays_the_order() -> None:
    o = active_order()
    o.record_attempt(attempt(AttemptStatus.FAILED, "1", minutes=1), T0)
    o.record_attempt(attempt(AttemptStatus.PENDING, "2", minutes=2), T0)
    assert o.payment_status == "PENDING"
    o.record_attempt(attempt(AttemptStatus.SUCCESS, "2", minutes=3), T0)
    assert o.status is OrderStatus.PAID
    assert o.payment_status == "SUCCESS"
    assert [a.status for a in o.attempts] == [AttemptStatus.FAILED, AttemptStatus.SUCCESS]
    assert sum(isinstance(e, OrderPaid) for e in o.pull_events()) == 1


def test_the_latest_attempt_is_the_latest_in_time_then_the_later_recorded() -> None:
    o = active_order()
    assert o.latest_attempt is None
    o.record_attempt(attempt(AttemptStatus.FAILED, "late", minutes=5), T0)
    o.record_attempt(attempt(AttemptStatus.USER_DROPPED, "early", minutes=1), T0)
    assert o.latest_attempt is not None and o.latest_attempt.payment_id == "late"
    o.record_attempt(attempt(AttemptStatus.FAILED, "same_time", minutes=5), T0)
    assert o.latest_attempt.payment_id == "same_time"
    assert o.payment_status == "FAILED"


def test_repeating_a_report_changes_nothing() -> None:
    o = active_order()
    assert o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    o.pull_events()
    assert not o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    assert o.pull_events() == []
    assert len(o.attempts) == 1


def test_a_repeated_report_gives_a_missing_bank_reference_once_without_an_event() -> None:
    o = active_order()
    o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    o.pull_events()
    later = T0 + timedelta(days=30)
    referenced = replace(attempt(AttemptStatus.SUCCESS), bank_reference="512345678901")

    assert o.record_attempt(referenced, later)
    assert o.attempts[0].bank_reference == "512345678901"
    assert o.attempts[0].status is AttemptStatus.SUCCESS
    assert o.updated_at == later
    assert o.pull_events() == []
    other = replace(referenced, bank_reference="999999999999")
    assert not o.record_attempt(other, later), "the first reference stays"
    assert o.attempts[0].bank_reference == "512345678901"


def test_a_report_without_a_reference_keeps_the_one_known() -> None:
    o = active_order()
    pending = replace(attempt(AttemptStatus.PENDING), bank_reference="512345678901")
    o.record_attempt(pending, T0)
    assert o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    assert o.attempts[0].status is AttemptStatus.SUCCESS
    assert o.attempts[0].bank_reference == "512345678901"


def test_an_out_of_order_failure_cannot_undo_a_success() -> None:
    o = active_order()
    o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    assert not o.record_attempt(attempt(AttemptStatus.FAILED), T0)
    assert o.status is OrderStatus.PAID
    assert o.attempts[0].status is AttemptStatus.SUCCESS


def test_a_late_pending_cannot_undo_a_failure() -> None:
    o = active_order()
    o.record_attempt(attempt(AttemptStatus.FAILED), T0)
    assert not o.record_attempt(attempt(AttemptStatus.PENDING), T0)
    assert o.payment_status == "FAILED"


@pytest.mark.parametrize(
    ("amount", "currency"), [("1.00", "INR"), ("499.01", "INR"), ("499.00", "USD")]
)
def test_a_success_for_another_amount_or_currency_is_a_mismatch(amount: str, currency: str) -> None:
    o = active_order("499.00")
    o.record_attempt(attempt(AttemptStatus.SUCCESS, amount=amount, currency=currency), T0)
    assert o.status is OrderStatus.ACTIVE
    assert o.attempts[0].mismatch
    assert o.paying_attempt is None
    assert any(isinstance(e, PaymentMismatch) for e in o.pull_events())
    with pytest.raises(IllegalTransition):
        credit_for(o, T0)


def test_a_late_success_pays_an_expired_order() -> None:
    o = active_order()
    o.expire(T0)
    o.record_attempt(attempt(AttemptStatus.SUCCESS), T0)
    assert o.status is OrderStatus.PAID


def test_status_shows_the_end_state_of_an_ended_order() -> None:
    o = active_order()
    o.record_attempt(attempt(AttemptStatus.USER_DROPPED), T0)
    assert o.payment_status == "USER_DROPPED"
    o.terminate(T0)
    assert o.payment_status == "TERMINATED"


def test_a_paid_order_earns_one_credit_for_its_amount() -> None:
    o = active_order("250.50")
    o.record_attempt(attempt(AttemptStatus.SUCCESS, amount="250.50"), T0)
    entry = credit_for(o, T0)
    assert entry.credits == 1
    assert entry.order_id == o.order_id
    assert str(entry.amount.amount) == "250.50"
    assert entry.customer_email == "asha@example.com"


def test_an_unpaid_order_earns_nothing() -> None:
    with pytest.raises(IllegalTransition):
        credit_for(active_order(), T0)
