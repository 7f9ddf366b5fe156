"""The ports: what the use cases need from the world, as Protocols adapters implement."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self

from application.store_transfer import StoreTransfer
from domain.accounts import CustomerProfile
from domain.customer import Customer
from domain.events import Event
from domain.ledger import CreditEntry, LedgerAdjustment, StatementLine
from domain.money import Money
from domain.notifications import InboxNotification, OutboxMessage
from domain.order import Order, PaymentAttempt
from domain.referrals import ReferralRecord
from domain.refunds import Refund, RefundState
from domain.subscriptions import Subscription


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def order_id(self) -> str:
        """An unguessable order id (at least 96 random bits), valid as a Cashfree order_id."""
        ...

    def new_id(self, prefix: str) -> str:
        """An unguessable id for anything else (customers, refunds, requests)."""
        ...


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[Event]) -> None:
        """Fan committed events out (SSE streams, notifications); never raises."""
        ...


class OrderChanges(Protocol):
    """One subscriber's wake-ups for one order. They say only that the order may have
    changed: the subscriber re-reads it from the store, which holds the truth."""

    async def wait(self, fallback_seconds: float) -> None:
        """Return once the order may have changed, here or on another instance.

        It also returns when the bus loses or regains its connection (a change may have
        been missed), after `fallback_seconds` at the latest while the bus cannot hear
        other instances (the order watcher keeps the store current meanwhile), and after
        a long resync period in any case, so a lost message delays a change, never hides it.
        """
        ...


class EventBus(EventPublisher, Protocol):
    """Committed events reach the subscribers of every process serving the shop."""

    def subscribe(self, order_id: str) -> AbstractAsyncContextManager[OrderChanges]:
        """Wake-ups for `order_id` while the block runs."""
        ...

    async def start(self) -> None:
        """Connect (bounded wait); a bus that cannot connect yet keeps trying."""
        ...

    async def aclose(self) -> None:
        """Send what is still queued (bounded wait), then disconnect."""
        ...


class Metrics(Protocol):
    """What the service counts and times, for an operator's dashboards (Prometheus).

    Labels are few and fixed: a failure's reason is the attempt's status, never the bank's
    message; a gateway call's status is "ok" or the application error's class name.
    """

    def order_created(self) -> None: ...

    def order_paid(self) -> None: ...

    def payment_failed(self, reason: str) -> None: ...

    def webhook(self, result: str) -> None:
        """One webhook answered: "applied", "duplicate", "refused" or "ignored"."""
        ...

    def gateway_call(self, endpoint: str, status: str, seconds: float) -> None: ...

    def store_commit(self, seconds: float) -> None: ...

    def open_streams(self, count: int) -> None: ...

    def outbox_backlog(self, count: int) -> None: ...


# --- payment gateway -------------------------------------------------------------------


class GatewayOrderStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAID = "PAID"
    EXPIRED = "EXPIRED"
    TERMINATED = "TERMINATED"
    TERMINATION_REQUESTED = "TERMINATION_REQUESTED"


@dataclass(frozen=True)
class GatewayOrderRequest:
    """What the gateway needs to open an order; `order_id` doubles as idempotency key."""

    order_id: str
    amount: Money
    customer: Customer
    customer_id: str
    return_url: str
    notify_url: str


@dataclass(frozen=True)
class GatewayOrder:
    order_id: str
    gateway_order_id: str
    status: GatewayOrderStatus
    payment_session_id: str
    amount: Money
    expires_at: datetime | None = None


class RefundStatus(StrEnum):
    SUCCESS = "SUCCESS"
    PENDING = "PENDING"
    CANCELLED = "CANCELLED"
    ONHOLD = "ONHOLD"


@dataclass(frozen=True)
class GatewayRefund:
    order_id: str
    refund_id: str
    gateway_refund_id: str
    amount: Money
    status: RefundStatus
    note: str = ""
    arn: str = ""


class PaymentGateway(Protocol):
    """The payment gateway as the use cases see it (Cashfree, or the simulator)."""

    name: str

    async def create_order(self, request: GatewayOrderRequest) -> GatewayOrder: ...

    async def get_order(self, order_id: str) -> GatewayOrder: ...

    async def list_payments(self, order_id: str) -> list[PaymentAttempt]: ...

    async def terminate_order(self, order_id: str) -> GatewayOrder: ...

    async def create_refund(
        self, order_id: str, refund_id: str, amount: Money, note: str
    ) -> GatewayRefund: ...

    async def list_refunds(self, order_id: str) -> list[GatewayRefund]: ...

    async def aclose(self) -> None: ...


# --- payment notifications -------------------------------------------------------------


@dataclass(frozen=True)
class PaymentNotification:
    """A verified notification from the gateway: evidence about one attempt on one order."""

    type: str
    order_id: str
    attempt: PaymentAttempt


@dataclass(frozen=True)
class RefundNotification:
    """A verified notification from the gateway about one refund of one order."""

    type: str
    order_id: str
    refund_id: str
    state: RefundState
    gateway_refund_id: str | None = None
    arn: str = ""


class PaymentNotifications(Protocol):
    """The gateway's webhooks, authenticated and read (Cashfree's signature scheme)."""

    def verify_and_parse(
        self, headers: Mapping[str, str], raw: bytes, now: datetime
    ) -> PaymentNotification | RefundNotification | None:
        """The payment or refund a webhook reports, or None for a type the service does
        not act on.

        Raises NotificationUnauthentic for a bad, missing or stale signature (checked over
        `raw` before anything is parsed), NotificationUnreadable for a signed body that
        is not a readable notification, and NotificationUnstorable for a readable one
        carrying a value no store can hold.
        """
        ...


# --- store -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerTotals:
    entries: int = 0
    credits: int = 0
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class OrderStatistics:
    """Aggregates the operator's statistics are computed from."""

    orders_by_status: dict[str, int] = field(default_factory=dict)
    attempted_orders: int = 0
    failed_attempts: int = 0
    failed_amount: Decimal = Decimal("0.00")
    paid_after_close: int = 0
    # Of the failed attempts, those the customer abandoned (USER_DROPPED): not declines.
    dropped_attempts: int = 0


