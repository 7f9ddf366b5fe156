"""Refunds: what Cashfree accepts in an OrderCreateRefundRequest and the RefundEntity.

A refund needs a PAID order and may not exceed what its successful payment has left
unrefunded (refunds that ended CANCELLED or FAILED give their amount back). The simulated
bank settles a refund at once with the outcome a scenario forced (SUCCESS by default), or
leaves it PENDING until the control API settles it (`settle`).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from cashfree_simulator import wire
from cashfree_simulator.errors import SimulatorError, invalid
from cashfree_simulator.orders import OrderRecord, parse_amount

_REFUND_ID = re.compile(r"^[A-Za-z0-9_-]{3,40}$")
OUTCOMES = ("PENDING", "SUCCESS", "FAILED", "CANCELLED")
FINAL = frozenset({"SUCCESS", "FAILED", "CANCELLED"})
_DESCRIPTIONS = {
    "SUCCESS": "Refund processed successfully",
    "FAILED": "Refund failed at the bank",
    "CANCELLED": "Refund cancelled",
}


def check_outcome(outcome: str, *, allow_pending: bool = True) -> str:
    """A refund outcome a scenario may force or settle with."""
    allowed = OUTCOMES if allow_pending else tuple(o for o in OUTCOMES if o in FINAL)
    if outcome not in allowed:
        raise invalid("outcome", f"outcome should be one of {', '.join(allowed)}")
    return outcome


def new_refund(
    order: OrderRecord, body: object, *, order_status: str, now: datetime, number: int
) -> dict[str, Any]:
    """A PENDING refund of `order` (whose current status is `order_status`)."""
    if not isinstance(body, dict):
        raise SimulatorError(400, "request body must be a JSON object", "request_invalid")
    refund_id = body.get("refund_id")
    if not isinstance(refund_id, str) or not _REFUND_ID.fullmatch(refund_id):
        raise invalid("refund_id", "should be 3 to 40 characters: alphanumeric, '_' or '-'")
    amount = parse_amount(body.get("refund_amount"), "refund_amount")
    if amount <= 0:
        raise invalid("refund_amount", "refund_amount should be greater than 0")
    note = body.get("refund_note")
    if note is not None and (not isinstance(note, str) or not 3 <= len(note) <= 100):
        raise invalid("refund_note", "refund_note should be 3 to 100 characters")
    speed = body.get("refund_speed", "STANDARD")
    if speed not in ("STANDARD", "INSTANT"):
        raise invalid("refund_speed", "refund_speed should be STANDARD or INSTANT")
    if order_status != "PAID":
        raise SimulatorError(
            400, "order_id : refunds can only be created for a PAID order", "order_not_paid"
        )
    if any(r["refund_id"] == refund_id for r in order.refunds):
        raise SimulatorError(
            409, "refund with same refund_id is already present", "refund_already_exists"
        )
    paying = next(p for p in order.payments if p["payment_status"] == "SUCCESS")
    refunded = sum(
        (
            r["refund_amount"]
            for r in order.refunds
            if r["refund_status"] not in ("CANCELLED", "FAILED")
        ),
        Decimal("0"),
    )
    refundable = paying["payment_amount"] - refunded
    if amount > refundable:
        raise invalid(
            "refund_amount",
            f"refund_amount should be less than or equal to the refundable amount {refundable}",
        )
    return {
        "cf_payment_id": paying["cf_payment_id"],
        "cf_refund_id": str(1_500_000 + number),
        "order_id": order.order_id,
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


def settle(
    refund: dict[str, Any],
    now: datetime,
    number: int,
    outcome: str = "SUCCESS",
    arn: str | None = "",
) -> None:
    """The bank's answer: SUCCESS, FAILED or CANCELLED, at `now`. A SUCCESS carries `arn`,
    the bank's reference (one made up from `number` when empty; None: none yet)."""
    refund["refund_status"] = outcome
    refund["status_description"] = _DESCRIPTIONS[outcome]
    if outcome == "SUCCESS" and arn is not None:
        refund["refund_arn"] = arn or f"RF{number:010d}"
    refund["processed_at"] = wire.format_time(now)
