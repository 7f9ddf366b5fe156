"""Every /pg answer of a scripted session validates against Cashfree's OpenAPI description.

Strict: a property the spec does not name fails, so a misspelled field is caught; and the
fields integrations depend on must be present, which the spec itself never requires.
"""

from __future__ import annotations

import json
from typing import Any

from cashfree_simulator.pytest_plugin import FakeCashfree

from .conftest import order_body
from .openapi_contract import OpenApiContract, missing_fields

ORDER_FIELDS = (
    "cf_order_id",
    "order_id",
    "entity",
    "order_currency",
    "order_amount",
    "order_status",
    "payment_session_id",
    "order_expiry_time",
    "created_at",
    "customer_details",
)
PAYMENT_FIELDS = (
    "cf_payment_id",
    "order_id",
    "entity",
    "payment_status",
    "payment_amount",
    "payment_currency",
    "payment_group",
    "payment_time",
    "payment_method",
)
REFUND_FIELDS = (
    "cf_refund_id",
    "cf_payment_id",
    "refund_id",
    "order_id",
    "entity",
    "refund_amount",
    "refund_currency",
    "refund_status",
    "created_at",
)


class Session:
    """Calls the simulator and checks each answer against the spec as it comes."""

    def __init__(self, fake: FakeCashfree, contract: OpenApiContract) -> None:
        self.client = fake.client
        self.contract = contract
        self.checked: list[tuple[str, str, int]] = []

    async def call(
        self,
        method: str,
        template: str,
        expect: int,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> Any:
        response = await self.client.request(
            method, "/pg" + template.format(**params), json=json_body, headers=headers
        )
        assert response.status_code == expect, response.text
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        self.contract.validate(template, method, response.status_code, body)
        self.checked.append((method, template, response.status_code))
        return body


async def test_a_scripted_session_matches_the_spec(
    fake_cashfree: FakeCashfree, contract: OpenApiContract
) -> None:
    s = Session(fake_cashfree, contract)
    order = await s.call("POST", "/orders", 200, order_body("conf_order_1"))
    assert missing_fields(order, ORDER_FIELDS) == []
    fetched = await s.call("GET", "/orders/{order_id}", 200, order_id="conf_order_1")
    assert fetched["order_status"] == "ACTIVE"
    assert await s.call("GET", "/orders/{order_id}/payments", 200, order_id="conf_order_1") == []

    failed = await fake_cashfree.simulator.record_attempt(
        "conf_order_1", "FAILED", "Insufficient funds"
    )
    paid = await fake_cashfree.simulator.record_attempt("conf_order_1", "SUCCESS", method="card")
    payments = await s.call("GET", "/orders/{order_id}/payments", 200, order_id="conf_order_1")
    assert [p["payment_status"] for p in payments] == ["FAILED", "SUCCESS"]
    for payment in payments:
        assert missing_fields(payment, PAYMENT_FIELDS) == []
    one = await s.call(
        "GET",
        "/orders/{order_id}/payments/{cf_payment_id}",
        200,
        order_id="conf_order_1",
        cf_payment_id=str(paid["cf_payment_id"]),
    )
    assert one["cf_payment_id"] == paid["cf_payment_id"] != failed["cf_payment_id"]

    refund = await s.call(
        "POST",
        "/orders/{order_id}/refunds",
        200,
        {"refund_id": "conf_refund_1", "refund_amount": 100, "refund_note": "partial"},
        order_id="conf_order_1",
    )
    assert missing_fields(refund, REFUND_FIELDS) == []
    refunds = await s.call("GET", "/orders/{order_id}/refunds", 200, order_id="conf_order_1")
    assert [r["refund_id"] for r in refunds] == ["conf_refund_1"]
    await s.call(
        "GET",
        "/orders/{order_id}/refunds/{refund_id}",
        200,
        order_id="conf_order_1",
        refund_id="conf_refund_1",
    )
    terminated_order = await s.call("POST", "/orders", 200, order_body("conf_order_2"))
    assert terminated_order["order_status"] == "ACTIVE"
    ended = await s.call(
        "PATCH",
        "/orders/{order_id}",
        200,
        {"order_status": "TERMINATED"},
        order_id="conf_order_2",
    )
    assert ended["order_status"] == "TERMINATED"
    assert len(s.checked) == 10


async def test_each_error_class_matches_the_spec(
    fake_cashfree: FakeCashfree, contract: OpenApiContract
) -> None:
    s = Session(fake_cashfree, contract)
    invalid = await s.call("POST", "/orders", 400, {"order_amount": 10, "order_currency": "INR"})
    assert invalid["type"] == "invalid_request_error"
    wrong_secret = {**fake_cashfree.headers, "x-client-secret": "not-the-secret"}
    denied = await s.call("GET", "/orders/{order_id}", 401, headers=wrong_secret, order_id="x1x")
    assert denied["type"] == "authentication_error"
    assert fake_cashfree.secret not in json.dumps(denied)
    missing = await s.call("GET", "/orders/{order_id}", 404, order_id="no_such_order")
    assert missing["type"] == "invalid_request_error"
    await s.call("GET", "/orders/{order_id}/payments", 404, order_id="no_such_order")
    await s.call("GET", "/orders/{order_id}/refunds", 404, order_id="no_such_order")
    await s.call("POST", "/orders", 200, order_body("conf_dup_1"))
    duplicate = await s.call("POST", "/orders", 409, order_body("conf_dup_1"))
    assert duplicate["type"] == "invalid_request_error"
    for body in (invalid, denied, missing, duplicate):
        assert set(body) >= {"message", "code", "type"}


async def test_an_idempotency_conflict_is_the_documented_422(
    fake_cashfree: FakeCashfree, contract: OpenApiContract
) -> None:
    key = {**fake_cashfree.headers, "x-idempotency-key": "idem-conformance-1"}
    body = order_body("conf_idem_1")
    first = await fake_cashfree.client.post("/pg/orders", json=body, headers=key)
    again = await fake_cashfree.client.post("/pg/orders", json=body, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    other = await fake_cashfree.client.post(
        "/pg/orders", json=order_body("conf_idem_1", amount=99), headers=key
    )
    assert other.json()["type"] == "idempotency_error"
    assert other.status_code == 422
    contract.validate("/orders", "post", other.status_code, other.json())


async def test_delivered_webhooks_match_the_spec(
    fake_cashfree: FakeCashfree, contract: OpenApiContract
) -> None:
    await fake_cashfree.client.post("/pg/orders", json=order_body("conf_hook_1"))
    await fake_cashfree.simulator.record_attempt("conf_hook_1", "FAILED", "Card expired")
    await fake_cashfree.simulator.record_attempt("conf_hook_1", "USER_DROPPED")
    await fake_cashfree.simulator.record_attempt("conf_hook_1", "SUCCESS")
    await fake_cashfree.client.post(
        "/pg/orders/conf_hook_1/refunds", json={"refund_id": "conf_hook_r1", "refund_amount": 5}
    )
    payments = (await fake_cashfree.client.get("/pg/orders/conf_hook_1/payments")).json()
    paid_ids = {p["cf_payment_id"] for p in payments}
    log = (await fake_cashfree.client.get("/control/webhooks")).json()
    kinds = [json.loads(entry["body"])["type"] for entry in log]
    assert kinds == [
        "PAYMENT_FAILED_WEBHOOK",
        "PAYMENT_USER_DROPPED_WEBHOOK",
        "PAYMENT_SUCCESS_WEBHOOK",
        "REFUND_STATUS_WEBHOOK",
    ]
    for entry, kind in zip(log, kinds, strict=True):
        body = json.loads(entry["body"])
        schema = "RefundWebhook" if kind.startswith("REFUND") else "PaymentWebhook"
        if schema == "PaymentWebhook":
            # Cashfree's published webhook samples carry cf_payment_id as a number, the
            # 2025-01-01 schema as a string; receivers must take both, and the number must
            # name the same payment the /pg API reports as a string.
            payment = body["data"]["payment"]
            assert isinstance(payment["cf_payment_id"], int)
            payment["cf_payment_id"] = str(payment["cf_payment_id"])
            assert payment["cf_payment_id"] in paid_ids
        problems = contract.errors_for_schema(schema, body)
        assert problems == [], f"{kind}: {problems}"


def test_the_contract_itself_catches_a_wrong_field(contract: OpenApiContract) -> None:
    """The validator is not vacuous: a misspelled or mistyped field fails it."""
    assert contract.errors("/orders", "post", 200, {"order_amount": "12.00"}) != []
    assert contract.errors("/orders", "post", 200, {"orderAmount": 12}) != []
    assert contract.errors("/orders", "post", 200, {"order_amount": 12}) == []
