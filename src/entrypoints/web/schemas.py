"""The JSON the API takes and gives, as models: the routes parse request bodies through
the request models, and `openapi.py` describes every route with the JSON Schema pydantic
generates from them and from the response shapes.

Request models take any JSON value per field (`object`) and leave the rules to the
domain, which reports every invalid field at once in the API's `{field, message}` shape;
each field carries the JSON Schema of what the domain accepts, built from the domain's
own constants, so the description cannot drift from the rules. Response shapes are
TypedDicts the views return: mypy checks that each view builds exactly its shape, and
the description closes them (`additionalProperties: false`), so the fuzz run and the
description tests catch an answer that strays from it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, WithJsonSchema, with_config
from typing_extensions import TypedDict  # pydantic needs it below Python 3.12

from application.use_cases.notifications import MAX_READ_IDS
from domain.customer import EMAIL_MAX, NAME_MAX, NAME_MIN
from domain.money import MAX_AMOUNT, MIN_AMOUNT, PLAIN_DECIMAL_PATTERN
from domain.order import AttemptStatus, OrderStatus
from domain.refunds import MAX_REASON, MIN_REASON, RefundState

CLOSED = ConfigDict(extra="forbid")
MIN_ORDER_ID, MAX_ORDER_ID = 3, 64
MAX_PATH_ID = 100


def _json(schema: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema(schema)


# --- values -------------------------------------------------------------------------------

Timestamp = Annotated[str, _json({"type": "string", "format": "date-time"})]
Amount = Annotated[float, _json({"type": "number", "description": "rupees, two decimals"})]
Currency = Annotated[str, _json({"type": "string", "pattern": "^[A-Z]{3}$"})]
OrderStatusName = Annotated[str, _json({"enum": [s.value for s in OrderStatus]})]
AttemptStatusName = Annotated[str, _json({"enum": [s.value for s in AttemptStatus]})]
RefundStateName = Annotated[str, _json({"enum": [s.value for s in RefundState]})]
RefundedAmount = Annotated[
    float, _json({"type": "number", "description": "what the order's refunds returned"})
]
RefundingAmount = Annotated[
    float, _json({"type": "number", "description": "what its pending refunds are returning"})
]

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


@with_config(CLOSED)
class FieldMessage(TypedDict):
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


@with_config(CLOSED)
class AttemptView(TypedDict):
    payment_id: str
    status: AttemptStatusName
    message: str
    amount: Amount
    currency: Currency
    method: str
    at: Timestamp
    mismatch: bool
    bank_reference: Annotated[
        str, _json({"type": "string", "description": "the bank's reference (UTR), or empty"})
    ]


@with_config(CLOSED)
class PaymentStatusAnswer(TypedDict):
    """What the customer's page sees: no name, e-mail or phone."""

    success: bool
    status: str
    order_id: str
    order_status: OrderStatusName
    amount: Amount
    currency: Currency
    attempts: list[AttemptView]
    purchase: PurchaseView
    transaction_id: NotRequired[str]
    reason: NotRequired[str]
    gatewayCheck: NotRequired[Literal["pending", "unavailable"]]
    refunded: NotRequired[RefundedAmount]
    refunding: NotRequired[RefundingAmount]
    refund_references: NotRequired[
        Annotated[
            list[str],
            _json({"description": "the banks' references (ARN) of the returned refunds"}),
        ]
    ]


@with_config(CLOSED)
class VerifyAnswer(PaymentStatusAnswer):
    verified: bool


@with_config(CLOSED)
class CreateOrderAnswer(TypedDict):
    success: bool
    order_id: str
    payment_session_id: str
    environment: str
    amount: Amount
    customer_id: str
    planId: NotRequired[str]


class RefundsView(TypedDict):
    """What an order's refunds returned and are returning (in OrderView, CustomerOrderView)."""

    refunded: RefundedAmount
    refunding: RefundingAmount
    refundReferences: Annotated[
        list[str], _json({"description": "the banks' references (ARN) of returned refunds"})
    ]


@with_config(CLOSED)
class OrderView(RefundsView):
    """An order for the operator, with what its refunds returned."""

    orderId: str
    amount: Amount
    currency: Currency
    customerId: str
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


@with_config(CLOSED)
class CreditView(TypedDict):
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


@with_config(CLOSED)
class FailedPaymentView(TypedDict):
    orderId: str
    transactionId: str
    amount: Amount
    status: AttemptStatusName
    reason: str
    paymentMethod: str
    timestamp: Timestamp
    failedAt: Timestamp


@with_config(CLOSED)
class CreditsView(TypedDict):
    totalCredits: int
    totalAmount: Amount
    payments: list[CreditView]
    failedPayments: list[FailedPaymentView]
    orders: list[OrderView]


@with_config(CLOSED)
class StatisticsView(TypedDict):
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
    totalDropOuts: int
    refundedAmount: Amount
    refundCount: int
    netRevenue: Amount


# --- plans and accounts -------------------------------------------------------------------


@with_config(CLOSED)
class PlanView(TypedDict):
    id: str
    name: str
    description: str
    price: Amount
    currency: Currency
    credits: int
    period: str | None
    kind: str | None


