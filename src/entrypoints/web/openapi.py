"""The API's own OpenAPI 3.1 description, served at `GET /openapi.json`.

One `Operation` per route says who may call it, which request model it parses, which
answer shape it gives and which errors it can answer; the schemas come from the models
in `schemas.py` (pydantic's JSON Schema), the rest is assembled here. Describing a new
route is one line in `OPERATIONS`; `tests/integration/api/test_openapi.py` fails when a
route of the app is missing here, or a path here is not a route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from domain.refunds import RefundState
from entrypoints.web import schemas as s
from entrypoints.web.params import DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE, MAX_SEARCH
from entrypoints.web.schemas import MAX_ORDER_ID, MAX_PATH_ID, MIN_ORDER_ID

Access = Literal[
    "anyone", "admin", "metrics", "customer", "maybe-customer", "admin-or-customer", "gateway"
]
JSON = "application/json"
HTML = "text/html"
TEXT = "text/plain"
EVENTS = "text/event-stream"
REF = "#/components/schemas/{model}"

ERRORS = {
    400: "The request is invalid; `details` and `fields` name each invalid input",
    401: "Authentication is missing or wrong (an unsigned webhook, a missing token)",
    403: "Not allowed in this environment",
    404: "No such order, customer, route; or a customer route when AUTH_MODE=none",
    409: "The change conflicts with the current state",
    413: "The body is over 64 KiB",
    415: "The body is not application/json",
    429: "Too many requests: wait for Retry-After seconds",
    502: "The payment gateway failed",
    503: "The payment gateway asks us to slow down",
    504: "The payment gateway did not answer in time",
}
GATEWAY = (502, 503, 504)


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    where: Literal["query", "header"] = "query"
    required: bool = False
    description: str = ""


def _paging(
    limit: str = "limit", offset: str = "offset", limit_text: str = "", offset_text: str = ""
) -> tuple[Param, Param]:
    """The query parameters `params.paging` reads under these names."""
    return (
        Param(
            limit,
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE},
            description=limit_text,
        ),
        Param(
            offset,
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
            description=offset_text,
        ),
    )


PAGING = _paging()
LEDGER_PAGING = _paging(
    "ledgerLimit",
    "ledgerOffset",
    "ledger entries in the answer, newest first",
    "newer ledger entries to skip",
)
WEBHOOK_HEADERS = (
    Param("x-webhook-timestamp", {"type": "string", "pattern": "^[0-9]{1,16}$"}, "header"),
    Param("x-webhook-signature", {"type": "string"}, "header"),
)
_TEXT = {"type": "string"}
_AMOUNT = {"type": "number"}
WEBHOOK_BODY: dict[str, Any] = {
    "type": "object",
    "description": "What Cashfree sends (the fields this service reads); other types are "
    "acknowledged and ignored",
    "properties": {
        "type": {
            "enum": [
                "PAYMENT_SUCCESS_WEBHOOK",
                "PAYMENT_FAILED_WEBHOOK",
                "PAYMENT_USER_DROPPED_WEBHOOK",
                "REFUND_STATUS_WEBHOOK",
            ]
        },
        "event_time": _TEXT,
        "data": {
            "type": "object",
            "properties": {
                "order": {"type": "object", "properties": {"order_id": _TEXT}},
                "payment": {
                    "type": "object",
                    "properties": {
                        "cf_payment_id": {"type": ["string", "integer"]},
                        "payment_status": {
                            "enum": ["SUCCESS", "FAILED", "USER_DROPPED", "PENDING"]
                        },
                        "payment_amount": _AMOUNT,
                        "payment_currency": _TEXT,
                        "payment_message": _TEXT,
                        "payment_time": {"type": "string", "format": "date-time"},
                        "payment_group": _TEXT,
                        "bank_reference": {"type": ["string", "integer", "null"]},
                    },
                },
                "refund": {
                    "type": "object",
                    "properties": {
                        "order_id": _TEXT,
                        "refund_id": _TEXT,
                        "cf_refund_id": {"type": ["string", "integer"]},
                        "refund_status": {"enum": ["SUCCESS", "PENDING", "CANCELLED", "FAILED"]},
                        "refund_arn": {"type": ["string", "null"]},
                    },
                },
            },
        },
    },
    "required": ["type", "data"],
}
REFUND_STATES = {"type": "string", "enum": [r.value for r in RefundState]}
PATH_PARAMS = {
    "order_id": {"type": "string", "minLength": MIN_ORDER_ID, "maxLength": MAX_ORDER_ID},
    "customer_id": {"type": "string", "minLength": 1, "maxLength": MAX_PATH_ID},
    "agent_id": {"type": "string", "minLength": 1, "maxLength": MAX_PATH_ID},
}


@dataclass(frozen=True)
class Operation:
    """One route: `answer` is the 2xx JSON shape (in `{success, data}` when `data`)."""

    method: str
    path: str
    summary: str
    answer: Any = None
    access: Access = "anyone"
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    params: tuple[Param, ...] = ()
    data: bool = False
    status: int = 200
    also: tuple[int, ...] = ()
    media: str = JSON


def _page(path: str, summary: str) -> Operation:
    return Operation("GET", path, summary, media=HTML)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/api/payment/webhook",
        "Cashfree's signed payment and refund notifications",
        s.WebhookAnswer,
        "gateway",
        errors=(400,),
        params=WEBHOOK_HEADERS,
    ),
    Operation("GET", "/health", "What runs and for how long", s.HealthAnswer),
    Operation("GET", "/health/live", "The process answers", s.LiveAnswer),
    Operation(
        "GET",
        "/health/ready",
        "Whether this instance can take payments (503 when not)",
        s.ReadyAnswer,
        also=(503,),
    ),
    Operation("GET", "/metrics", "Prometheus metrics", access="metrics", media=TEXT),
    Operation(
        "POST",
        "/api/payment/create-order",
        "Open an order at the gateway",
        s.CreateOrderAnswer,
        "maybe-customer",
        s.CreateOrderRequest,
        errors=(400, 409, 415, 429, *GATEWAY),
    ),
    Operation(
        "GET",
        "/api/payment/status/{order_id}",
        "An order's payment status (no personal data)",
        s.PaymentStatusAnswer,
        errors=(400, 429, *GATEWAY),
    ),
    Operation(
        "POST",
        "/api/payment/verify",
        "Check an order with the gateway (return page)",
        s.VerifyAnswer,
        "maybe-customer",
        s.VerifyRequest,
        errors=(400, 404, 429, *GATEWAY),
    ),
    Operation(
        "POST",
        "/api/payment/verify-payment",
        "The academy's name for verify",
        s.VerifyAnswer,
        "maybe-customer",
        s.VerifyRequest,
        errors=(400, 404, 429, *GATEWAY),
    ),
    Operation("GET", "/api/payment/plans", "The plans for sale", list[s.PlanView], data=True),
    Operation(
        "GET",
        "/api/payment/me",
        "The caller's account",
        s.AccountView,
        "customer",
        errors=(400,),
        params=LEDGER_PAGING,
        data=True,
    ),
    Operation(
        "GET",
        "/api/payment/me/notifications",
        "The caller's notifications, newest first",
        list[s.NotificationView],
        "customer",
        errors=(400,),
        params=PAGING,
        data=True,
    ),
    Operation(
        "POST",
        "/api/payment/me/notifications/read",
        "Mark the caller's notifications read",
        s.MarkedView,
        "customer",
        s.MarkReadRequest,
        errors=(400,),
        data=True,
    ),
    Operation(
        "GET",
        "/api/payment/customers/{customer_id}",
        "A customer's account and profile",
        s.CustomerView,
        "admin",
        errors=(400,),
        params=LEDGER_PAGING,
        data=True,
    ),
    Operation(
        "POST",
        "/api/payment/customers/{customer_id}/adjustments",
        "Adjust a customer's credits",
        s.AdjustmentView,
        "admin",
        s.AdjustmentRequest,
        errors=(400, 409),
        data=True,
        status=201,
    ),
    Operation(
        "PUT",
        "/api/payment/customers/{customer_id}/referral-agent",
        "Set who referred a customer",
        s.ReferralAgentView,
        "admin",
        s.ReferralAgentRequest,
        errors=(400,),
        data=True,
    ),
    Operation(
        "GET",
        "/api/payment/agents/{agent_id}/referrals",
        "An agent's referrals and commission",
        s.AgentReferralsView,
        "admin",
        errors=(400,),
        data=True,
    ),
    Operation(
        "GET",
        "/api/payment/subscriptions",
        "Subscriptions active now",
        list[s.SubscriptionView],
        "admin",
        errors=(400,),
        data=True,
        params=(Param("active", {"type": "string", "enum": ["1", "true"]}), *PAGING),
    ),
    Operation(
        "POST",
        "/api/payment/orders/{order_id}/refunds",
        "Refund a paid order, fully or in part",
        s.RefundView,
        "admin",
        s.RefundRequest,
        errors=(400, 409, *GATEWAY),
        data=True,
        status=201,
        also=(200,),
    ),
    Operation(
        "GET",
        "/api/payment/orders/{order_id}/refunds",
        "An order's refunds, oldest first",
        list[s.RefundView],
        "admin",
        errors=(400,),
        data=True,
    ),
    Operation(
        "POST",
        "/api/payment/orders/{order_id}/cancel",
        "Terminate an open order",
        s.OrderView | s.PaymentStatusAnswer,
        "admin-or-customer",
        errors=(400, 409, *GATEWAY),
        data=True,
    ),
    Operation(
        "GET",
        "/api/payment/refunds",
        "Every order's refunds, newest first",
        list[s.RefundView],
        "admin",
        errors=(400,),
        data=True,
        params=(Param("state", REFUND_STATES), *PAGING),
    ),
    Operation(
        "GET",
        "/api/payment/reconciliation",
        "The reconciler's last run",
        s.ReconciliationView,
        "admin",
        data=True,
    ),
    Operation(
        "GET",
        "/api/payment/credits",
        "Credits, payments, failures and orders",
        s.CreditsView,
        "admin",
        errors=(400,),
        params=PAGING,
        data=True,
    ),
    Operation(
        "GET",
        "/api/payment/failed-payments",
        "Failed payment attempts",
        list[s.FailedPaymentView],
        "admin",
        errors=(400,),
        params=PAGING,
        data=True,
    ),
    Operation(
        "GET", "/api/payment/stats", "Payment statistics", s.StatisticsView, "admin", data=True
    ),
    Operation(
        "GET",
        "/api/payment/search",
        "Orders and customers by an order, payment, refund or customer id (ours or"
        " Cashfree's), a bank reference (a payment's UTR, a refund's ARN), an e-mail or a phone",
        s.SearchView,
        "admin",
        errors=(400,),
        params=(
            Param(
                "q",
                {"type": "string", "minLength": 1, "maxLength": MAX_SEARCH},
                required=True,
                description="what a support request names, as it came",
            ),
        ),
        data=True,
    ),
    Operation(
        "POST",
        "/api/payment/credits/reset",
        "Wipe the store (never in PRODUCTION)",
        s.ResetAnswer,
        "admin",
        errors=(403,),
    ),
    Operation(
        "GET",
        "/api/payment/events/{order_id}",
        "An order's status changes (Server-Sent Events)",
        errors=(429,),
        media=EVENTS,
    ),
    Operation(
        "GET", "/api/payment/config", "Which cashfree.js the checkout loads", s.PaymentConfigAnswer
    ),
    Operation("GET", "/openapi.json", "This description", dict[str, Any]),
    _page("/", "Home page"),
    _page("/checkout", "The payment form"),
    _page("/success", "Payment succeeded page"),
    _page("/failure", "Payment failed page"),
    _page("/return", "Where the gateway sends the customer back"),
    _page("/admin", "The operator's dashboard"),
    _page("/admin/customer", "One customer, for the operator"),
    Operation("GET", "/favicon.ico", "The site's icon", media="image/x-icon"),
)


SECURITY: dict[Access, list[dict[str, list[str]]]] = {
    "anyone": [],
    "gateway": [],
    "admin": [{"adminToken": []}],
    "metrics": [{"adminToken": []}, {"metricsToken": []}],
    "customer": [{"customerToken": []}],
    "maybe-customer": [{}, {"customerToken": []}],
    "admin-or-customer": [{}, {"adminToken": []}, {"customerToken": []}],
}
ACCESS_ERRORS: dict[Access, tuple[int, ...]] = {
    "anyone": (),
    "gateway": (401,),
    "admin": (401,),
    "metrics": (401,),
    "customer": (401, 404),
    "maybe-customer": (401,),
    "admin-or-customer": (401,),
}


def openapi_document(
    operations: tuple[Operation, ...] = OPERATIONS, version: str = "0.1.0"
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `operations`."""
    shapes, components = _schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for index, operation in enumerate(operations):
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            operation, shapes[(index, "answer")], shapes.get((index, "body"))
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cashfree checkout",
            "version": version,
            "description": "Payments through Cashfree's Payment Gateway: checkout, webhook, "
            "operator API. Every error is JSON {success: false, error, ...}.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": {str(code): _error(code) for code in ERRORS},
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "ADMIN_TOKEN: the operator routes",
                },
                "metricsToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "METRICS_TOKEN: /metrics only",
                },
                "customerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "AUTH_MODE=jwt: HS256 with JWT_SECRET, `sub` the customer id",
                },
            },
        },
    }


