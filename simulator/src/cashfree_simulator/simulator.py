"""The one simulated Cashfree: orders, payment attempts, refunds and idempotency records.

Plain Cashfree-shaped dicts go in and come out (the 2025-01-01 wire format, amounts as
`Decimal`), so in-process callers and the HTTP `/pg` app share one state. Refusals raise
`SimulatorError` carrying Cashfree's status and `{message, code, type}` body. Injected
faults (`set_fault`, `set_latency`) apply to every /pg operation, whichever way it is
called (see `faults.faulty`).

State changes happen between awaits, never across one, so the simulator needs no lock and
a webhook handler may call back into it while a delivery is in flight.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from cashfree_simulator import payments, refunds, wire
from cashfree_simulator.clock import Clock, SystemClock
from cashfree_simulator.errors import SimulatorError, invalid, not_found
from cashfree_simulator.faults import FaultPlan, faulty
from cashfree_simulator.orders import OrderRecord, new_order
from cashfree_simulator.webhooks import WebhookDispatcher


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
        self._orders: dict[str, OrderRecord] = {}
        self._sessions: dict[str, str] = {}
        self._idempotency: dict[tuple[str, str], _Remembered] = {}
        self._forced: tuple[str, str | None] | None = None
        self._refund_outcome: str | None = None
        self._sequence = 0

    def now(self) -> datetime:
        """The simulator's clock: what it stamps payments and expiries with."""
        return self._clock.now()

    def credentials_match(self, app_id: str | None, secret: str | None) -> bool:
        """Constant-time check of the x-client-id / x-client-secret pair."""
        return secrets.compare_digest((app_id or "").encode(), self.app_id.encode()) and (
            secrets.compare_digest((secret or "").encode(), self.secret.encode())
        )

    def order_count(self) -> int:
        """How many orders exist: lets a test prove a retry opened no second order."""
        return len(self._orders)

    async def aclose(self) -> None:
        """Stop pending webhook retries and close the webhook client if the simulator owns it."""
        await self.webhooks.aclose()

    # --- /pg orders ----------------------------------------------------------------------

    @faulty("create_order")
    async def create_order(
        self, body: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self._idempotent("create_order", idempotency_key, body, self._create_order)

    @faulty("get_order")
    async def get_order(self, order_id: str) -> dict[str, Any]:
        return self._order_entity(self._order(order_id))

    @faulty("terminate_order")
    async def terminate_order(
        self, order_id: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
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
        return self._order_entity(order)

    @faulty("list_payments")
    async def list_payments(self, order_id: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self._order(order_id).payments)

    @faulty("get_payment")
    async def get_payment(self, order_id: str, cf_payment_id: str | int) -> dict[str, Any]:
        return copy.deepcopy(self._payment(self._order(order_id), cf_payment_id))

    # --- /pg refunds ---------------------------------------------------------------------

    @faulty("create_refund")
    async def create_refund(
        self, order_id: str, body: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        order = self._order(order_id)
        result = self._idempotent(
            f"create_refund:{order_id}",
            idempotency_key,
            body,
            lambda b: self._create_refund(order, b),
        )
        pending = next(r for r in order.refunds if r["refund_id"] == result["refund_id"])
        if pending["refund_status"] == "PENDING" and not pending.get("_held"):
            outcome, self._refund_outcome = self._refund_outcome or "SUCCESS", None
            if outcome == "PENDING":
                pending["_held"] = True
            else:
                await self._settle_refund(order, pending, outcome)
        return result

    @faulty("list_refunds")
    async def list_refunds(self, order_id: str) -> list[dict[str, Any]]:
        return [_public(r) for r in self._order(order_id).refunds]

    @faulty("get_refund")
    async def get_refund(self, order_id: str, refund_id: str) -> dict[str, Any]:
        order = self._order(order_id)
        refund = next((r for r in order.refunds if r["refund_id"] == refund_id), None)
        if refund is None:
            raise not_found("refund")
        return _public(refund)

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
        payments.check_outcome(outcome)
        order = self._order(order_id)
        now = self._clock.now()
        if cf_payment_id is None:
            if self._current_status(order) != "ACTIVE":
                raise SimulatorError(
                    400, f"order_status : order is {order.status}, not ACTIVE", "order_inactive"
                )
            payment = payments.new_payment(order, method, amount, now, self._next())
            order.payments.append(payment)
        else:
            payment = self._payment(order, cf_payment_id)
            if payment["payment_status"] != "PENDING":
                raise SimulatorError(
                    409,
                    f"cf_payment_id : payment is already {payment['payment_status']}",
                    "payment_already_final",
                )
        payments.settle(payment, outcome, message, now)
        if outcome == "SUCCESS":
            order.entity["order_status"] = "PAID"
        result = copy.deepcopy(payment)
        if outcome in payments.WEBHOOK_TYPES and order.notify_url:
            event = self.webhooks.event(
                order.notify_url,
                payments.WEBHOOK_TYPES[outcome],
                payments.webhook_data(order, payment),
            )
            await self.webhooks.dispatch(event)
        return result

    def force_next_outcome(self, outcome: str, message: str | None = None) -> None:
        """The next hosted-checkout payment ends this way, whatever the customer picks."""
        payments.check_outcome(outcome)
        self._forced = (outcome, message)

    def force_next_refund_outcome(self, outcome: str) -> None:
        """The next new refund settles this way at once; PENDING leaves it for
        `settle_refund`."""
        self._refund_outcome = refunds.check_outcome(outcome)

    async def settle_refund(
        self, order_id: str, refund_id: str, outcome: str, arn: str | None = ""
    ) -> dict[str, Any]:
        """Settle a PENDING refund (and send its REFUND_STATUS_WEBHOOK); a SUCCESS carries
        `arn` (made up when empty; None: the bank's reference comes later). Settling a
        refund again with its own outcome changes nothing, but for a SUCCESS still without
        its reference, which takes it then and sends its webhook again; another outcome is
        refused."""
        refunds.check_outcome(outcome, allow_pending=False)
        order = self._order(order_id)
        refund = next((r for r in order.refunds if r["refund_id"] == refund_id), None)
        if refund is None:
            raise not_found("refund")
        if refund["refund_status"] == "PENDING":
            refund.pop("_held", None)
            await self._settle_refund(order, refund, outcome, arn)
        elif refund["refund_status"] != outcome:
            raise SimulatorError(
                400,
                f"refund_status : refund is already {refund['refund_status']}",
                "refund_final",
            )
        elif outcome == "SUCCESS" and arn is not None and not refund.get("refund_arn"):
            refund["refund_arn"] = arn or f"RF{self._next():010d}"
            await self._send_refund_webhook(order, refund)
        return _public(refund)

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
        self._refund_outcome = None
        self.faults.clear()
        await self.webhooks.reset()

    # --- internals -----------------------------------------------------------------------

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence

    def _order(self, order_id: str) -> OrderRecord:
        order = self._orders.get(order_id)
        if order is None:
            raise not_found("order")
        return order

    def _current_status(self, order: OrderRecord) -> str:
        if order.status == "ACTIVE" and self._clock.now() >= order.expires_at:
            order.entity["order_status"] = "EXPIRED"
        return order.status

    def _order_entity(self, order: OrderRecord) -> dict[str, Any]:
        self._current_status(order)
        return copy.deepcopy(order.entity)

    def _payment(self, order: OrderRecord, cf_payment_id: str | int) -> dict[str, Any]:
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
        """Same key and body: the first result again. Same key, other body: Cashfree's 422
        `idempotency_error`, as its OpenAPI description declares."""
        if not key:
            return run(body)
        print_ = wire.fingerprint(body)
        remembered = self._idempotency.get((operation, key))
        if remembered is not None:
            if remembered.fingerprint != print_:
                raise SimulatorError(
                    422,
                    "x-idempotency-key : this key was already used with a different request body",
                    "request_invalid",
                    "idempotency_error",
                )
            return copy.deepcopy(remembered.result)
        result = run(body)
        self._idempotency[(operation, key)] = _Remembered(print_, copy.deepcopy(result))
        return result

    def _create_order(self, body: dict[str, Any]) -> dict[str, Any]:
        order = new_order(
            body,
            default_order_id=f"order_{self.app_id[:6]}{secrets.token_hex(12)}",
            cf_order_id=str(2_000_000_000 + self._sequence + 1),
            session=f"session_{secrets.token_urlsafe(72)}",
            now=self._clock.now(),
        )
        if order.order_id in self._orders:
            raise SimulatorError(
                409, "order with same id is already present", "order_already_exists"
            )
        self._next()
        self._orders[order.order_id] = order
        self._sessions[order.entity["payment_session_id"]] = order.order_id
        return copy.deepcopy(order.entity)

    def _create_refund(self, order: OrderRecord, body: dict[str, Any]) -> dict[str, Any]:
        refund = refunds.new_refund(
            order,
            body,
            order_status=self._current_status(order),
            now=self._clock.now(),
            number=self._sequence + 1,
        )
        self._next()
        order.refunds.append(refund)
        return copy.deepcopy(refund)

    async def _settle_refund(
        self,
        order: OrderRecord,
        refund: dict[str, Any],
        outcome: str = "SUCCESS",
        arn: str | None = "",
    ) -> None:
        """The bank's answer, and a signed REFUND_STATUS_WEBHOOK through the dispatcher."""
        refunds.settle(refund, self._clock.now(), self._next(), outcome, arn)
        await self._send_refund_webhook(order, refund)

    async def _send_refund_webhook(self, order: OrderRecord, refund: dict[str, Any]) -> None:
        if order.notify_url:
            event = self.webhooks.event(
                order.notify_url, "REFUND_STATUS_WEBHOOK", {"refund": _public(refund)}
            )
            await self.webhooks.dispatch(event)


def _public(refund: dict[str, Any]) -> dict[str, Any]:
    """A RefundEntity as Cashfree shows it, without the simulator's own marks."""
    return {k: copy.deepcopy(v) for k, v in refund.items() if not k.startswith("_")}


def generate_credentials() -> tuple[str, str]:
    """A fresh (app id, secret) pair, shaped like Cashfree's sandbox credentials."""
    return f"TEST{secrets.token_hex(12).upper()}", f"cfsk_ma_test_{secrets.token_hex(20)}"


def build_simulator(
    app_id: str,
    secret: str,
    *,
    clock: Clock | None = None,
    webhook_client: httpx.AsyncClient | None = None,
    webhook_time_scale: float = 1.0,
) -> CashfreeSimulator:
    """A simulator whose webhooks go out through `webhook_client` (default: its own client,
    closed by `aclose`); `webhook_time_scale` divides Cashfree's retry schedule."""
    clock = clock or SystemClock()
    webhooks = WebhookDispatcher(secret, webhook_client, clock, time_scale=webhook_time_scale)
    return CashfreeSimulator(app_id, secret, clock, webhooks)
