"""What one instance tells the others when it commits a change of an order.

Just enough to wake their streams, which re-read the order from the store:
`{"origin": ..., "order_id": ..., "types": [...]}` as compact JSON. `origin` names the
sending bus, so it skips what it already delivered to its own subscribers. Nothing
personal travels: no amounts, names or e-mails.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
MAX_PAYLOAD_BYTES = 7999


@dataclass(frozen=True)
class OrderChanged:
    origin: str
    order_id: str
    types: tuple[str, ...]


def encode(message: OrderChanged) -> str | None:
    """The payload, without the event types if they make it too long (the order id is
    what matters); None when even that does not fit."""
    for types in (message.types, ()):
        payload = json.dumps(
            {"origin": message.origin, "order_id": message.order_id, "types": list(types)},
            separators=(",", ":"),
        )
        if len(payload.encode()) <= MAX_PAYLOAD_BYTES:
            return payload
    return None


def decode(payload: str | bytes) -> OrderChanged | None:
    """The message, or None for anything that is not one (another program on the channel)."""
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    origin, order_id, types = body.get("origin"), body.get("order_id"), body.get("types", [])
    if not isinstance(origin, str) or not isinstance(order_id, str) or not order_id:
        return None
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        return None
    return OrderChanged(origin, order_id, tuple(types))


def messages_for(origin: str, events: Sequence[tuple[str, str]]) -> list[OrderChanged]:
    """One message per order, naming its event types in order, from (order id, type) pairs."""
    by_order: dict[str, list[str]] = {}
    for order_id, event_type in events:
        by_order.setdefault(order_id, []).append(event_type)
    return [OrderChanged(origin, order_id, tuple(types)) for order_id, types in by_order.items()]
