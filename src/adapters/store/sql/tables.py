"""The tables: orders, their payment attempts in order, and the credit ledger.

The ledger's UNIQUE(order_id) is what guarantees one credit per order under concurrency;
UNIQUE(order_id, payment_id) keeps one row per gateway attempt.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
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
)
from sqlmodel import Field, SQLModel

from adapters.store.sql.types import UtcDateTime

ID_LENGTH = 100
_MYSQL = {"mysql_charset": "utf8mb4", "mysql_engine": "InnoDB"}


def _amount() -> Column[Decimal]:
    return Column(Numeric(12, 2), nullable=False)


class OrderRow(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_created_at", "created_at"), _MYSQL)

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


class PaymentAttemptRow(SQLModel, table=True):
    __tablename__ = "payment_attempts"
    __table_args__ = (
        UniqueConstraint("order_id", "payment_id", name="uq_payment_attempts_order_payment"),
        Index("ix_payment_attempts_status_at", "status", "at"),
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


class CreditEntryRow(SQLModel, table=True):
    __tablename__ = "credit_entries"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_credit_entries_order"),
        Index("ix_credit_entries_at", "at"),
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


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


ORDERS = _table(OrderRow)
ATTEMPTS = _table(PaymentAttemptRow)
CREDITS = _table(CreditEntryRow)
TABLES = (ORDERS, ATTEMPTS, CREDITS)