@dataclass(frozen=True)
class FailedAttempt:
    """A failed or dropped attempt with the order it belongs to."""

    order_id: str
    amount: Money
    attempt: PaymentAttempt


class OrderRepository(Protocol):
    async def add(self, order: Order) -> None:
        """Insert a new order; raises DuplicateOrder (now or at commit) if the id exists."""
        ...

    async def get(self, order_id: str) -> Order | None: ...

    def adopt(self, order: Order) -> None:
        """Take `order` as loaded, without reading it: it is what an earlier, committed unit
        of work added or saved, unchanged since. A use case that goes on with an order it
        has just written saves the read; `save` still checks its version."""
        ...

    async def save(self, order: Order) -> None:
        """Persist changes to a loaded (or adopted) order at commit; raises
        ConcurrencyConflict (now or at commit) if someone else saved it since it was
        loaded. Bumps `order.version`."""
        ...


class CreditLedger(Protocol):
    async def add(self, entry: CreditEntry) -> None:
        """Append an entry; raises domain DuplicateCredit (now or at commit) when the order
        already has one. The store enforces this, not a read before the write."""
        ...

    async def get(self, order_id: str) -> CreditEntry | None: ...

    async def add_adjustment(self, entry: LedgerAdjustment) -> None:
        """Append a reversal or adjustment; raises DuplicateEntry when its id exists."""
        ...

    async def balance(self, customer_id: str) -> int:
        """The sum of every grant, reversal and adjustment of the customer."""
        ...


class CustomerRepository(Protocol):
    async def get(self, customer_id: str) -> CustomerProfile | None: ...

    async def upsert(self, profile: CustomerProfile) -> None:
        """Insert, or update the stored profile (`CustomerProfile.merged_with`): latest
        contact details, and a referral agent only where none was known; `get` reads the
        result. Nothing is answered, so a store may hold the write for the commit."""
        ...

    async def set_referral_agent(
        self, customer_id: str, agent_id: str | None
    ) -> CustomerProfile | None:
        """Replace the customer's referral agent; None when the customer is unknown."""
        ...


class SubscriptionRepository(Protocol):
    async def get(self, customer_id: str, kind: str) -> Subscription | None: ...

    async def save(self, subscription: Subscription) -> None:
        """Insert or update; raises ConcurrencyConflict (now or at commit) if someone else
        saved it since it was loaded (or created it meanwhile). Bumps `version`."""
        ...


