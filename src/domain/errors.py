"""Errors the domain raises; each says which rule was broken."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every rule violation in the domain."""


@dataclass(frozen=True)
class FieldError:
    """One invalid input field, reported together with its siblings.

    `field` is the domain's name (`name`, `email`, `phone`, `amount`); an entrypoint maps
    it to whatever its callers call the field."""

    field: str
    message: str


class InvalidField(DomainError):
    """A value object refused its input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.error = FieldError(field, message)


class ValidationFailed(DomainError):
    """Several fields were invalid; all of them are reported at once."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class IllegalTransition(DomainError):
    """The order state machine has no such edge."""

    def __init__(self, order_id: str, state: str, event: str) -> None:
        super().__init__(f"order {order_id}: cannot {event} when {state}")
        self.order_id = order_id
        self.state = state
        self.event = event


class DuplicateCredit(DomainError):
    """The ledger already holds an entry for this order."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} is already credited")
        self.order_id = order_id


class InsufficientCredits(DomainError):
    """A ledger change would take a customer's balance below zero."""

    def __init__(self, customer_id: str, balance: int, change: int) -> None:
        super().__init__(f"customer {customer_id} has {balance} credits; cannot apply {change}")
        self.customer_id = customer_id
        self.balance = balance
        self.change = change


class DuplicateEntry(DomainError):
    """The ledger already holds an entry with this id."""

    def __init__(self, entry_id: str) -> None:
        super().__init__(f"ledger entry {entry_id} already exists")
        self.entry_id = entry_id


class DuplicateReferral(DomainError):
    """This order already earned its referral record."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} already has a referral record")
        self.order_id = order_id
