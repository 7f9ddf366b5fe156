"""Cashfree entities (shaped like the 2025-01-01 spec) mapped to the port and domain types."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.gateway.cashfree_mapping import (
    CashfreeResponseInvalid,
    CashfreeValueUnstorable,
    decode,
    encode,
    gateway_order,
    gateway_refund,
    gateway_refunds,
    order_request,
    payment_attempts,
    refund_request,
)
from application.ports import GatewayOrderRequest, GatewayOrderStatus, RefundStatus
from domain.customer import Customer
from domain.money import Money
from domain.order import AttemptStatus

Load = Callable[[str], Any]
NOW = datetime(2025, 1, 22, 12, 0, tzinfo=UTC)


def test_order_entity_maps_to_gateway_order(cashfree_json: Load) -> None:
    order = gateway_order(cashfree_json("order.json"))

    assert order.order_id == "ORDER_7QXW2M4K9B3ZL5NHT6RJPC8DYA"
    assert order.gateway_order_id == "2149460581"
    assert order.status is GatewayOrderStatus.ACTIVE
    assert order.payment_session_id == "session_a1Jk9PqXf0vYbR2mN7sLw4TzHc8eUo3i"
    assert order.amount == Money.of("499.50")
    assert order.expires_at == datetime(2025, 2, 21, 11, 12, 13, tzinfo=UTC)


def test_order_amount_never_passes_through_a_float() -> None:
    body = b'{"cf_order_id": 1, "order_id": "o1", "order_status": "PAID",'
    body += b' "payment_session_id": "s", "order_amount": 0.1, "order_currency": "INR"}'
    order = gateway_order(decode(body))
    assert order.amount.amount == Decimal("0.10")
    assert order.gateway_order_id == "1"


def test_integer_amount_and_missing_expiry_are_accepted(cashfree_json: Load) -> None:
    data = cashfree_json("order.json") | {"order_amount": 500, "order_expiry_time": None}
    order = gateway_order(data)
    assert order.amount == Money.of("500.00")
    assert order.expires_at is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order_status", "SOMETHING_NEW"),
        ("order_amount", "499.50"),
        ("order_amount", 499.505),
        ("order_amount", True),
        ("cf_order_id", None),
        ("order_expiry_time", "tomorrow"),
        ("order_expiry_time", "2025-02-21T16:42:13"),
        ("order_currency", "rupees"),
    ],
)
def test_malformed_order_entity_is_refused(cashfree_json: Load, field: str, value: Any) -> None:
    data = cashfree_json("order.json")
    data[field] = Decimal(str(value)) if isinstance(value, float) else value
    with pytest.raises(CashfreeResponseInvalid):
        gateway_order(data)


@pytest.mark.parametrize("data", [[], "order", None, 3])
def test_non_object_is_not_an_order(data: Any) -> None:
    with pytest.raises(CashfreeResponseInvalid):
        gateway_order(data)


def test_body_that_is_not_json_is_refused() -> None:
    with pytest.raises(CashfreeResponseInvalid):
        decode(b"<html>502 Bad Gateway</html>")


def test_payment_entities_map_to_attempts(cashfree_json: Load) -> None:
    failed, paid, untouched = payment_attempts(cashfree_json("payments.json"), NOW)

    assert failed.payment_id == "5114910327452"
    assert failed.status is AttemptStatus.FAILED
    assert failed.message == "issuer bank or payment service provider declined the transaction"
    assert failed.method == "credit_card"
    assert failed.at == datetime(2025, 1, 22, 11, 13, 20, tzinfo=UTC)
    assert failed.amount == Money.of("499.50")

    assert paid.payment_id == "5114910327999"
    assert paid.status is AttemptStatus.SUCCESS
    assert paid.message == "Transaction successful"
    assert paid.method == "upi"

    assert untouched.status is AttemptStatus.NOT_ATTEMPTED
    assert untouched.at == NOW
    assert untouched.message == ""


def test_payment_with_unknown_status_is_refused(cashfree_json: Load) -> None:
    payment = cashfree_json("payments.json")[0] | {"payment_status": "CHARGEBACK"}
    with pytest.raises(CashfreeResponseInvalid):
        payment_attempts([payment], NOW)


def test_payments_must_be_a_list(cashfree_json: Load) -> None:
    with pytest.raises(CashfreeResponseInvalid):
        payment_attempts(cashfree_json("order.json"), NOW)


def test_refund_entity_maps_to_gateway_refund(cashfree_json: Load) -> None:
    refund = gateway_refund(cashfree_json("refund.json"))

    assert refund.order_id == "ORDER_7QXW2M4K9B3ZL5NHT6RJPC8DYA"
    assert refund.refund_id == "REFUND_3KD8"
    assert refund.gateway_refund_id == "1553338"
    assert refund.amount == Money.of("100.25")
    assert refund.status is RefundStatus.PENDING
    assert refund.note == "Customer asked for a partial refund"
    assert refund.arn == "", "refund_arn is null until the refund succeeded"


def test_a_refunds_bank_reference_is_kept_trimmed_and_never_refuses_it(
    cashfree_json: Load,
) -> None:
    read: list[tuple[Any, str]] = [
        (" RF1234567890 ", "RF1234567890"),
        (1234567890, "1234567890"),
        ("R\x00F" + "7" * 120, "RF" + "7" * 98),
        (False, ""),
        (["RF1"], ""),
    ]
    for value, kept in read:
        refund = cashfree_json("refund.json") | {"refund_status": "SUCCESS", "refund_arn": value}
        assert gateway_refunds([refund])[0].arn == kept, value


@pytest.mark.parametrize(
    ("wire", "status"),
    [
        ("SUCCESS", RefundStatus.SUCCESS),
        ("CANCELLED", RefundStatus.CANCELLED),
        ("ONHOLD", RefundStatus.ONHOLD),
        ("FAILED", RefundStatus.CANCELLED),
    ],
)
def test_refund_statuses(cashfree_json: Load, wire: str, status: RefundStatus) -> None:
    refunds = gateway_refunds([cashfree_json("refund.json") | {"refund_status": wire}])
    assert [r.status for r in refunds] == [status]


def test_refund_with_unknown_status_is_refused(cashfree_json: Load) -> None:
    with pytest.raises(CashfreeResponseInvalid):
        gateway_refund(cashfree_json("refund.json") | {"refund_status": "LOST"})


def test_order_request_carries_exact_amount_and_customer() -> None:
    request = GatewayOrderRequest(
        order_id="ORDER_ABC",
        amount=Money.of("10.15"),
        customer=Customer.create("Asha Rao", "asha@example.com", "9876543210"),
        customer_id="CUST_1",
        return_url="https://shop.example.com/return",
        notify_url="https://shop.example.com/webhook",
    )
    raw = encode(order_request(request))

    assert b'"order_amount":10.15' in raw
    body = json.loads(raw, parse_float=Decimal)
    assert body == {
        "order_id": "ORDER_ABC",
        "order_amount": Decimal("10.15"),
        "order_currency": "INR",
        "customer_details": {
            "customer_id": "CUST_1",
            "customer_name": "Asha Rao",
            "customer_email": "asha@example.com",
            "customer_phone": "9876543210",
        },
        "order_meta": {
            "return_url": "https://shop.example.com/return",
            "notify_url": "https://shop.example.com/webhook",
        },
    }


def test_refund_request_leaves_out_an_empty_note() -> None:
    assert refund_request("R1", Money.of("5.00"), "") == {
        "refund_id": "R1",
        "refund_amount": Decimal("5.00"),
    }
    assert refund_request("R1", Money.of("5.00"), "late")["refund_note"] == "late"


def test_encode_refuses_floats() -> None:
    with pytest.raises(TypeError):
        encode({"order_amount": 10.15})


def test_encode_escapes_strings_and_nests() -> None:
    payload = {"a": ['quote " and \\', None, True, 3], "b": {"c": Decimal("1.50")}}
    assert json.loads(encode(payload), parse_float=Decimal) == payload


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(value=_JSON_VALUES)
def test_encode_writes_what_the_standard_library_writes_without_amounts(value: object) -> None:
    assert encode(value) == json.dumps(value, separators=(",", ":")).encode()


@given(cents=st.integers(min_value=100, max_value=50_000_000))
def test_every_amount_survives_the_wire_exactly(cents: int) -> None:
    amount = Money.of(Decimal(cents) / 100)
    raw = encode(refund_request("R1", amount, ""))
    wire = decode(raw)
    echoed = gateway_refund(
        {
            "order_id": "o",
            "refund_id": "R1",
            "cf_refund_id": 9,
            "refund_amount": wire["refund_amount"],
            "refund_currency": "INR",
            "refund_status": "SUCCESS",
        }
    )
    assert echoed.amount == amount


def test_pending_attempt_is_stamped_with_its_start(cashfree_json: Load) -> None:
    pending = cashfree_json("payments.json")[1] | {
        "payment_status": "PENDING",
        "payment_completion_time": None,
    }
    (attempt,) = payment_attempts([pending], NOW)
    assert attempt.status is AttemptStatus.PENDING
    assert attempt.at == datetime(2025, 1, 22, 11, 14, 6, tzinfo=UTC)


def test_a_deeply_nested_body_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(CashfreeResponseInvalid):
        decode(b"[" * 990 + b"]" * 990)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cf_payment_id", "9" * 101),
        ("cf_payment_id", 10**101),
        ("cf_payment_id", "77\x00"),
        ("payment_amount", 10**10),
        ("payment_amount", Decimal("10000000000.00")),
    ],
    ids=["id-101-chars", "id-101-digits", "id-nul", "amount-int-1e10", "amount-1e10"],
)
def test_payment_values_no_store_can_hold_are_refused(
    cashfree_json: Load, field: str, value: Any
) -> None:
    payment = cashfree_json("payments.json")[0] | {field: value}
    with pytest.raises(CashfreeValueUnstorable):
        payment_attempts([payment], NOW)


def test_the_largest_storable_amount_is_accepted(cashfree_json: Load) -> None:
    payment = cashfree_json("payments.json")[0] | {"payment_amount": Decimal("9999999999.99")}
    assert payment_attempts([payment], NOW)[0].amount.amount == Decimal("9999999999.99")


def test_a_long_payment_group_is_cut_to_its_column(cashfree_json: Load) -> None:
    payment = cashfree_json("payments.json")[0] | {"payment_group": "g" * 150}
    assert payment_attempts([payment], NOW)[0].method == "g" * 100


def test_the_bank_reference_is_kept_trimmed_and_never_refuses_a_payment(
    cashfree_json: Load,
) -> None:
    payments = cashfree_json("payments.json")
    assert [a.bank_reference for a in payment_attempts(payments, NOW)] == [
        "P78112898712",
        "P78112898713",
        "",
    ]
    read: list[tuple[Any, str]] = [
        (" 412345678901 ", "412345678901"),
        (412345678901, "412345678901"),
        ("U\x00TR" + "9" * 120, "UTR" + "9" * 97),
        (True, ""),
        ({"utr": "1"}, ""),
    ]
    for value, kept in read:
        payment = payments[0] | {"bank_reference": value}
        assert payment_attempts([payment], NOW)[0].bank_reference == kept, value
    absent = {k: v for k, v in payments[0].items() if k != "bank_reference"}
    assert payment_attempts([absent], NOW)[0].bank_reference == ""


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+05:30", "9999-12-31T23:59:59-05:00", "1969-12-31T23:59:59Z"]
)
def test_times_outside_1970_to_2999_are_absent(cashfree_json: Load, moment: str) -> None:
    payment = cashfree_json("payments.json")[0] | {
        "payment_time": moment,
        "payment_completion_time": moment,
    }
    assert payment_attempts([payment], NOW)[0].at == NOW
    order = cashfree_json("order.json") | {"order_expiry_time": moment}
    assert gateway_order(order).expires_at is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("cf_order_id", "1" * 101), ("order_id", "o\ud800"), ("payment_session_id", "s\x00")],
)
def test_order_ids_no_store_can_hold_are_refused(
    cashfree_json: Load, field: str, value: Any
) -> None:
    with pytest.raises(CashfreeValueUnstorable):
        gateway_order(cashfree_json("order.json") | {field: value})
