"""A customer's profile: who they are, and which agent (if any) referred them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.errors import InvalidField

MAX_ID_LENGTH = 100


def check_id(field: str, value: object) -> str:
    """A customer or agent id: non-blank text of at most 100 characters, kept as given."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(field, "must not be empty")
    if len(value) > MAX_ID_LENGTH or value != value.strip():
        raise InvalidField(field, f"must be at most {MAX_ID_LENGTH} characters, no spaces around")
    return value


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """The latest contact details a customer paid with, and their referral agent."""

    customer_id: str
    name: str
    email: str
    phone: str
    referral_agent: str | None
    created_at: datetime

    def __post_init__(self) -> None:
        check_id("customer_id", self.customer_id)
        if self.referral_agent is not None:
            check_id("referral_agent", self.referral_agent)

    def merged_with(self, newer: CustomerProfile) -> CustomerProfile:
        """This stored profile updated by a newer one: latest contact details, first
        creation time, and the referral agent kept unless none was known before."""
        agent = self.referral_agent if self.referral_agent is not None else newer.referral_agent
        return replace(
            self, name=newer.name, email=newer.email, phone=newer.phone, referral_agent=agent
        )
