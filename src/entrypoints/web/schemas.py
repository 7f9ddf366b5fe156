"""The JSON the API takes and gives, as models: the routes parse request bodies through
the request models, and `openapi.py` describes every route with the JSON Schema pydantic
generates from them and from the response shapes.

Request models take any JSON value per field (`object`) and leave the rules to the
domain, which reports every invalid field at once in the API's `{field, message}` shape;
each field carries the JSON Schema of what the domain accepts, built from the domain's
own constants, so the description cannot drift from the rules. Response shapes are
TypedDicts matching the views field for field (`additionalProperties: false`): a view
that adds a key without describing it fails the fuzz run and the description tests.
"""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from pydantic import BaseModel, ConfigDict, WithJsonSchema
from typing_extensions import TypedDict  # pydantic needs it below Python 3.12

from application.use_cases.notifications import MAX_READ_IDS
from domain.customer import EMAIL_MAX, NAME_MAX, NAME_MIN
from domain.money import MAX_AMOUNT, MIN_AMOUNT, PLAIN_DECIMAL_PATTERN
from domain.order import AttemptStatus, OrderStatus
from domain.refunds import MAX_REASON, MIN_REASON, RefundState
from entrypoints.web.params import MAX_ORDER_ID, MAX_PATH_ID, MIN_ORDER_ID

CLOSED = ConfigDict(extra="forbid")


def _json(schema: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema(schema)


# --- values -------------------------------------------------------------------------------

Timestamp = Annotated[str, _json({"type": "string", "format": "date-time"})]
Amount = Annotated[float, _json({"type": "number", "description": "rupees, two decimals"})]
Currency = Annotated[str, _json({"type": "string", "pattern": "^[A-Z]{3}$"})]
OrderStatusName = Annotated[str, _json({"enum": [s.value for s in OrderStatus]})]
AttemptStatusName = Annotated[str, _json({"enum": [s.value for s in AttemptStatus]})]
RefundStateName = Annotated[str, _json({"enum": [s.value for s in RefundState]})]

AMOUNT_INPUT: dict[str, Any] = {
    "description": "a JSON number, or a plain ASCII decimal string, with at most 2 decimals",
    "anyOf": [
        {"type": "number", "minimum": float(MIN_AMOUNT), "maximum": float(MAX_AMOUNT)},
        {"type": "string", "pattern": PLAIN_DECIMAL_PATTERN, "maxLength": 12},
    ],
}
ORDER_ID_INPUT: dict[str, Any] = {
    "type": "string",
    "minLength": MIN_ORDER_ID,
    "maxLength": MAX_ORDER_ID,
    "pattern": r"^[^\x00-\x1f\x7f]+$",
}


# --- requests -----------------------------------------------------------------------------


class CreateOrderRequest(BaseModel):
    """A free amount, or a plan (`planId`) whose price the server sets."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "required": ["customerName", "customerEmail", "customerPhone"],
            "anyOf": [{"required": ["amount"]}, {"required": ["planId"]}],
        },
    )

    amount: Annotated[object, _json(AMOUNT_INPUT)] = None
    customerName: Annotated[
        object,
        _json(
            {
                "type": "string",
                "minLength": NAME_MIN,
                "maxLength": NAME_MAX,
                "description": "printable characters; runs of white space count as one",
                "pattern": r"^[^\x00-\x1f\x7f]+$",
            }
        ),
    ] = None
    customerEmail: Annotated[
        object, _json({"type": "string", "format": "email", "maxLength": EMAIL_MAX})
    ] = None
    customerPhone: Annotated[
        object,
        _json(
            {
                "type": "string",
                "description": "an Indian mobile number, stored as its 10 digits; spaces, "
                "'-', a leading +91, 91 or 0 are accepted",
                "pattern": r"^(\+91 ?|91|0)?[6-9][0-9]{4}[ -]?[0-9]{5}$",
            }
        ),
    ] = None
    planId: Annotated[object, _json({"type": "string", "maxLength": 64})] = None


class VerifyRequest(BaseModel):
    """The return page's check: `order_id`, or the academy's `orderId`."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"anyOf": [{"required": ["order_id"]}, {"required": ["orderId"]}]},
    )

    order_id: Annotated[object, _json(ORDER_ID_INPUT)] = None
    orderId: Annotated[object, _json(ORDER_ID_INPUT)] = None

    @property
    def any_order_id(self) -> object:
        return self.order_id if self.order_id is not None else self.orderId


class MarkReadRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"required": ["ids"]})

    ids: Annotated[
        object,
        _json(
            {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_READ_IDS,
                "items": {"type": "string", "minLength": 1, "maxLength": MAX_PATH_ID},
            }
        ),
    ] = None


class AdjustmentRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"required": ["credits", "note"]})

    credits: Annotated[object, _json({"type": "integer", "not": {"const": 0}})] = None
    note: Annotated[object, _json({"type": "string", "minLength": 1})] = None


class ReferralAgentRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"required": ["agentId"]})

    agentId: Annotated[object, _json({"type": "string", "pattern": "^[A-Za-z0-9_-]{3,50}$"})] = None


class RefundRequest(BaseModel):
    """`refund_id` (or `refundId`) is the idempotency key; generated when left out."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"required": ["amount", "reason"]})

    amount: Annotated[
        object,
        _json(
            {
                "anyOf": [
                    {"type": "number", "exclusiveMinimum": 0},
                    {"type": "string", "pattern": PLAIN_DECIMAL_PATTERN, "maxLength": 12},
                ]
            }
        ),
    ] = None
    reason: Annotated[
        object, _json({"type": "string", "minLength": MIN_REASON, "maxLength": MAX_REASON})
    ] = None
    refund_id: Annotated[object, _json({"type": "string", "pattern": "^[A-Za-z0-9_-]{3,40}$"})] = (
        None
    )
    refundId: Annotated[object, _json({"type": "string", "pattern": "^[A-Za-z0-9_-]{3,40}$"})] = (
        None
    )

    @property
    def any_refund_id(self) -> object:
        return self.refund_id if self.refund_id is not None else self.refundId


# --- errors -------------------------------------------------------------------------------


class FieldMessage(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    field: str
    message: str


class ErrorAnswer(TypedDict):
    """Every error: `details` and `fields` list each invalid input of a 400."""

    success: Annotated[bool, _json({"const": False})]
    error: str
    details: NotRequired[list[str]]
    fields: NotRequired[list[FieldMessage]]
    remaining: NotRequired[Amount]
    balance: NotRequired[int]


# --- payments -----------------------------------------------------------------------------


class AttemptView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    payment_id: str
    status: AttemptStatusName
    message: str
    amount: Amount
    currency: Currency
    method: str
    at: Timestamp
    mismatch: bool


class PaymentStatusAnswer(TypedDict):
    """What the customer's page sees: no name, e-mail or phone."""

    __pydantic_config__ = CLOSED  # type: ignore[misc]

    success: bool
    status: str
    order_id: str
    order_status: OrderStatusName
    amount: Amount
    currency: Currency
    attempts: list[AttemptView]
    transaction_id: NotRequired[str]
    reason: NotRequired[str]


class VerifyAnswer(PaymentStatusAnswer):
    verified: bool


