"""The tables: orders, their payment attempts in order, and the credit ledger.

The ledger's UNIQUE(order_id) is what guarantees one credit per order under concurrency;
UNIQUE(order_id, payment_id) keeps one row per gateway attempt.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from adapters.store.sql.types import UtcDateTime

ID_LENGTH = 100
_MYSQL = {"mysql_charset": "utf8mb4", "mysql_engine": "InnoDB"}


def _amount() -> Column[Decimal]:
    return Column(Numeric(12, 2), nullable=False)


class OrderRow(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_created_at", "created_at"),
        Index("ix_orders_customer_created", "customer_id", "created_at"),
        Index("ix_orders_gateway_order", "gateway_order_id"),
        _MYSQL,
    )

    order_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    amount: Decimal = Field(sa_column=_amount())
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    customer_name: str = Field(sa_column=Column(String(200), nullable=False))
    customer_email: str = Field(sa_column=Column(String(254), nullable=False))
    customer_phone: str = Field(sa_column=Column(String(20), nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    status: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    gateway_order_id: str | None = Field(sa_column=Column(String(ID_LENGTH)))
    payment_session_id: str | None = Field(sa_column=Column(Text))
    failure_reason: str | None = Field(sa_column=Column(Text))
    paid_at: datetime | None = Field(sa_column=Column(UtcDateTime()))
    updated_at: datetime | None = Field(sa_column=Column(UtcDateTime()))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    customer_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    purchase_plan_id: str | None = Field(sa_column=Column(String(64)))
    purchase_credits: int = Field(sa_column=Column(Integer, nullable=False))
    purchase_period: str | None = Field(sa_column=Column(String(32)))
    purchase_kind: str | None = Field(sa_column=Column(String(64)))
    paid_after_close: bool = Field(
        sa_column=Column(Boolean, nullable=False, default=False, server_default=false())
    )


class PaymentAttemptRow(SQLModel, table=True):
    __tablename__ = "payment_attempts"
    __table_args__ = (
        UniqueConstraint("order_id", "payment_id", name="uq_payment_attempts_order_payment"),
        Index("ix_payment_attempts_status_at", "status", "at"),
        Index("ix_payment_attempts_payment", "payment_id"),
        Index("ix_payment_attempts_bank_reference", "bank_reference"),
        _MYSQL,
    )

    id: int | None = Field(sa_column=Column(Integer, primary_key=True, autoincrement=True))
    order_id: str = Field(
        sa_column=Column(
            String(ID_LENGTH),
            ForeignKey("orders.order_id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))
    payment_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    status: str = Field(sa_column=Column(String(32), nullable=False))
    amount: Decimal = Field(sa_column=_amount())
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))
    method: str = Field(sa_column=Column(String(100), nullable=False))
    mismatch: bool = Field(sa_column=Column(Boolean, nullable=False))
    bank_reference: str = Field(
        sa_column=Column(String(ID_LENGTH), nullable=False, default="", server_default="")
    )


class CreditEntryRow(SQLModel, table=True):
    __tablename__ = "credit_entries"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_credit_entries_order"),
        Index("ix_credit_entries_at", "at"),
        Index("ix_credit_entries_customer", "customer_id"),
        _MYSQL,
    )

    id: int | None = Field(sa_column=Column(Integer, primary_key=True, autoincrement=True))
    order_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    payment_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    credits: int = Field(sa_column=Column(Integer, nullable=False))
    amount: Decimal = Field(sa_column=_amount())
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    customer_name: str = Field(sa_column=Column(String(200), nullable=False))
    customer_email: str = Field(sa_column=Column(String(254), nullable=False))
    method: str = Field(sa_column=Column(String(100), nullable=False))
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    customer_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))


class CustomerRow(SQLModel, table=True):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_referral_agent", "referral_agent"),
        Index("ix_customers_email", "email"),
        Index("ix_customers_phone", "phone"),
        _MYSQL,
    )

    customer_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    email: str = Field(sa_column=Column(String(254), nullable=False))
    phone: str = Field(sa_column=Column(String(20), nullable=False))
    referral_agent: str | None = Field(sa_column=Column(String(ID_LENGTH)))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class LedgerAdjustmentRow(SQLModel, table=True):
    """Reversals and adjustments; grants stay in credit_entries (one per order)."""

    __tablename__ = "ledger_adjustments"
    __table_args__ = (Index("ix_ledger_adjustments_customer", "customer_id", "at"), _MYSQL)

    entry_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    customer_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    credits: int = Field(sa_column=Column(Integer, nullable=False))
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    order_id: str | None = Field(sa_column=Column(String(ID_LENGTH)))
    refund_id: str | None = Field(sa_column=Column(String(ID_LENGTH)))


class SubscriptionRow(SQLModel, table=True):
    """One per (customer, kind): its version makes saving a subscription optimistic."""

    __tablename__ = "subscriptions"
    __table_args__ = (_MYSQL,)

    customer_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    kind: str = Field(sa_column=Column(String(64), primary_key=True))
    version: int = Field(sa_column=Column(Integer, nullable=False))


class SubscriptionPeriodRow(SQLModel, table=True):
    """The period each order bought: the key on order_id keeps it one per order."""

    __tablename__ = "subscription_periods"
    __table_args__ = (
        Index("ix_subscription_periods_owner", "customer_id", "kind", "position"),
        Index("ix_subscription_periods_ends_at", "ends_at"),
        _MYSQL,
    )

    order_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    customer_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    kind: str = Field(sa_column=Column(String(64), nullable=False))
    position: int = Field(sa_column=Column(Integer, nullable=False))
    starts_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    bought_us: int = Field(sa_column=Column(BigInteger, nullable=False))


class ReferralRow(SQLModel, table=True):
    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_agent", "agent_id"), _MYSQL)

    order_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    agent_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    customer_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    amount: Decimal = Field(sa_column=_amount())
    commission: Decimal = Field(sa_column=_amount())
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))


class OutboxRow(SQLModel, table=True):
    """Notifications to deliver, written with the facts they describe. The key on the
    message id (derived from the fact) makes the same fact written twice one row."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "delivered_at", "next_attempt_at"),
        Index("ix_outbox_recipient", "recipient_kind", "recipient_id", "created_at"),
        _MYSQL,
    )

    message_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    topic: str = Field(sa_column=Column(String(64), nullable=False))
    recipient_kind: str = Field(sa_column=Column(String(16), nullable=False))
    recipient_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    order_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    attempts: int = Field(sa_column=Column(Integer, nullable=False))
    delivered_at: datetime | None = Field(sa_column=Column(UtcDateTime()))
    last_error: str | None = Field(sa_column=Column(Text))
    read_at: datetime | None = Field(sa_column=Column(UtcDateTime()))