def _schemas(
    operations: tuple[Operation, ...],
) -> tuple[dict[tuple[int, str], dict[str, Any]], dict[str, Any]]:
    inputs: list[tuple[tuple[int, str], Any, TypeAdapter[Any]]] = [
        ((-1, "error"), "serialization", TypeAdapter(s.ErrorAnswer))
    ]
    for index, operation in enumerate(operations):
        if operation.answer is not None:
            inputs.append(((index, "answer"), "serialization", TypeAdapter(operation.answer)))
        if operation.body is not None:
            inputs.append(((index, "body"), "validation", TypeAdapter(operation.body)))
    generated, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF)
    shapes = {key: schema for (key, _), schema in generated.items()}
    for index in range(len(operations)):
        shapes.setdefault((index, "answer"), {})
    components: dict[str, Any] = definitions.get("$defs", {})
    assert shapes[(-1, "error")] == {"$ref": REF.format(model="ErrorAnswer")}
    return shapes, components


def _operation(
    operation: Operation, answer: dict[str, Any], body: dict[str, Any] | None
) -> dict[str, Any]:
    if operation.data:
        answer = {
            "type": "object",
            "properties": {"success": {"const": True}, "data": answer},
            "required": ["success", "data"],
            "additionalProperties": False,
        }
    content = (
        {operation.media: {"schema": answer}}
        if operation.media == JSON
        else {operation.media: {"schema": {"type": "string"}}}
    )
    success = {"description": operation.summary, "content": content}
    responses: dict[str, Any] = {str(operation.status): success}
    for status in operation.also:
        responses[str(status)] = success
    errors = set(operation.errors) | set(ACCESS_ERRORS[operation.access])
    if "{" in operation.path:
        errors |= {400, 404}
    if body is not None:
        errors |= {400, 413}
    for code in sorted(errors):
        responses[str(code)] = {"$ref": f"#/components/responses/{code}"}
    described: dict[str, Any] = {
        "summary": operation.summary,
        "operationId": _operation_id(operation),
        "responses": responses,
    }
    parameters = [_path_param(name) for name in _path_names(operation.path)]
    parameters += [_param(p) for p in operation.params]
    if parameters:
        described["parameters"] = parameters
    if body is not None:
        described["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    elif operation.access == "gateway":
        described["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": WEBHOOK_BODY}},
            "description": "Cashfree's webhook, signed over x-webhook-timestamp + the raw body",
        }
    security = SECURITY[operation.access]
    if security:
        described["security"] = security
    return described


def _error(code: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERRORS[code],
        "content": {JSON: {"schema": {"$ref": "#/components/schemas/ErrorAnswer"}}},
    }
    if code in (429, 503):
        response["headers"] = {
            "Retry-After": {"schema": {"type": "string"}, "description": "seconds to wait"}
        }
    return response


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": PATH_PARAMS[name]}


def _param(param: Param) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": param.name,
        "in": param.where,
        "required": param.required,
        "schema": param.schema,
    }
    if param.description:
        described["description"] = param.description
    return described


def _operation_id(operation: Operation) -> str:
    words = [w for w in operation.path.replace("{", "").replace("}", "").split("/") if w]
    return (
        "_".join(
            [operation.method.lower(), *(w.replace("-", "_").replace(".", "_") for w in words)]
        )
        or "root"
    )
