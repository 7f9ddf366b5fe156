"""The state machine as a table: (state, event) -> next state, or IllegalTransition."""

import pytest

from domain.errors import IllegalTransition
from domain.order import TRANSITIONS, AttemptStatus, Order, OrderStatus

from .factories import T0, attempt, order

EVENTS = ["activate", "fail_to_create", "pay", "expire", "terminate"]

EXPECTED = {
    (OrderStatus.CREATED, "activate"): OrderStatus.ACTIVE,
    (OrderStatus.CREATED, "fail_to_create"): OrderStatus.FAILED_TO_CREATE,
    (OrderStatus.ACTIVE, "pay"): OrderStatus.PAID,
    (OrderStatus.ACTIVE, "expire"): OrderStatus.EXPIRED,
    (OrderStatus.ACTIVE, "terminate"): OrderStatus.TERMINATED,
    (OrderStatus.EXPIRED, "pay"): OrderStatus.PAID,
    (OrderStatus.TERMINATED, "pay"): OrderStatus.PAID,
    # The gateway holds an order whose creation answer was lost: its payment still counts.
    (OrderStatus.CREATED, "pay"): OrderStatus.PAID,
    (OrderStatus.FAILED_TO_CREATE, "pay"): OrderStatus.PAID,
}


def in_state(state: OrderStatus) -> Order:
    o = order()
    path = {
        OrderStatus.CREATED: [],
        OrderStatus.ACTIVE: ["activate"],
        OrderStatus.FAILED_TO_CREATE: ["fail_to_create"],
        OrderStatus.PAID: ["activate", "pay"],
        OrderStatus.EXPIRED: ["activate", "expire"],
        OrderStatus.TERMINATED: ["activate", "terminate"],
    }[state]
    for event in path:
        fire(o, event)
    assert o.status is state
    return o


def fire(o: Order, event: str) -> None:
    if event == "activate":
        o.activate("cf_1", "session_1", T0)
    elif event == "fail_to_create":
        o.fail_to_create("refused", T0)
    elif event == "pay":
        o.record_attempt(attempt(AttemptStatus.SUCCESS, payment_id=f"p{len(o.attempts)}"), T0)
        if o.status is not OrderStatus.PAID:
            raise IllegalTransition(o.order_id, o.status, "pay")
    elif event == "expire":
        o.expire(T0)
    elif event == "terminate":
        o.terminate(T0)


def test_the_declared_table_is_the_expected_one() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize("state", list(OrderStatus))
@pytest.mark.parametrize("event", EVENTS)
def test_transition_table(state: OrderStatus, event: str) -> None:
    o = in_state(state)
    expected = EXPECTED.get((state, event))
    if state is OrderStatus.PAID and event == "pay":
        fire(o, event)  # a second success on a paid order changes nothing
        assert o.status is OrderStatus.PAID
    elif expected is None:
        with pytest.raises(IllegalTransition):
            fire(o, event)
        assert o.status is state
    else:
        fire(o, event)
        assert o.status is expected


def test_final_states() -> None:
    assert {s for s in OrderStatus if s.is_final} == {
        OrderStatus.PAID,
        OrderStatus.EXPIRED,
        OrderStatus.TERMINATED,
        OrderStatus.FAILED_TO_CREATE,
    }