class RefundRow(SQLModel, table=True):
    """Refunds by their client id; `version` makes a save optimistic; by order, state,
    Cashfree's id and the bank's reference (`arn`)."""

    __tablename__ = "refunds"
    __table_args__ = (
        Index("ix_refunds_order", "order_id", "created_at"),
        Index("ix_refunds_state_created", "state", "created_at"),
        Index("ix_refunds_gateway_refund", "gateway_refund_id"),
        Index("ix_refunds_arn", "arn"),
        _MYSQL,
    )

    refund_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    order_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    customer_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    amount: Decimal = Field(sa_column=_amount())
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    reason: str = Field(sa_column=Column(String(200), nullable=False))
    state: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    gateway_refund_id: str | None = Field(sa_column=Column(String(ID_LENGTH)))
    arn: str = Field(
        sa_column=Column(String(ID_LENGTH), nullable=False, default="", server_default="")
    )
    version: int = Field(sa_column=Column(Integer, nullable=False))


class LeaseRow(SQLModel, table=True):
    """Leader leases among the instances sharing the database (see `sql.leases`): who
    holds each and until when; another instance may take it once that time has passed."""

    __tablename__ = "leases"
    __table_args__ = (_MYSQL,)

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    holder: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class CustomerContactRow(SQLModel, table=True):
    """Each e-mail and phone a customer's orders were paid with, once a customer: what the
    operator's search finds a customer by, whatever their profile holds now. Written with
    each new order (insert-or-ignore), never by a webhook's save."""

    __tablename__ = "customer_contacts"
    __table_args__ = (Index("ix_customer_contacts_customer", "customer_id"), _MYSQL)

    contact: str = Field(sa_column=Column(String(254), primary_key=True))
    customer_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


ORDERS = _table(OrderRow)
ATTEMPTS = _table(PaymentAttemptRow)
CREDITS = _table(CreditEntryRow)
CUSTOMERS = _table(CustomerRow)
ADJUSTMENTS = _table(LedgerAdjustmentRow)
SUBSCRIPTIONS = _table(SubscriptionRow)
PERIODS = _table(SubscriptionPeriodRow)
REFERRALS = _table(ReferralRow)
ACCOUNT_TABLES = (CUSTOMERS, ADJUSTMENTS, SUBSCRIPTIONS, PERIODS, REFERRALS)
OUTBOX = _table(OutboxRow)
REFUNDS = _table(RefundRow)
LEASES = _table(LeaseRow)
CONTACTS = _table(CustomerContactRow)
TABLES = (ORDERS, ATTEMPTS, CREDITS, *ACCOUNT_TABLES, OUTBOX, REFUNDS, LEASES, CONTACTS)
