"""Customer accounts: what a customer holds, operator adjustments, referral agents, plans.

Reads go through the reports port; writes through units of work, so an adjustment and the
balance it was checked against are one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import structlog

from application.contention import retry_on_conflict
from application.errors import CustomerNotFound
from application.ports import Clock, IdGenerator, PaymentReports
from application.unit_of_work import UnitOfWorkFactory
from domain.accounts import CustomerProfile, check_id
from domain.errors import InvalidField
from domain.ledger import MAX_NOTE_LENGTH, LedgerAdjustment, StatementLine
from domain.money import CURRENCY, Money
from domain.order import Order
from domain.plans import Plan, PlanCatalogue
from domain.referrals import ReferralRecord
from domain.refunds import Refund
from domain.subscriptions import Subscription

log = structlog.get_logger(__name__)

ACCOUNT_ORDERS = 50
ACCOUNT_LEDGER = 100
MAX_ADJUSTMENT = 1_000_000


@dataclass(frozen=True)
class CustomerAccount:
    """Everything known of one customer; `profile` is None for a customer known only
    by ledger entries or orders."""

    profile: CustomerProfile | None
    balance: int
    statement: list[StatementLine]
    subscriptions: list[Subscription]
    orders: list[Order]
    refunds: dict[str, list[Refund]]
    """The listed orders' refunds, by order id (an order without any is absent)."""
    # whether entries older than `statement` remain (the next page's offset is past it)
    statement_more: bool = False
    contacts: list[str] = field(default_factory=list)
    """Every e-mail and phone the customer's orders were paid with, sorted, when asked."""


class GetCustomerAccount:
    def __init__(self, reports: PaymentReports, clock: Clock) -> None:
        self._reports = reports
        self._clock = clock

    async def execute(
        self,
        customer_id: str,
        ledger_limit: int = ACCOUNT_LEDGER,
        ledger_offset: int = 0,
        *,
        with_contacts: bool = False,
    ) -> CustomerAccount:
        """The customer's profile, balance (of every entry), a page of the statement
        (newest first), subscriptions and newest orders; `with_contacts`, the contacts
        their orders were paid with (the operator's view; the customer's own has none)."""
        profile = await self._reports.customer(customer_id)
        lines = await self._reports.statement(customer_id, ledger_limit + 1, ledger_offset)
        subscriptions = await self._reports.subscriptions_of(customer_id)
        orders = await self._reports.orders_of(customer_id, ACCOUNT_ORDERS)
        if profile is None and not lines and not subscriptions and not orders:
            known = ledger_offset > 0 and await self._reports.statement(customer_id, 1)
            if not known:
                raise CustomerNotFound(customer_id)
        return CustomerAccount(
            profile,
            await self._reports.customer_balance(customer_id),
            lines[:ledger_limit],
            subscriptions,
            orders,
            await self._reports.refunds_of_orders([o.order_id for o in orders]),
            statement_more=len(lines) > ledger_limit,
            contacts=await self._reports.contacts_of(customer_id) if with_contacts else [],
        )


def _check_adjustment(credits: object, note: object) -> tuple[int, str]:
    if isinstance(credits, bool) or not isinstance(credits, int):
        raise InvalidField("credits", "must be a whole number")
    if credits == 0 or abs(credits) > MAX_ADJUSTMENT:
        raise InvalidField("credits", f"must be non-zero and at most {MAX_ADJUSTMENT} either way")
    if not isinstance(note, str) or not note.strip():
        raise InvalidField("note", "must say why")
    if len(note.strip()) > MAX_NOTE_LENGTH:
        raise InvalidField("note", f"must be at most {MAX_NOTE_LENGTH} characters")
    return credits, note.strip()


class AdjustCredits:
    """An operator's correction of a customer's credits, with a note; never below zero."""

    def __init__(self, units: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._units = units
        self._clock = clock
        self._ids = ids

    async def execute(self, customer_id: str, credits: int, note: str) -> LedgerAdjustment:
        """Raises InvalidField, CustomerNotFound, or InsufficientCredits (balance < 0)."""
        change, reason = _check_adjustment(credits, note)
        return await retry_on_conflict(
            lambda: self._adjust_once(customer_id, change, reason),
            f"customer {customer_id} kept changing under adjustment",
        )

    async def _adjust_once(self, customer_id: str, change: int, reason: str) -> LedgerAdjustment:
        async with self._units() as uow:
            profile = await uow.customers.get(customer_id)
            if profile is None:
                raise CustomerNotFound(customer_id)
            # Writing the profile row first locks it (SQL stores) until commit, so two
            # adjustments of one customer cannot both pass the balance check.
            await uow.customers.upsert(profile)
            current = await uow.ledger.balance(customer_id)
            entry = LedgerAdjustment.by_operator(
                self._ids.new_id("ADJ"), customer_id, change, reason, self._clock.now(), current
            )
            await uow.ledger.add_adjustment(entry)
            await uow.commit()
        log.info("credits adjusted", customer_id=customer_id, credits=change)
        return entry


class SetReferralAgent:
    """An admin names (or replaces) the agent who referred a customer."""

    def __init__(self, units: UnitOfWorkFactory, clock: Clock) -> None:
        self._units = units
        self._clock = clock

    async def execute(self, customer_id: str, agent_id: str) -> CustomerProfile:
        agent = check_id("agent_id", agent_id)
        async with self._units() as uow:
            profile = await uow.customers.set_referral_agent(customer_id, agent)
            if profile is None:
                raise CustomerNotFound(customer_id)
            await uow.commit()
        log.info("referral agent set", customer_id=customer_id)
        return profile


@dataclass(frozen=True)
class AgentReferrals:
    """An agent's records; `count` counts them all, the totals leave reversed ones out."""

    agent_id: str
    records: list[ReferralRecord]
    count: int
    total_amount: Money
    total_commission: Money


class ListAgentReferrals:
    def __init__(self, reports: PaymentReports) -> None:
        self._reports = reports

    async def execute(self, agent_id: str) -> AgentReferrals:
        records = await self._reports.referrals_of(agent_id)
        earning = [r for r in records if not r.is_reversed]
        amount = sum((r.amount.amount for r in earning), Decimal("0.00"))
        commission = sum((r.commission.amount for r in earning), Decimal("0.00"))
        return AgentReferrals(
            agent_id,
            records,
            len(records),
            Money.from_stored(amount, CURRENCY),
            Money.from_stored(commission, CURRENCY),
        )


class ListActiveSubscriptions:
    def __init__(self, reports: PaymentReports, clock: Clock) -> None:
        self._reports = reports
        self._clock = clock

    async def execute(self, limit: int = 100, offset: int = 0) -> list[Subscription]:
        """Subscriptions running now, ending soonest first."""
        return await self._reports.active_subscriptions(self._clock.now(), limit, offset)


class ListPlans:
    def __init__(self, plans: PlanCatalogue) -> None:
        self._plans = plans

    async def execute(self) -> list[Plan]:
        """The plans on sale, in catalogue order."""
        return self._plans.active()
