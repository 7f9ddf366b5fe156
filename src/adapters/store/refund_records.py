"""Refunds as JSON records for the JSON journal store."""

from __future__ import annotations

from adapters.store.records import Record, _parse_time, _time
from domain.money import Money
from domain.refunds import Refund, RefundState


def refund_record(refund: Refund) -> Record:
    return {
        "refund_id": refund.refund_id,
        "order_id": refund.order_id,
        "customer_id": refund.customer_id,
        "amount": str(refund.amount.amount),
        "currency": refund.amount.currency,
        "reason": refund.reason,
        "state": refund.state.value,
        "created_at": _time(refund.created_at),
        "updated_at": _time(refund.updated_at),
        "gateway_refund_id": refund.gateway_refund_id,
        "arn": refund.arn,
        "version": refund.version,
    }


def refund_from_record(record: Record) -> Refund:
    return Refund(
        refund_id=record["refund_id"],
        order_id=record["order_id"],
        customer_id=record["customer_id"],
        amount=Money.from_stored(record["amount"], record["currency"]),
        reason=record["reason"],
        state=RefundState(record["state"]),
        created_at=_parse_time(record["created_at"]),
        updated_at=_parse_time(record["updated_at"]),
        gateway_refund_id=record["gateway_refund_id"],
        arn=record.get("arn", ""),
        version=int(record["version"]),
    )
