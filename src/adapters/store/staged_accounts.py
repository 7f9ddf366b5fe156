"""Customers, ledger adjustments, subscriptions and referrals for the staged stores.

The same rules as `staged.py`: writes are staged and applied at commit, and the store's
lock, held for the whole unit of work, keeps each uniqueness or version check true until
then.
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import replace
from typing import TYPE_CHECKING

from application.errors import ConcurrencyConflict
from domain import ledger
from domain.accounts import CustomerProfile
from domain.errors import DuplicateEntry, DuplicateReferral
from domain.ledger import CreditEntry, LedgerAdjustment
from domain.referrals import ReferralRecord
from domain.subscriptions import Subscription

if TYPE_CHECKING:
    from adapters.store.staged import _Staging


class StagedCustomers:
    def __init__(self, staging: _Staging) -> None:
        self._staging = staging

    async def get(self, customer_id: str) -> CustomerProfile | None:
        customers: ChainMap[str, CustomerProfile] = await self._staging.view("customers")
        return customers.get(customer_id)

    async def upsert(self, profile: CustomerProfile) -> None:
        current = await self.get(profile.customer_id)
        stored = profile if current is None else current.merged_with(profile)
        self._staging.changes.customers[profile.customer_id] = stored

    async def set_referral_agent(
        self, customer_id: str, agent_id: str | None
    ) -> CustomerProfile | None:
        current = await self.get(customer_id)
        if current is None:
            return None
        stored = replace(current, referral_agent=agent_id)
        self._staging.changes.customers[customer_id] = stored
        return stored


class StagedAdjustments:
    """The ledger's adjustments and balance, beside the grants of `StagedLedger`."""

    def __init__(self, staging: _Staging) -> None:
        self._staging = staging

    async def add_adjustment(self, entry: LedgerAdjustment) -> None:
        if entry.entry_id in await self._staging.view("adjustments"):
            raise DuplicateEntry(entry.entry_id)
        self._staging.changes.adjustments[entry.entry_id] = entry

    async def balance(self, customer_id: str) -> int:
        """The sum of the customer's grants and adjustments."""
        grants: list[CreditEntry] = await self._staging.rows_in("credits", "customer", customer_id)
        adjustments: list[LedgerAdjustment] = await self._staging.rows_in(
            "adjustments", "customer", customer_id
        )
        return ledger.balance(grants, adjustments)


class StagedSubscriptions:
    def __init__(self, staging: _Staging) -> None:
        self._staging = staging

    async def get(self, customer_id: str, kind: str) -> Subscription | None:
        subscriptions = await self._staging.view("subscriptions")
        found: Subscription | None = subscriptions.get((customer_id, kind))
        return None if found is None else found.copy()

    async def save(self, subscription: Subscription) -> None:
        key = (subscription.customer_id, subscription.kind)
        current: Subscription | None = (await self._staging.view("subscriptions")).get(key)
        stored_version = 0 if current is None else current.version
        if stored_version != subscription.version:
            raise ConcurrencyConflict(f"subscription {key} changed since it was loaded")
        subscription.version += 1
        self._staging.changes.subscriptions[key] = subscription.copy()


class StagedReferrals:
    def __init__(self, staging: _Staging) -> None:
        self._staging = staging

    async def add(self, record: ReferralRecord) -> None:
        if record.order_id in await self._staging.view("referrals"):
            raise DuplicateReferral(record.order_id)
        self._staging.changes.referrals[record.order_id] = record

    async def get(self, order_id: str) -> ReferralRecord | None:
        found: ReferralRecord | None = (await self._staging.view("referrals")).get(order_id)
        return found

    async def save(self, record: ReferralRecord) -> None:
        """Replace the order's record (marking it reversed); records are immutable."""
        self._staging.changes.referrals[record.order_id] = record
