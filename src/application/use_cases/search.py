"""The operator's search: what a support request names, pasted as it came (an order,
payment or refund id, ours or Cashfree's; the bank reference on a statement; a customer
id; an e-mail or a phone number as the customer wrote it), found among every order and
customer, not only the recent ones."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports import PaymentReports
from domain.accounts import CustomerProfile
from domain.customer import normalize_phone
from domain.order import Order
from domain.refunds import Refund

FOUND_MOST = 20
"""Orders, and customers, one search answers at most (newest first)."""


@dataclass(frozen=True)
class SearchResult:
    orders: list[Order]
    customers: list[CustomerProfile]
    refunds: dict[str, list[Refund]]
    """The found orders' refunds, by order id (an order without any is absent)."""
    by_earlier_contact: frozenset[str] = frozenset()
    """The found customers (ids) whose profile holds neither the e-mail nor the phone
    searched for: an earlier order of theirs was paid with it."""


class SearchPayments:
    def __init__(self, reports: PaymentReports) -> None:
        self._reports = reports

    async def execute(self, text: str) -> SearchResult:
        """`text` (stripped, printable) read every way it could be meant: a reference of an
        order (see `PaymentReports.find_orders`); a customer id; an e-mail (any case); a
        phone number (any spacing, with or without +91 or 0)."""
        orders = await self._reports.find_orders(text, FOUND_MOST)
        customers: dict[str, CustomerProfile] = {}
        named = await self._reports.customer(text)
        if named is not None:
            customers[named.customer_id] = named
        email = text.lower() if "@" in text else None
        phone = normalize_phone(text)
        earlier: set[str] = set()
        if email is not None or phone is not None:
            reached = await self._reports.find_customers(email=email, phone=phone, limit=FOUND_MOST)
            for profile in reached:
                current = profile.email == email or profile.phone == phone
                if not current and profile.customer_id not in customers:
                    earlier.add(profile.customer_id)
                customers.setdefault(profile.customer_id, profile)
        refunds = await self._reports.refunds_of_orders([o.order_id for o in orders])
        found = list(customers.values())[:FOUND_MOST]
        return SearchResult(orders, found, refunds, frozenset(earlier))
