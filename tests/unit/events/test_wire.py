"""The message one instance sends the others: small, decodable, tolerant of strangers."""

from __future__ import annotations

from adapters.events.wire import MAX_PAYLOAD_BYTES, OrderChanged, decode, encode, messages_for


def test_a_message_round_trips() -> None:
    message = OrderChanged("a1b2", "order_42", ("PaymentAttemptRecorded", "OrderPaid"))
    payload = encode(message)
    assert payload is not None
    assert decode(payload) == message
    assert decode(payload.encode()) == message


def test_one_message_per_order_in_publishing_order() -> None:
    pairs = [("o1", "OrderPaid"), ("o2", "OrderCreated"), ("o1", "OrderCredited")]
    assert messages_for("me", pairs) == [
        OrderChanged("me", "o1", ("OrderPaid", "OrderCredited")),
        OrderChanged("me", "o2", ("OrderCreated",)),
    ]


def test_a_payload_never_reaches_postgresqls_notify_limit() -> None:
    many_types = OrderChanged("me", "o1", tuple(f"Event{i}" for i in range(2000)))
    payload = encode(many_types)
    assert payload is not None
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
    assert decode(payload) == OrderChanged("me", "o1", ())
    assert encode(OrderChanged("me", "o" * 8000, ())) is None


def test_anything_else_on_the_channel_is_ignored() -> None:
    for payload in (
        "",
        "not json",
        "[]",
        '{"order_id": "o1"}',
        '{"origin": "x", "order_id": ""}',
        '{"origin": "x", "order_id": "o1", "types": "OrderPaid"}',
        b"\xff\xfe",
    ):
        assert decode(payload) is None
