"""JSON views of plans, customer accounts, subscriptions, referrals and notifications.

Same conventions as `views.py`: camelCase field names, amounts as JSON numbers, times as
ISO 8601. An account is shown with what the customer may see; the operator's view adds the
profile (name, e-mail, phone, referral agent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from application.use_cases.accounts import AgentReferrals, CustomerAccount
from application.use_cases.notifications import InboxNotification
from application.use_cases.search import SearchResult
from domain.accounts import CustomerProfile
from domain.ledger import LedgerAdjustment, StatementLine
from domain.order import Order
from domain.plans import Plan
from domain.referrals import ReferralRecord
from domain.refunds import Refund
from domain.subscriptions import Subscription, SubscriptionPeriod
from entrypoints.web.refund_views import refund_view
from entrypoints.web.schemas import (
    AccountView,
    AdjustmentView,
    AgentReferralsView,
    CustomerOrderView,
    CustomerView,
    FoundCustomerView,
    NotificationView,
    PeriodView,
    PlanView,
    ProfileView,
    ReferralView,
    SearchView,
    StatementLineView,
    SubscriptionView,
)
from entrypoints.web.views import attempt_view, number, order_view, purchase_view, refunds_view


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def plan_view(plan: Plan) -> PlanView:
    return {
        "id": plan.plan_id,
        "name": plan.name,
        "description": plan.description,
        "price": number(plan.price),
        "currency": plan.price.currency,
        "credits": plan.credits,
        "period": plan.period.value if plan.period is not None else None,
        "kind": plan.subscription_kind,
    }


def statement_line_view(line: StatementLine) -> StatementLineView:
    return {
        "entryId": line.entry_id,
        "kind": line.kind.value,
        "credits": line.credits,
        "at": line.at.isoformat(),
        "orderId": line.order_id,
        "refundId": line.refund_id,
        "note": line.note,
    }


def adjustment_view(entry: LedgerAdjustment) -> AdjustmentView:
    return {
        "entryId": entry.entry_id,
        "customerId": entry.customer_id,
        "kind": entry.kind.value,
        "credits": entry.credits,
        "at": entry.at.isoformat(),
        "note": entry.note,
        "orderId": entry.order_id,
        "refundId": entry.refund_id,
    }


def _period_view(
    period: SubscriptionPeriod, plans_by_order: Mapping[str, str | None], now: datetime
) -> PeriodView:
    return {
        "orderId": period.order_id,
        "planId": plans_by_order.get(period.order_id),
        "startsAt": period.starts_at.isoformat(),
        "endsAt": period.ends_at.isoformat(),
        "active": period.covers(now),
    }


def subscription_view(
    subscription: Subscription,
    now: datetime,
    plans_by_order: Mapping[str, str | None] | None = None,
) -> SubscriptionView:
    """`planId` is the plan of the latest period bought, when the orders are known."""
    known = plans_by_order or {}
    periods = subscription.periods
    latest = max(periods, key=lambda p: p.ends_at, default=None)
    view: SubscriptionView = {
        "customerId": subscription.customer_id,
        "kind": subscription.kind,
        "startsAt": _time(min((p.starts_at for p in periods), default=None)),
        "endsAt": _time(subscription.ends_at),
        "active": subscription.is_active(now),
        "periods": [_period_view(p, known, now) for p in periods],
    }
    plan_id = known.get(latest.order_id) if latest is not None else None
    if plan_id:
        view["planId"] = plan_id
    return view


def customer_order_view(order: Order, refunds: Iterable[Refund]) -> CustomerOrderView:
    """An order as its customer sees it in their account (no other customer's data exists),
    with what its refunds returned or are returning."""
    return {
        "orderId": order.order_id,
        "amount": number(order.amount),
        "currency": order.amount.currency,
        "status": order.status.value,
        "paymentStatus": order.payment_status,
        "createdAt": order.created_at.isoformat(),
        "paidAt": _time(order.paid_at),
        "paidAfterClose": order.paid_after_close,
        "purchase": purchase_view(order.purchase),
        "attempts": [attempt_view(a) for a in order.attempts],
        **refunds_view(refunds),
    }


def profile_view(profile: CustomerProfile | None) -> ProfileView:
    if profile is None:
        return {"name": None, "email": None, "phone": None, "referralAgent": None}
    return {
        "name": profile.name,
        "email": profile.email,
        "phone": profile.phone,
        "referralAgent": profile.referral_agent,
        "createdAt": profile.created_at.isoformat(),
    }


def found_customer_view(profile: CustomerProfile, earlier_contact: bool) -> FoundCustomerView:
    return {
        "customerId": profile.customer_id,
        **profile_view(profile),
        "earlierContact": earlier_contact,
    }


def search_view(query: str, result: SearchResult) -> SearchView:
    refunds = [refund for found in result.refunds.values() for refund in found]
    refunds.sort(key=lambda r: (r.created_at, r.refund_id), reverse=True)
    return {
        "query": query,
        "orders": [order_view(o, result.refunds.get(o.order_id, ())) for o in result.orders],
        "customers": [
            found_customer_view(c, c.customer_id in result.by_earlier_contact)
            for c in result.customers
        ],
        "refunds": [refund_view(refund) for refund in refunds],
    }


def account_view(customer_id: str, account: CustomerAccount, now: datetime) -> AccountView:
    """What the customer sees of their own account."""
    plans_by_order = {order.order_id: order.purchase.plan_id for order in account.orders}
    return {
        "customerId": customer_id,
        "balance": account.balance,
        "ledger": [statement_line_view(line) for line in account.statement],
        "ledgerMore": account.statement_more,
        "subscriptions": [subscription_view(s, now, plans_by_order) for s in account.subscriptions],
        "orders": [
            customer_order_view(order, account.refunds.get(order.order_id, ()))
            for order in account.orders
        ],
    }


def customer_view(customer_id: str, account: CustomerAccount, now: datetime) -> CustomerView:
    """The operator's view: the account, the customer's profile and their contacts."""
    return {
        **account_view(customer_id, account, now),
        **profile_view(account.profile),
        "contacts": account.contacts,
    }


def referral_view(record: ReferralRecord) -> ReferralView:
    return {
        "orderId": record.order_id,
        "customerId": record.customer_id,
        "amount": number(record.amount),
        "commission": number(record.commission),
        "currency": record.amount.currency,
        "status": record.status.value,
    }


def agent_referrals_view(referrals: AgentReferrals) -> AgentReferralsView:
    return {
        "agentId": referrals.agent_id,
        "count": referrals.count,
        "totalAmount": number(referrals.total_amount),
        "totalCommission": number(referrals.total_commission),
        "referrals": [referral_view(r) for r in referrals.records],
    }


def notification_view(notification: InboxNotification) -> NotificationView:
    return {
        "id": notification.notification_id,
        "topic": notification.topic,
        "title": notification.title,
        "body": notification.body,
        "createdAt": notification.created_at.isoformat(),
        "readAt": _time(notification.read_at),
        "read": notification.read_at is not None,
    }


def subscriptions_view(
    subscriptions: Iterable[Subscription], now: datetime
) -> list[SubscriptionView]:
    return [subscription_view(s, now) for s in subscriptions]
