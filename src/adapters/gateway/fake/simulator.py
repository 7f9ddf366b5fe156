"""The one simulated Cashfree: orders, payment attempts, refunds and idempotency records.

Plain Cashfree-shaped dicts go in and come out (the 2023-08-01 / 2025-01-01 wire format,
amounts as `Decimal`), so the in-process `FakeGateway` and the HTTP `/pg` app share one
state. Refusals raise `SimulatorError` carrying Cashfree's status and `{message, code,
type}` body. Injected faults (`set_fault`, `set_latency`) apply to every /pg operation,
whichever way it is called: a "5xx" fails before the operation runs; "timeout" and "reset"
let it run and then lose the answer, as a real network does.

`cf_payment_id` is a string in every /pg entity (the 2025-01-01 schema and the SDK's
strict string type) and an integer inside payment webhooks, as Cashfree's webhook samples
show it. State changes happen between awaits, never across one, so the simulator needs no
lock and a webhook handler may call back into it while a delivery is in flight.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.gateway.fake import wire
from adapters.gateway.fake.errors import SimulatedFault, SimulatorError, invalid, not_found
from adapters.gateway.fake.faults import FaultPlan
from adapters.gateway.fake.webhooks import WebhookDispatcher
from application.ports import Clock

DEFAULT_ORDER_LIFETIME = timedelta(days=30)
MAX_ORDER_AMOUNT = Decimal("10000000")
OUTCOMES = ("SUCCESS", "FAILED", "USER_DROPPED", "PENDING")
FINAL_PAYMENT_STATUSES = frozenset({"SUCCESS", "FAILED", "USER_DROPPED", "CANCELLED", "VOID"})

DEFAULT_MESSAGES = {
    "SUCCESS": "Transaction successful",
    "FAILED": "Transaction declined by bank",
    "USER_DROPPED": "User dropped and did not complete the payment",
    "PENDING": "Transaction is pending",
}
WEBHOOK_TYPES = {
    "SUCCESS": "PAYMENT_SUCCESS_WEBHOOK",
    "FAILED": "PAYMENT_FAILED_WEBHOOK",
    "USER_DROPPED": "PAYMENT_USER_DROPPED_WEBHOOK",
}
ERROR_DETAILS = {
    "FAILED": {
        "error_code": "TRANSACTION_DECLINED",
        "error_description": "issuer bank or payment service provider declined the transaction",
        "error_reason": "auth_declined",
        "error_source": "customer",
    },
    "USER_DROPPED": {
        "error_code": "USER_DROPPED",
        "error_description": "user dropped and did not complete the two factor authentication",
        "error_reason": "user_dropped",
        "error_source": "customer",
    },
}

# How each payment method a scenario names shows up in a PaymentEntity.
PAYMENT_METHODS: dict[str, tuple[str, dict[str, Any]]] = {
    "upi": ("upi", {"upi": {"channel": "collect", "upi_id": "testsuccess@gocash"}}),
    "credit_card": (
        "credit_card",
        {
            "card": {
                "channel": "link",
                "card_number": "XXXXXXXXXXXX1111",
                "card_network": "visa",
                "card_type": "credit_card",
                "card_country": "IN",
                "card_bank_name": "HDFC Bank",
            }
        },
    ),
    "debit_card": (
        "debit_card",
        {
            "card": {
                "channel": "link",
                "card_number": "XXXXXXXXXXXX4242",
                "card_network": "rupay",
                "card_type": "debit_card",
                "card_country": "IN",
                "card_bank_name": "State Bank of India",
            }
        },
    ),
    "net_banking": (
        "net_banking",
        {
            "netbanking": {
                "channel": "link",
                "netbanking_bank_code": 3044,
                "netbanking_bank_name": "State Bank of India",
            }
        },
    ),
    "wallet": ("wallet", {"app": {"channel": "link", "provider": "paytm", "phone": "9999999999"}}),
}
METHOD_ALIASES = {"card": "credit_card", "netbanking": "net_banking", "nb": "net_banking"}

_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{3,45}$")
_CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_-]{3,50}$")
_PHONE = re.compile(r"^\+?\d{10,15}$")
_REFUND_ID = re.compile(r"^[A-Za-z0-9_-]{3,40}$")
_CENTS = Decimal("0.01")


@dataclass
class _Order:
    entity: dict[str, Any]
    expires_at: datetime
    customer: dict[str, Any]
    payments: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def order_id(self) -> str:
        return str(self.entity["order_id"])

    @property
    def status(self) -> str:
        return str(self.entity["order_status"])

    @property
    def notify_url(self) -> str | None:
        url = (self.entity.get("order_meta") or {}).get("notify_url")
        return str(url) if url else None


@dataclass(frozen=True)
class _Remembered:
    fingerprint: str
    result: dict[str, Any]


class CashfreeSimulator:
    """A stateful Cashfree Payment Gateway, shared by the in-process and HTTP faces."""

    def __init__(
        self,
        app_id: str,
        secret: str,
        clock: Clock,
        webhooks: WebhookDispatcher,
        faults: FaultPlan | None = None,
    ) -> None:
        self.app_id = app_id
        self.secret = secret
        self._clock = clock
        self.webhooks = webhooks
        self.faults = faults or FaultPlan()
        self._orders: dict[str, _Order] = {}
        self._sessions: dict[str, str] = {}
        self._idempotency: dict[tuple[str, str], _Remembered] = {}
        self._forced: tuple[str, str | None] | None = None
        self._sequence = 0

    def now(self) -> datetime:
        """The simulator's clock: what it stamps payments and expiries with."""
        return self._clock.now()

    def credentials_match(self, app_id: str | None, secret: str | None) -> bool:
        """Constant-time check of the x-client-id / x-client-secret pair."""
        return secrets.compare_digest((app_id or "").encode(), self.app_id.encode()) and (
            secrets.compare_digest((secret or "").encode(), self.secret.encode())
        )

    # --- /pg orders ----------------------------------------------------------------------

    async def create_order(
        self, body: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        fault = await self.faults.before("create_order")
        result = self._idempotent("create_order", idempotency_key, body, self._create_order)
        _lose_answer(fault, "create_order")
        return result

    async def get_order(self, order_id: str) -> dict[str, Any]:
        fault = await self.faults.before("get_order")
        result = self._order_entity(self._order(order_id))
        _lose_answer(fault, "get_order")
        return result

    async def terminate_order(
        self, order_id: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        fault = await self.faults.before("terminate_order")
        order = self._order(order_id)
        requested = (body or {"order_status": "TERMINATED"}).get("order_status")
        if requested != "TERMINATED":
            raise invalid(
                "order_status", "order_status should be TERMINATED", "order_status_invalid"
            )
        if self._current_status(order) != "ACTIVE":
            raise SimulatorError(
                400, "order_status : only an ACTIVE order can be terminated", "order_inactive"
            )
        order.entity["order_status"] = "TERMINATED"
        result = self._order_entity(order)
        _lose_answer(fault, "terminate_order")
        return result

    async def list_payments(self, order_id: str) -> list[dict[str, Any]]:
        fault = await self.faults.before("list_payments")
        result = copy.deepcopy(self._order(order_id).payments)
        _lose_answer(fault, "list_payments")
        return result

    async def get_payment(self, order_id: str, cf_payment_id: str | int) -> dict[str, Any]:
        fault = await self.faults.before("get_payment")
        result = copy.deepcopy(self._payment(self._order(order_id), cf_payment_id))
        _lose_answer(fault, "get_payment")
        return result

    # --- /pg refunds ---------------------------------------------------------------------

    async def create_refund(
        self, order_id: str, body: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        fault = await self.faults.before("create_refund")
        result = self._idempotent(
            f"create_refund:{order_id}",
            idempotency_key,
            body,
            lambda b: self._create_refund(order_id, b),
        )
        order = self._orders[order_id]
        pending = next(r for r in order.refunds if r["refund_id"] == result["refund_id"])
        if pending["refund_status"] == "PENDING":
            await self._settle_refund(order, pending)
        _lose_answer(fault, "create_refund")
        return result

    async def list_refunds(self, order_id: str) -> list[dict[str, Any]]:
        fault = await self.faults.before("list_refunds")
        result = copy.deepcopy(self._order(order_id).refunds)
        _lose_answer(fault, "list_refunds")
        return result

    async def get_refund(self, order_id: str, refund_id: str) -> dict[str, Any]:
        fault = await self.faults.before("get_refund")
        order = self._order(order_id)
        refund = next((r for r in order.refunds if r["refund_id"] == refund_id), None)
        if refund is None:
            raise not_found("refund")
        _lose_answer(fault, "get_refund")
        return copy.deepcopy(refund)

    # --- hosted checkout -----------------------------------------------------------------

    async def order_for_session(self, payment_session_id: str) -> dict[str, Any]:
        """The order a hosted checkout page shows; 404 for an unknown session."""
        order_id = self._sessions.get(payment_session_id)
        if order_id is None:
            raise SimulatorError(
                404, "payment_session_id : session not found", "payment_session_id_invalid"
            )
        return self._order_entity(self._orders[order_id])

    async def pay_with_session(
        self,
        payment_session_id: str,
        outcome: str,
        message: str | None = None,
        method: str = "upi",
    ) -> dict[str, Any]:
        """A payment made on the hosted checkout; a forced outcome, if set, overrides it."""
        order = await self.order_for_session(payment_session_id)
        if self._forced is not None:
            (outcome, message), self._forced = self._forced, None
        return await self.record_attempt(order["order_id"], outcome, message, method)

    # --- scenarios -----------------------------------------------------------------------

    async def record_attempt(
        self,
        order_id: str,
        outcome: str,
        message: str | None = None,
        method: str = "upi",
        cf_payment_id: str | int | None = None,
        amount: Decimal | None = None,
    ) -> dict[str, Any]:
        """Record a payment attempt (or resolve a PENDING one) and deliver its webhook.

        A new attempt needs an ACTIVE order. `cf_payment_id` names a PENDING attempt to
        move on, which is allowed whatever the order's status: money the bank confirms late
        is still reported. `amount` (default: the order's) lets a scenario pay a wrong sum.
        """
        if outcome not in OUTCOMES:
            raise invalid("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
        order = self._order(order_id)
        now = self._clock.now()
        text = message or DEFAULT_MESSAGES[outcome]
        if cf_payment_id is None:
            if self._current_status(order) != "ACTIVE":
                raise SimulatorError(
                    400, f"order_status : order is {order.status}, not ACTIVE", "order_inactive"
                )
            payment = self._new_payment(order, method, amount, now)
            order.payments.append(payment)
        else:
            payment = self._payment(order, cf_payment_id)
            if payment["payment_status"] != "PENDING":
                raise SimulatorError(
                    409,
                    f"cf_payment_id : payment is already {payment['payment_status']}",
                    "payment_already_final",
                )
        payment["payment_status"] = outcome
        payment["payment_message"] = text
        payment.pop("error_details", None)
        if outcome in ERROR_DETAILS:
            payment["error_details"] = dict(ERROR_DETAILS[outcome])
        if outcome == "PENDING":
            payment.pop("payment_completion_time", None)
        else:
            payment["payment_completion_time"] = wire.format_time(now)
        if outcome == "SUCCESS":
            payment["is_captured"] = True
            order.entity["order_status"] = "PAID"
        result = copy.deepcopy(payment)
        if outcome in WEBHOOK_TYPES and order.notify_url:
            event = self.webhooks.event(
                order.notify_url, WEBHOOK_TYPES[outcome], self._payment_webhook_data(order, payment)
            )
            await self.webhooks.dispatch(event)
        return result

    def force_next_outcome(self, outcome: str, message: str | None = None) -> None:
        """The next hosted-checkout payment ends this way, whatever the customer picks."""
        if outcome not in OUTCOMES:
            raise invalid("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
        self._forced = (outcome, message)

    def set_latency(self, endpoint: str, seconds: float) -> None:
        self.faults.set_latency(endpoint, seconds)

    def set_fault(
        self, endpoint: str, kind: str, rate: float = 1.0, count: int | None = None
    ) -> None:
        self.faults.set_fault(endpoint, kind, rate, count)

    async def set_webhook_mode(self, mode: str, delay_seconds: float = 0.0) -> None:
        await self.webhooks.set_mode(mode, delay_seconds)

    async def replay_webhook(self, index: int, fresh_signature: bool = True) -> dict[str, Any]:
        return await self.webhooks.replay(index, fresh_signature)

    def webhook_log(self) -> list[dict[str, Any]]:
        return self.webhooks.deliveries()

    async def expire_order(self, order_id: str) -> dict[str, Any]:
        """End an ACTIVE order's life now; it then reads as EXPIRED."""
        order = self._order(order_id)
        if self._current_status(order) != "ACTIVE":
            raise SimulatorError(
                400, f"order_status : order is {order.status}, not ACTIVE", "order_inactive"
            )
        now = self._clock.now()
        order.expires_at = now
        order.entity["order_expiry_time"] = wire.format_time(now)
        order.entity["order_status"] = "EXPIRED"
        return self._order_entity(order)

    async def reset(self) -> None:
        """Forget every order, idempotency record, scenario setting and webhook."""
        self._orders.clear()
        self._sessions.clear()
        self._idempotency.clear()
        self._forced = None
        self.faults.clear()
        await self.webhooks.reset()

    # --- internals -----------------------------------------------------------------------

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence

    def _order(self, order_id: str) -> _Order:
        order = self._orders.get(order_id)
        if order is None:
            raise not_found("order")
        return order

    def _current_status(self, order: _Order) -> str:
        if order.status == "ACTIVE" and self._clock.now() >= order.expires_at:
            order.entity["order_status"] = "EXPIRED"
        return order.status

    def _order_entity(self, order: _Order) -> dict[str, Any]:
        self._current_status(order)
        return copy.deepcopy(order.entity)

    def _payment(self, order: _Order, cf_payment_id: str | int) -> dict[str, Any]:
        wanted = str(cf_payment_id)
        payment = next((p for p in order.payments if p["cf_payment_id"] == wanted), None)
        if payment is None:
            raise not_found("payment")
        return payment

    def _idempotent(
        self,
        operation: str,
        key: str | None,
        body: dict[str, Any],
        run: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        """Same key and body: the first result again. Same key, other body: a 409."""
        if not key:
            return run(body)
        print_ = wire.fingerprint(body)
        remembered = self._idempotency.get((operation, key))
        if remembered is not None:
            if remembered.fingerprint != print_:
                raise SimulatorError(
                    409,
                    "x-idempotency-key : this key was already used with a different request body",
                    "request_invalid",
                    "idempotency_error",
                )
            return copy.deepcopy(remembered.result)
        result = run(body)
        self._idempotency[(operation, key)] = _Remembered(print_, copy.deepcopy(result))
        return result

    def _create_order(self, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise SimulatorError(400, "request body must be a JSON object", "request_invalid")
        now = self._clock.now()
        order_id = body.get("order_id")
        if order_id is None:
            order_id = f"order_{self.app_id[:6]}{secrets.token_hex(12)}"
        elif not isinstance(order_id, str) or not _ORDER_ID.fullmatch(order_id):
            raise invalid(
                "order_id",
                "should be 3 to 45 characters: alphanumeric, '_' or '-'",
            )
        amount = _amount(body.get("order_amount"), "order_amount")
        if amount < 1:
            raise invalid(
                "order_amount", f"order_amount should be at least 1. Value received: {amount}"
            )
        if amount > MAX_ORDER_AMOUNT:
            raise invalid("order_amount", "order_amount exceeds the maximum allowed")
        currency = body.get("order_currency")
        if currency is None:
            raise invalid(
                "order_currency",
                "order_currency is missing in the request",
                "order_currency_missing",
            )
        if currency != "INR":
            raise invalid("order_currency", f"currency {currency} is not enabled for this account")
        customer = _customer(body.get("customer_details"))
        expires_at = now + DEFAULT_ORDER_LIFETIME
        if body.get("order_expiry_time") is not None:
            expires_at = _expiry(body["order_expiry_time"], now)
        note = body.get("order_note")
        if note is not None and (not isinstance(note, str) or not 3 <= len(note) <= 200):
            raise invalid("order_note", "order_note should be 3 to 200 characters")
        tags = _tags(body.get("order_tags"))
        meta = _meta(body.get("order_meta"))
        if order_id in self._orders:
            raise SimulatorError(
                409, "order with same id is already present", "order_already_exists"
            )
        session = f"session_{secrets.token_urlsafe(72)}"
        entity: dict[str, Any] = {
            "cf_order_id": str(2_000_000_000 + self._next()),
            "order_id": order_id,
            "entity": "order",
            "order_currency": currency,
            "order_amount": amount,
            "order_status": "ACTIVE",
            "payment_session_id": session,
            "order_expiry_time": wire.format_time(expires_at),
            "order_note": note,
            "created_at": wire.format_time(now),
            "order_splits": [],
            "customer_details": customer,
            "order_meta": meta,
            "order_tags": tags,
        }
        self._orders[order_id] = _Order(entity, expires_at, customer)
        self._sessions[session] = order_id
        return copy.deepcopy(entity)

    def _new_payment(
        self, order: _Order, method: str, amount: Decimal | None, now: datetime
    ) -> dict[str, Any]:
        group, details = PAYMENT_METHODS[_method(method)]
        number = self._next()
        paid = order.entity["order_amount"] if amount is None else _amount(amount, "amount")
        return {
            "cf_payment_id": str(5_114_910_000_000 + number),
            "order_id": order.order_id,
            "entity": "payment",
            "is_captured": False,
            "order_amount": order.entity["order_amount"],
            "order_currency": order.entity["order_currency"],
            "payment_group": group,
            "payment_currency": order.entity["order_currency"],
            "payment_amount": paid,
            "payment_time": wire.format_time(now),
            "payment_status": "PENDING",
            "payment_message": "",
            "bank_reference": f"{number:012d}",
            "auth_id": f"A{number:06d}",
            "payment_method": copy.deepcopy(details),
            "payment_gateway_details": {
                "gateway_name": "CASHFREE",
                "gateway_order_id": order.entity["cf_order_id"],
                "gateway_payment_id": f"{number:010d}",
                "gateway_settlement": "cashfree",
            },
        }

    def _payment_webhook_data(self, order: _Order, payment: dict[str, Any]) -> dict[str, Any]:
        customer = order.customer
        data: dict[str, Any] = {
            "order": {
                "order_id": order.order_id,
                "order_amount": order.entity["order_amount"],
                "order_currency": order.entity["order_currency"],
                "order_tags": order.entity["order_tags"],
            },
            "payment": {
                "cf_payment_id": int(payment["cf_payment_id"]),
                "payment_status": payment["payment_status"],
                "payment_amount": payment["payment_amount"],
                "payment_currency": payment["payment_currency"],
                "payment_message": payment["payment_message"],
                "payment_time": payment["payment_time"],
                "bank_reference": payment["bank_reference"],
                "auth_id": None,
                "payment_method": copy.deepcopy(payment["payment_method"]),
                "payment_group": payment["payment_group"],
            },
            "customer_details": {
                "customer_name": customer.get("customer_name"),
                "customer_id": customer.get("customer_id"),
                "customer_email": customer.get("customer_email"),
                "customer_phone": customer.get("customer_phone"),
            },
            "payment_gateway_details": {
                "gateway_name": "CASHFREE",
                "gateway_order_id": order.entity["cf_order_id"],
                "gateway_payment_id": payment["payment_gateway_details"]["gateway_payment_id"],
                "gateway_status_code": None,
                "gateway_order_reference_id": None,
                "gateway_settlement": "cashfree",
                "gateway_reference_name": None,
            },
            "payment_offers": None,
        }
        if "error_details" in payment:
            data["error_details"] = {**payment["error_details"], "error_code_raw": None}
        return data

    def _create_refund(self, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
        order = self._order(order_id)
        if not isinstance(body, dict):
            raise SimulatorError(400, "request body must be a JSON object", "request_invalid")
        refund_id = body.get("refund_id")
        if not isinstance(refund_id, str) or not _REFUND_ID.fullmatch(refund_id):
            raise invalid("refund_id", "should be 3 to 40 characters: alphanumeric, '_' or '-'")
        amount = _amount(body.get("refund_amount"), "refund_amount")
        if amount <= 0:
            raise invalid("refund_amount", "refund_amount should be greater than 0")
        note = body.get("refund_note")
        if note is not None and (not isinstance(note, str) or not 3 <= len(note) <= 100):
            raise invalid("refund_note", "refund_note should be 3 to 100 characters")
        speed = body.get("refund_speed", "STANDARD")
        if speed not in ("STANDARD", "INSTANT"):
            raise invalid("refund_speed", "refund_speed should be STANDARD or INSTANT")
        if self._current_status(order) != "PAID":
            raise SimulatorError(
                400, "order_id : refunds can only be created for a PAID order", "order_not_paid"
            )
        if any(r["refund_id"] == refund_id for r in order.refunds):
            raise SimulatorError(
                409, "refund with same refund_id is already present", "refund_already_exists"
            )
        paying = next(p for p in order.payments if p["payment_status"] == "SUCCESS")
        refunded = sum(
            (r["refund_amount"] for r in order.refunds if r["refund_status"] != "CANCELLED"),
            Decimal("0"),
        )
        refundable = paying["payment_amount"] - refunded
        if amount > refundable:
            raise invalid(
                "refund_amount",
                f"refund_amount should be less than or equal to the refundable amount {refundable}",
            )
        now = self._clock.now()
        refund: dict[str, Any] = {
            "cf_payment_id": paying["cf_payment_id"],
            "cf_refund_id": str(1_500_000 + self._next()),
            "order_id": order_id,
            "refund_id": refund_id,
            "entity": "refund",
            "refund_amount": amount,
            "refund_currency": order.entity["order_currency"],
            "refund_note": note or "",
            "refund_status": "PENDING",
            "refund_type": "MERCHANT_INITIATED",
            "refund_splits": [],
            "status_description": "In Progress",
            "refund_charge": Decimal("0"),
            "refund_mode": speed,
            "metadata": {},
            "created_at": wire.format_time(now),
        }
        order.refunds.append(refund)
        return copy.deepcopy(refund)

    async def _settle_refund(self, order: _Order, refund: dict[str, Any]) -> None:
        """The bank accepts the refund at once: SUCCESS, and a REFUND_STATUS_WEBHOOK."""
        now = self._clock.now()
        refund["refund_status"] = "SUCCESS"
        refund["status_description"] = "Refund processed successfully"
        refund["refund_arn"] = f"RF{self._next():010d}"
        refund["processed_at"] = wire.format_time(now)
        if order.notify_url:
            event = self.webhooks.event(
                order.notify_url, "REFUND_STATUS_WEBHOOK", {"refund": copy.deepcopy(refund)}
            )
            await self.webhooks.dispatch(event)


def _lose_answer(fault: str | None, endpoint: str) -> None:
    """A timeout or reset strikes after the work is done: the caller never hears back."""
    if fault is not None:
        raise SimulatedFault(fault, endpoint)


def _amount(value: object, field_name: str) -> Decimal:
    if value is None:
        raise invalid(
            field_name, f"{field_name} is missing in the request", f"{field_name}_missing"
        )
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise invalid(field_name, f"{field_name} should be a number")
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not amount.is_finite() or amount.quantize(_CENTS) != amount:
            raise invalid(field_name, f"{field_name} should have at most 2 decimal places")
    except InvalidOperation as exc:
        raise invalid(field_name, f"{field_name} should be a number") from exc
    return amount


def _customer(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(
            "customer_details",
            "customer_details is missing in the request",
            "customer_details_missing",
        )
    customer_id = value.get("customer_id")
    if not isinstance(customer_id, str) or not _CUSTOMER_ID.fullmatch(customer_id):
        raise invalid(
            "customer_details.customer_id",
            "should be 3 to 50 alphanumeric characters",
            "customer_id_invalid",
        )
    phone = value.get("customer_phone")
    if not isinstance(phone, str) or not _PHONE.fullmatch(phone):
        raise invalid(
            "customer_details.customer_phone",
            "should be a valid phone number",
            "customer_phone_invalid",
        )
    customer: dict[str, Any] = {"customer_id": customer_id, "customer_phone": phone}
    for name, low, high in (("customer_email", 3, 100), ("customer_name", 3, 100)):
        text = value.get(name)
        if text is None:
            continue
        if not isinstance(text, str) or not low <= len(text) <= high:
            raise invalid(
                f"customer_details.{name}",
                f"should be {low} to {high} characters",
                f"{name}_invalid",
            )
        if name == "customer_email" and "@" not in text:
            raise invalid(
                "customer_details.customer_email",
                "should be a valid email",
                "customer_email_invalid",
            )
        customer[name] = text
    return customer


def _expiry(value: object, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise invalid("order_expiry_time", "should be an ISO 8601 time")
    try:
        moment = wire.parse_time(value)
    except ValueError as exc:
        raise invalid("order_expiry_time", "should be an ISO 8601 time") from exc
    if moment <= now:
        raise invalid("order_expiry_time", "order_expiry_time should be in the future")
    return moment


def _tags(value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > 15:
        raise invalid("order_tags", "order_tags should be an object of at most 15 tags")
    for key, text in value.items():
        if not isinstance(text, str) or not 1 <= len(text) <= 255:
            raise invalid("order_tags", f"tag {key} should be a string of 1 to 255 characters")
    return dict(value)


def _meta(value: object) -> dict[str, Any]:
    if value is None:
        return {"return_url": None, "notify_url": None, "payment_methods": None}
    if not isinstance(value, dict):
        raise invalid("order_meta", "order_meta should be an object")
    meta: dict[str, Any] = {}
    for name in ("return_url", "notify_url", "payment_methods"):
        text = value.get(name)
        if text is not None and (not isinstance(text, str) or len(text) > 250):
            raise invalid(f"order_meta.{name}", "should be a string of at most 250 characters")
        if (
            name in ("return_url", "notify_url")
            and text
            and not text.startswith(("http://", "https://"))
        ):
            raise invalid(
                f"order_meta.{name}", "should be a valid url", f"order_meta.{name}_invalid"
            )
        meta[name] = text
    return meta


def _method(method: str) -> str:
    name = METHOD_ALIASES.get(method, method)
    if name not in PAYMENT_METHODS:
        raise invalid("method", f"method should be one of {', '.join(PAYMENT_METHODS)}")
    return name
