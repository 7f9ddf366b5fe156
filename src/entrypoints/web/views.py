"""JSON views of domain objects, in the seed's field names; amounts as JSON numbers.

The domain names its fields for what they are (`name`, `email`, `phone`); the seed's API
names them `customerName` and so on, and only this edge knows it. Amounts are Decimal
everywhere inside; here they become JSON numbers with at most two decimals (an exact round
trip for every amount the service handles).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from application.ports import FailedAttempt
from application.use_cases.queries import CheckedStatus, CreditsReport, GatewayCheck, Statistics
from domain.ledger import CreditEntry
from domain.money import Money
from domain.order import Order, PaymentAttempt
from domain.plans import Purchase
from domain.refunds import Refund, RefundState, total_in
from entrypoints.web.schemas import (
    AttemptView,
    CreditsView,
    CreditView,
    FailedPaymentView,
    OrderView,
    PaymentStatusAnswer,
    PurchaseView,
    RefundsView,
    StatisticsView,
)

# Domain field -> the API's field, for validation errors; other names are the same in both.
API_FIELDS = {
    "name": "customerName",
    "email": "customerEmail",
    "phone": "customerPhone",
    "plan_id": "planId",
}


def api_field(field: str) -> str:
    """The request field a domain validation error is about."""
    return API_FIELDS.get(field, field)


def number(value: Money | Decimal) -> float:
    amount = value.amount if isinstance(value, Money) else value
    return float(amount)


def attempt_view(attempt: PaymentAttempt) -> AttemptView:
    return {
        "payment_id": attempt.payment_id,
        "status": attempt.status.value,
        "message": attempt.message,
        "amount": number(attempt.amount),
        "currency": attempt.amount.currency,
        "method": attempt.method,
        "at": attempt.at.isoformat(),
        "mismatch": attempt.mismatch,
        "bank_reference": attempt.bank_reference,
    }


def purchase_view(purchase: Purchase) -> PurchaseView:
    return {
        "planId": purchase.plan_id,
        "credits": purchase.credits,
        "period": purchase.period.value if purchase.period is not None else None,
        "kind": purchase.kind,
    }


def payment_status_view(order: Order) -> PaymentStatusAnswer:
    """What the customer's page sees (its receipt too): no name, e-mail or phone."""
    view: PaymentStatusAnswer = {
        "success": True,
        "status": order.payment_status,
        "order_id": order.order_id,
        "order_status": order.status.value,
        "amount": number(order.amount),
        "currency": order.amount.currency,
        "attempts": [attempt_view(a) for a in order.attempts],
        "purchase": purchase_view(order.purchase),
    }
    paying = order.paying_attempt
    if paying is not None:
        view["transaction_id"] = paying.payment_id
    latest = order.latest_attempt
    if latest is not None and latest.status.is_failure and order.payment_status != "SUCCESS":
        view["reason"] = latest.message
    return view


def checked_status_view(checked: CheckedStatus) -> PaymentStatusAnswer:
    """The status view, plus `gatewayCheck` ("pending" or "unavailable") when the gateway's
    word is not in it yet, `refunded` / `refunding` when a paid order has refunds, and
    `refund_references` once banks gave their references (ARN) of returned refunds."""
    view = payment_status_view(checked.order)
    refunds = refunds_view(checked.refunds)
    if refunds["refunded"] or refunds["refunding"]:
        view["refunded"] = refunds["refunded"]
        view["refunding"] = refunds["refunding"]
    if refunds["refundReferences"]:
        view["refund_references"] = refunds["refundReferences"]
    if checked.gateway_check is GatewayCheck.PENDING:
        view["gatewayCheck"] = "pending"
    elif checked.gateway_check is GatewayCheck.UNAVAILABLE:
        view["gatewayCheck"] = "unavailable"
    return view


def credit_view(entry: CreditEntry) -> CreditView:
    return {
        "orderId": entry.order_id,
        "transactionId": entry.payment_id,
        "amount": number(entry.amount),
        "currency": entry.amount.currency,
        "credits": entry.credits,
        "customerName": entry.customer_name,
        "customerEmail": entry.customer_email,
        "paymentMethod": entry.method,
        "status": "SUCCESS",
        "timestamp": entry.at.isoformat(),
        "processedAt": entry.at.isoformat(),
    }


def failed_payment_view(failed: FailedAttempt) -> FailedPaymentView:
    return {
        "orderId": failed.order_id,
        "transactionId": failed.attempt.payment_id,
        "amount": number(failed.amount),
        "status": failed.attempt.status.value,
        "reason": failed.attempt.message,
        "paymentMethod": failed.attempt.method,
        "timestamp": failed.attempt.at.isoformat(),
        "failedAt": failed.attempt.at.isoformat(),
    }


def order_view(order: Order, refunds: Iterable[Refund]) -> OrderView:
    """An order for the operator (admin only: it carries the customer's details), with what
    its refunds (`refunds`, all of them) returned or are returning: an order stays PAID."""
    return {
        "orderId": order.order_id,
        "amount": number(order.amount),
        "currency": order.amount.currency,
        "customerId": order.customer_id,
        "customerName": order.customer.name,
        "customerEmail": order.customer.email,
        "customerPhone": order.customer.phone,
        "status": order.status.value,
        "paymentStatus": order.payment_status,
        "createdAt": order.created_at.isoformat(),
        "paidAt": order.paid_at.isoformat() if order.paid_at else None,
        "failureReason": order.failure_reason,
        "paidAfterClose": order.paid_after_close,
        "attempts": [attempt_view(a) for a in order.attempts],
        **refunds_view(refunds),
    }


def refunds_view(refunds: Iterable[Refund]) -> RefundsView:
    """What an order's refunds (all of them, oldest first as every store reads them)
    returned and are returning, and the banks' references (ARN) of those returned."""
    refunds = tuple(refunds)
    return {
        "refunded": number(total_in(RefundState.SUCCESS, refunds)),
        "refunding": number(total_in(RefundState.PENDING, refunds)),
        "refundReferences": [refund.arn for refund in refunds if refund.arn],
    }


def credits_view(report: CreditsReport) -> CreditsView:
    return {
        "totalCredits": report.totals.credits,
        "totalAmount": number(report.totals.amount),
        "payments": [credit_view(e) for e in report.payments],
        "failedPayments": [failed_payment_view(f) for f in report.failed_payments],
        "orders": [order_view(o, report.refunds.get(o.order_id, ())) for o in report.orders],
    }


def statistics_view(stats: Statistics) -> StatisticsView:
    return {
        "totalPayments": stats.total_payments,
        "totalFailures": stats.total_failures,
        "totalAmount": number(stats.total_amount),
        "failedAmount": number(stats.failed_amount),
        "averageAmount": number(stats.average_amount),
        "successRate": number(stats.success_rate),
        "totalCredits": stats.total_credits,
        "totalOrders": stats.total_orders,
        "ordersByStatus": stats.orders_by_status,
        "paidAfterClose": stats.paid_after_close,
        "refundedAmount": number(stats.refunded_amount),
        "refundCount": stats.refund_count,
        "netRevenue": number(stats.net_revenue),
        "totalDropOuts": stats.total_drop_outs,
    }