@with_config(CLOSED)
class PurchaseView(TypedDict):
    planId: str | None
    credits: int
    period: str | None
    kind: str | None


@with_config(CLOSED)
class StatementLineView(TypedDict):
    entryId: str
    kind: str
    credits: int
    at: Timestamp
    orderId: str | None
    refundId: str | None
    note: str


@with_config(CLOSED)
class AdjustmentView(StatementLineView):
    customerId: str


@with_config(CLOSED)
class PeriodView(TypedDict):
    orderId: str
    planId: str | None
    startsAt: Timestamp
    endsAt: Timestamp
    active: bool


@with_config(CLOSED)
class SubscriptionView(TypedDict):
    customerId: str
    kind: str
    startsAt: Timestamp | None
    endsAt: Timestamp | None
    active: bool
    periods: list[PeriodView]
    planId: NotRequired[str]


@with_config(CLOSED)
class CustomerOrderView(RefundsView):
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


@with_config(CLOSED)
class AccountView(TypedDict):
    """A customer's own account (`/me`)."""

    customerId: str
    balance: int
    ledger: list[StatementLineView]
    ledgerMore: bool
    subscriptions: list[SubscriptionView]
    orders: list[CustomerOrderView]


@with_config(CLOSED)
class ProfileView(TypedDict):
    """Who the customer is (`createdAt` once the customer has a profile)."""

    name: str | None
    email: str | None
    phone: str | None
    referralAgent: str | None
    createdAt: NotRequired[Timestamp]


@with_config(CLOSED)
class FoundCustomerView(ProfileView):
    """A customer a search found, with the contact details of their latest order;
    `earlierContact` when found by an e-mail or phone only an earlier order of theirs was
    paid with."""

    customerId: str
    earlierContact: bool


@with_config(CLOSED)
class SearchView(TypedDict):
    """What `q` named: orders by any of their references, customers by id, e-mail or
    phone (the latest, or any an order was paid with); newest first, at most 20 of each;
    and the found orders' refunds, newest first."""

    query: str
    orders: list[OrderView]
    customers: list[FoundCustomerView]
    refunds: list[RefundView]


@with_config(CLOSED)
class CustomerView(AccountView, ProfileView):
    """The operator's view of an account adds the customer's profile, and `contacts`:
    every e-mail and phone their orders were paid with (the profile's latest among them
    once an order was), sorted."""

    contacts: list[str]


@with_config(CLOSED)
class NotificationView(TypedDict):
    id: str
    topic: str
    title: str
    body: str
    createdAt: Timestamp
    readAt: Timestamp | None
    read: bool


@with_config(CLOSED)
class ReferralView(TypedDict):
    orderId: str
    customerId: str
    amount: Amount
    commission: Amount
    currency: Currency
    status: str


@with_config(CLOSED)
class AgentReferralsView(TypedDict):
    agentId: str
    count: int
    totalAmount: Amount
    totalCommission: Amount
    referrals: list[ReferralView]


@with_config(CLOSED)
class MarkedView(TypedDict):
    marked: int


@with_config(CLOSED)
class ReferralAgentView(TypedDict):
    customerId: str
    referralAgent: str | None


# --- refunds and reconciliation ------------------------------------------------------------


@with_config(CLOSED)
class RefundView(TypedDict):
    refundId: str
    orderId: str
    customerId: str
    amount: Amount
    currency: Currency
    reason: str
    state: RefundStateName
    gatewayRefundId: str | None
    arn: Annotated[
        str, _json({"type": "string", "description": "the bank's reference (ARN), or empty"})
    ]
    createdAt: Timestamp
    updatedAt: Timestamp


@with_config(CLOSED)
class ChangeView(TypedDict):
    kind: str
    id: str
    before: str
    after: str


@with_config(CLOSED)
class ReconcileRunView(TypedDict):
    startedAt: Timestamp
    finishedAt: Timestamp
    checked: int
    failed: int
    changes: list[ChangeView]


@with_config(CLOSED)
class ReconciliationView(TypedDict):
    intervalSeconds: float
    lastRun: ReconcileRunView | None


# --- service ------------------------------------------------------------------------------


@with_config(CLOSED)
class HealthAnswer(TypedDict):
    status: str
    environment: str
    store: str
    gateway: str
    uptime: float
    leader: bool


@with_config(CLOSED)
class LiveAnswer(TypedDict):
    status: Literal["alive"]


@with_config(CLOSED)
class ReadyAnswer(TypedDict):
    status: Literal["ready", "not ready"]
    store: Literal["ok", "unreachable"]
    gateway: Literal["ok", "not configured"]


@with_config(CLOSED)
class PaymentConfigAnswer(TypedDict):
    environment: str
    gateway: str
    mode: str
    sdkUrl: str


@with_config(CLOSED)
class WebhookAnswer(TypedDict):
    success: bool
    status: Annotated[str, _json({"enum": ["received", "ignored"]})]


@with_config(CLOSED)
class ResetAnswer(TypedDict):
    success: bool
    message: str