class ReferralRepository(Protocol):
    async def add(self, record: ReferralRecord) -> None:
        """Insert; raises DuplicateReferral (now or at commit) if the order has one."""
        ...

    async def get(self, order_id: str) -> ReferralRecord | None: ...

    async def save(self, record: ReferralRecord) -> None:
        """Replace the order's existing record (a refund marks it reversed)."""
        ...


class RefundRepository(Protocol):
    async def add(self, refund: Refund) -> None:
        """Insert; raises DuplicateRefund (now or at commit) if the refund id exists."""
        ...

    async def get(self, refund_id: str) -> Refund | None: ...

    async def for_order(self, order_id: str) -> list[Refund]:
        """The order's refunds, oldest first."""
        ...

    async def save(self, refund: Refund) -> None:
        """Persist a loaded refund; raises ConcurrencyConflict (now or at commit) if
        someone else saved it since it was loaded. Bumps `refund.version`."""
        ...


@dataclass(frozen=True)
class RefundTotals:
    """SUCCESS refunds: how many and how much."""

    count: int = 0
    amount: Decimal = Decimal("0.00")


class Outbox(Protocol):
    """Notifications waiting to be delivered, written with the facts they describe; the
    customer-addressed ones are also the customer's inbox."""

    async def add(self, message: OutboxMessage) -> None:
        """Insert; a message whose id exists is silently ignored (the same fact twice)."""
        ...

    async def due(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """Undelivered messages whose next attempt is at or before `now`, earliest first."""
        ...

    async def mark_delivered(self, message_ids: list[str], now: datetime) -> None:
        """Mark the undelivered messages among `message_ids` delivered at `now`, a batch
        at a time; delivered and unknown ids change nothing. A list, so that one id (a
        str, itself a sequence of str) is a type error rather than a batch of letters."""
        ...

    async def mark_failed(self, message_id: str, error: str, next_attempt_at: datetime) -> None:
        """Count a failed attempt, keep its error, and wait until `next_attempt_at`."""
        ...

    async def mark_read(self, customer_id: str, ids: Sequence[str], now: datetime) -> int:
        """Mark the customer's unread messages among `ids` read; other customers' ids
        and unknown ids change nothing. Returns how many were newly marked."""
        ...


class Notifier(Protocol):
    """Somewhere notifications go (a log, a receiver over HTTP)."""

    name: str

    async def deliver(self, message: OutboxMessage) -> None:
        """Deliver once; raise on failure so the outbox retries later."""
        ...


class PaymentReports(Protocol):
    """What the operator reads: orders, failed attempts, credits and their totals.

    Kept apart from the repositories, which a unit of work uses to change one order at a
    time. Each query reads committed data on its own; pages are newest first.
    """

    async def recent_orders(self, limit: int, offset: int = 0) -> list[Order]:
        """Newest first by created_at, ties by order id."""
        ...

    async def failed_attempts(self, limit: int, offset: int = 0) -> list[FailedAttempt]:
        """Attempts whose status is a failure, newest attempt first."""
        ...

    async def order_statistics(self) -> OrderStatistics: ...

    async def credits(self, limit: int, offset: int = 0) -> list[CreditEntry]:
        """Ledger entries, newest grant first."""
        ...

    async def ledger_totals(self) -> LedgerTotals: ...

    async def customer(self, customer_id: str) -> CustomerProfile | None: ...

    async def statement(self, customer_id: str, limit: int, offset: int = 0) -> list[StatementLine]:
        """A page of the customer's ledger entries, newest first (ties by entry id,
        descending)."""
        ...

    async def customer_balance(self, customer_id: str) -> int:
        """The sum of every ledger entry of the customer."""
        ...

    async def subscriptions_of(self, customer_id: str) -> list[Subscription]:
        """Every subscription of the customer, by kind."""
        ...

    async def active_subscriptions(
        self, now: datetime, limit: int, offset: int = 0
    ) -> list[Subscription]:
        """Subscriptions with a period covering `now`, ending soonest first."""
        ...

    async def orders_of(self, customer_id: str, limit: int, offset: int = 0) -> list[Order]:
        """The customer's orders, newest first."""
        ...

    async def referrals_of(self, agent_id: str) -> list[ReferralRecord]:
        """The agent's referral records, by order id."""
        ...

    async def find_orders(self, text: str, limit: int) -> list[Order]:
        """The orders `text` names: by their id or Cashfree's (`cf_order_id`), by a payment
        attempt's id (`cf_payment_id`) or bank reference (the UTR on a statement), by a
        refund's id or Cashfree's (`cf_refund_id`); newest first, at most `limit`."""
        ...

    async def find_customers(
        self, *, email: str | None, phone: str | None, limit: int
    ) -> list[CustomerProfile]:
        """Customers whose e-mail (lower case) or phone (10 digits) is the one given: the
        latest their profile holds, or one any of their orders was paid with; newest
        customer first, at most `limit`."""
        ...

    async def contacts_of(self, customer_id: str) -> list[str]:
        """Every e-mail and phone the customer's orders were paid with, each once, sorted
        (what `find_customers` finds them by besides their profile's)."""
        ...

    async def notifications_of(
        self, customer_id: str, limit: int, offset: int = 0
    ) -> list[InboxNotification]:
        """The customer's notifications, newest first, with when each was read."""
        ...

    async def outbox_backlog(self) -> int:
        """How many messages are not delivered yet."""
        ...

    async def open_orders(self, limit: int) -> list[Order]:
        """Orders the gateway may still move, oldest first (created_at, then order id):
        CREATED and ACTIVE ones, and EXPIRED or TERMINATED ones with a PENDING attempt
        (money the bank confirms late still pays them)."""
        ...

    async def payments_without_reference(self, after: str, limit: int) -> list[str]:
        """Ids of orders with a SUCCESS attempt that has no bank reference, ascending, those
        after `after` (a page of the references' backfill)."""
        ...

    async def refunds_without_reference(self, after: str, limit: int) -> list[Refund]:
        """SUCCESS refunds without an ARN by refund id ascending, those after `after`."""
        ...

    async def refunds_of(self, order_id: str) -> list[Refund]:
        """The order's refunds, oldest first."""
        ...

    async def refunds_of_orders(self, order_ids: Collection[str]) -> dict[str, list[Refund]]:
        """Each of the orders' refunds, oldest first; an order without any is left out (a
        page of orders reads its refunds at once, not one query an order)."""
        ...

    async def recent_refunds(
        self, limit: int, offset: int = 0, state: RefundState | None = None
    ) -> list[Refund]:
        """Every order's refunds (optionally of one state), newest first."""
        ...

    async def pending_refunds(self, limit: int) -> list[Refund]:
        """PENDING refunds, oldest first (the reconciler's work)."""
        ...

    async def refund_totals(self) -> RefundTotals:
        """Count and amount of SUCCESS refunds."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the repositories: commit or nothing."""

    refunds: RefundRepository

    orders: OrderRepository
    ledger: CreditLedger
    customers: CustomerRepository
    subscriptions: SubscriptionRepository
    referrals: ReferralRepository
    outbox: Outbox

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class LeaderLease(Protocol):
    """Which one of the instances sharing a store runs the background work (see
    `application.leader`): at most one holds the lease at a time.

    `hold` takes the lease when it is free or has expired and renews it when this instance
    holds it, so that no other instance can take it before `until`; `now` is the time the
    caller read just before asking. It answers True (held until `until`), False (another
    instance holds it, or this one has lost it) or raises when it cannot tell (a database
    that did not answer). Leases that live as long as a connection or a file lock (they
    end when the process dies) hold beyond `until` and ignore both times.
    """

    async def hold(self, now: datetime, until: datetime) -> bool: ...

    async def release(self) -> None:
        """Give the lease up now, if this instance holds it, so another takes over at once;
        also drops whatever the lease kept open (a connection, a file)."""
        ...


class Store(Protocol):
    """A place orders and credits live: opens units of work, can be wiped for tests.

    `description` is for operators (a file path, a URL without its password); `kind` alone
    ("memory", "json", "sqlite", "postgresql", "mysql") is what anyone may be shown.
    """

    description: str
    kind: str

    def unit_of_work(self) -> UnitOfWork: ...

    def reports(self) -> PaymentReports: ...

    def transfer(self) -> StoreTransfer:
        """Every record of the store, to copy to another store or to write in whole."""
        ...

    def leader_lease(self, name: str, holder: str) -> LeaderLease:
        """The lease named `name` among the instances sharing this store, as seen by the
        instance `holder` (unique per instance)."""
        ...

    async def open(self) -> None:
        """Create files or tables as needed; idempotent."""
        ...

    async def reset(self) -> None:
        """Delete every order and ledger entry."""
        ...

    async def close(self) -> None: ...
