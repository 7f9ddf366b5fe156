"""GET /openapi.json describes exactly the app's routes, and what they answer fits it.

The fuzz run (tests/fuzz) checks answers to generated requests on a nearly empty store;
here every route answers with data in it (a paid plan, a failed attempt, a refund, an
adjustment, a referral, a notification, a reconciler run), so every shape is checked
with its lists filled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from starlette.routing import Mount, Route

from entrypoints.web.app import create_app
from entrypoints.web.openapi import OPERATIONS, Operation, openapi_document

from .accounts_harness import JWT_SECRET, bearer, buy_plan, plans_file, token
from .harness import Service, running_service

DOCUMENT = openapi_document()


async def test_the_description_names_every_route_and_nothing_else(service: Service) -> None:
    """Static files and the simulator are mounts, not API routes; HEAD rides on GET."""
    app = create_app(service.container)
    assert any(isinstance(route, Mount) for route in app.routes)
    routes = {
        (route.path, method)
        for route in app.routes
        if isinstance(route, Route)
        for method in (route.methods or ())
        if method != "HEAD"
    }
    described = {
        (path, method.upper()) for path, item in DOCUMENT["paths"].items() for method in item
    }
    assert described == routes


def test_the_description_is_openapi_3_1_with_valid_schemas() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    for name, schema in DOCUMENT["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema({**schema, "title": name})
    ids = [op["operationId"] for item in DOCUMENT["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_adding_a_route_to_the_description_is_one_operation() -> None:
    extra = Operation("GET", "/health/version", "Version", dict[str, Any])
    document = openapi_document((*OPERATIONS, extra))
    assert document["paths"]["/health/version"]["get"]["responses"]["200"]
    assert len(document["paths"]) == len(DOCUMENT["paths"]) + 1


def conforms(method: str, template: str, response: Any) -> None:
    """The answer's status is described for the route and its JSON body fits its schema."""
    described = DOCUMENT["paths"][template][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in described, (method, template, status, response.text)
    answer = described[status]
    if "$ref" in answer:
        answer = DOCUMENT["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = answer["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator(
        {**schema, "components": DOCUMENT["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json())
    ]
    assert not errors, (method, template, errors)


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Service]:
    async with running_service(
        f"sqlite:///{tmp_path / 'checkout.db'}",
        plans_file=plans_file(tmp_path),
        auth_mode="jwt",
        jwt_secret=JWT_SECRET,
    ) as running:
        yield running


async def test_every_answer_with_data_fits_the_description(shop: Service) -> None:
    customer = bearer(token("user_42", referral_agent="agent_7"))
    paid = await buy_plan(shop, "premium-monthly", customer)
    failed = await shop.client.post(
        "/api/payment/create-order",
        json={
            "amount": "120.50",
            "customerName": "Asha Rao",
            "customerEmail": "asha@example.com",
            "customerPhone": "+91 98765 43210",
        },
        headers=customer,
    )
    conforms("POST", "/api/payment/create-order", failed)
    open_order = failed.json()["order_id"]
    await shop.attempt(open_order, "FAILED", "Card declined")
    admin = shop.admin
    order_id = paid["order_id"]

    calls: list[tuple[str, str, str, dict[str, str], Any]] = [
        ("GET", "/api/payment/status/{order_id}", f"/api/payment/status/{open_order}", {}, None),
        ("POST", "/api/payment/verify", "/api/payment/verify", customer, {"orderId": order_id}),
        (
            "POST",
            "/api/payment/verify-payment",
            "/api/payment/verify-payment",
            customer,
            {"order_id": open_order},
        ),
        ("GET", "/api/payment/plans", "/api/payment/plans", {}, None),
        ("GET", "/api/payment/me", "/api/payment/me", customer, None),
        ("GET", "/api/payment/me/notifications", "/api/payment/me/notifications", customer, None),
        (
            "POST",
            "/api/payment/me/notifications/read",
            "/api/payment/me/notifications/read",
            customer,
            {"ids": ["msg_nope"]},
        ),
        (
            "POST",
            "/api/payment/orders/{order_id}/refunds",
            f"/api/payment/orders/{order_id}/refunds",
            admin,
            {"amount": "100.00", "reason": "partly unused", "refund_id": "refund_1"},
        ),
        (
            "GET",
            "/api/payment/orders/{order_id}/refunds",
            f"/api/payment/orders/{order_id}/refunds",
            admin,
            None,
        ),
        ("GET", "/api/payment/refunds", "/api/payment/refunds?state=pending", admin, None),
        (
            "POST",
            "/api/payment/customers/{customer_id}/adjustments",
            "/api/payment/customers/user_42/adjustments",
            admin,
            {"credits": 3, "note": "goodwill"},
        ),
        (
            "PUT",
            "/api/payment/customers/{customer_id}/referral-agent",
            "/api/payment/customers/user_42/referral-agent",
            admin,
            {"agentId": "agent_9"},
        ),
        (
            "GET",
            "/api/payment/customers/{customer_id}",
            "/api/payment/customers/user_42",
            admin,
            None,
        ),
        (
            "GET",
            "/api/payment/agents/{agent_id}/referrals",
            "/api/payment/agents/agent_7/referrals",
            admin,
            None,
        ),
        ("GET", "/api/payment/subscriptions", "/api/payment/subscriptions?active=1", admin, None),
        ("GET", "/api/payment/credits", "/api/payment/credits", admin, None),
        ("GET", "/api/payment/failed-payments", "/api/payment/failed-payments", admin, None),
        ("GET", "/api/payment/stats", "/api/payment/stats", admin, None),
        ("GET", "/api/payment/reconciliation", "/api/payment/reconciliation", admin, None),
        (
            "POST",
            "/api/payment/orders/{order_id}/cancel",
            f"/api/payment/orders/{open_order}/cancel",
            customer,
            None,
        ),
        (
            "POST",
            "/api/payment/orders/{order_id}/cancel",
            f"/api/payment/orders/{order_id}/cancel",
            admin,
            None,
        ),
        ("GET", "/health", "/health", {}, None),
        ("GET", "/health/live", "/health/live", {}, None),
        ("GET", "/health/ready", "/health/ready", {}, None),
        ("GET", "/api/payment/config", "/api/payment/config", {}, None),
        ("GET", "/api/payment/status/{order_id}", "/api/payment/status/ORDER_unknown", {}, None),
        (
            "POST",
            "/api/payment/create-order",
            "/api/payment/create-order",
            customer,
            {"amount": "1e2", "customerName": "A"},
        ),
        ("POST", "/api/payment/credits/reset", "/api/payment/credits/reset", {}, None),
    ]
    await shop.container.reconciler().run_once()
    for method, template, url, headers, body in calls:
        response = await shop.client.request(method, url, headers=headers, json=body)
        conforms(method, template, response)
    account = (await shop.client.get("/api/payment/me", headers=customer)).json()["data"]
    assert account["ledger"] and account["subscriptions"] and account["orders"]
    credits = (await shop.client.get("/api/payment/credits", headers=admin)).json()["data"]
    assert credits["payments"] and credits["failedPayments"] and credits["orders"]


async def test_the_served_description_is_the_generated_one(service: Service) -> None:
    response = await service.client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == DOCUMENT