class CreateOrderAnswer(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    success: bool
    order_id: str
    payment_session_id: str
    environment: str
    amount: Amount
    customer_id: str
    planId: NotRequired[str]


class OrderView(TypedDict):
    """An order for the operator."""

    __pydantic_config__ = CLOSED  # type: ignore[misc]

    orderId: str
    amount: Amount
    currency: Currency
    customerName: str
    customerEmail: str
    customerPhone: str
    status: OrderStatusName
    paymentStatus: str
    createdAt: Timestamp
    paidAt: Timestamp | None
    failureReason: str | None
    paidAfterClose: bool
    attempts: list[AttemptView]


class CreditView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    orderId: str
    transactionId: str
    amount: Amount
    currency: Currency
    credits: int
    customerName: str
    customerEmail: str
    paymentMethod: str
    status: str
    timestamp: Timestamp
    processedAt: Timestamp


class FailedPaymentView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    orderId: str
    transactionId: str
    amount: Amount
    status: AttemptStatusName
    reason: str
    paymentMethod: str
    timestamp: Timestamp
    failedAt: Timestamp


class CreditsView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    totalCredits: int
    totalAmount: Amount
    payments: list[CreditView]
    failedPayments: list[FailedPaymentView]
    orders: list[OrderView]


class StatisticsView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    totalPayments: int
    totalFailures: int
    totalAmount: Amount
    failedAmount: Amount
    averageAmount: Amount
    successRate: float
    totalCredits: int
    totalOrders: int
    ordersByStatus: dict[str, int]
    paidAfterClose: int
    refundedAmount: Amount
    refundCount: int
    netRevenue: Amount


# --- plans and accounts -------------------------------------------------------------------


class PlanView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    id: str
    name: str
    description: str
    price: Amount
    currency: Currency
    credits: int
    period: str | None
    kind: str | None


class PurchaseView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    planId: str | None
    credits: int
    period: str | None
    kind: str | None


class StatementLineView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    entryId: str
    kind: str
    credits: int
    at: Timestamp
    orderId: str | None
    refundId: str | None
    note: str


class AdjustmentView(StatementLineView):
    customerId: str


class PeriodView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    orderId: str
    planId: str | None
    startsAt: Timestamp
    endsAt: Timestamp
    active: bool


class SubscriptionView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    customerId: str
    kind: str
    startsAt: Timestamp | None
    endsAt: Timestamp | None
    active: bool
    periods: list[PeriodView]
    planId: NotRequired[str]


class CustomerOrderView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    orderId: str
    amount: Amount
    currency: Currency
    status: OrderStatusName
    paymentStatus: str
    createdAt: Timestamp
    paidAt: Timestamp | None
    paidAfterClose: bool
    purchase: PurchaseView
    attempts: list[AttemptView]


class AccountView(TypedDict):
    """A customer's own account (`/me`)."""

    __pydantic_config__ = CLOSED  # type: ignore[misc]

    customerId: str
    balance: int
    ledger: list[StatementLineView]
    subscriptions: list[SubscriptionView]
    orders: list[CustomerOrderView]


class CustomerView(AccountView):
    """The operator's view adds the profile (`createdAt` once the customer has one)."""

    name: str | None
    email: str | None
    phone: str | None
    referralAgent: str | None
    createdAt: NotRequired[Timestamp]


class NotificationView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    id: str
    topic: str
    title: str
    body: str
    createdAt: Timestamp
    readAt: Timestamp | None
    read: bool


class ReferralView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    orderId: str
    customerId: str
    amount: Amount
    commission: Amount
    currency: Currency
    status: str


class AgentReferralsView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    agentId: str
    count: int
    totalAmount: Amount
    totalCommission: Amount
    referrals: list[ReferralView]


class MarkedView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    marked: int


class ReferralAgentView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    customerId: str
    referralAgent: str | None


# --- refunds and reconciliation ------------------------------------------------------------


class RefundView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    refundId: str
    orderId: str
    customerId: str
    amount: Amount
    currency: Currency
    reason: str
    state: RefundStateName
    gatewayRefundId: str | None
    createdAt: Timestamp
    updatedAt: Timestamp


class ChangeView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    kind: str
    id: str
    before: str
    after: str


class ReconcileRunView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    startedAt: Timestamp
    finishedAt: Timestamp
    checked: int
    failed: int
    changes: list[ChangeView]


class ReconciliationView(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    intervalSeconds: float
    lastRun: ReconcileRunView | None


# --- service ------------------------------------------------------------------------------


class HealthAnswer(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    status: str
    environment: str
    store: str
    gateway: str
    uptime: float


class PaymentConfigAnswer(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    environment: str
    gateway: str
    mode: str
    sdkUrl: str


class WebhookAnswer(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    success: bool
    status: Annotated[str, _json({"enum": ["received", "ignored"]})]


class ResetAnswer(TypedDict):
    __pydantic_config__ = CLOSED  # type: ignore[misc]

    success: bool
    message: str
