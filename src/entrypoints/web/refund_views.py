"""JSON views of refunds and reconciliation runs, in the API's camelCase like the others."""

from __future__ import annotations

from application.use_cases.reconcile import Change, ReconcileRun
from domain.refunds import Refund
from entrypoints.web.schemas import ChangeView, ReconcileRunView, RefundView
from entrypoints.web.views import number


def refund_view(refund: Refund) -> RefundView:
    return {
        "refundId": refund.refund_id,
        "orderId": refund.order_id,
        "customerId": refund.customer_id,
        "amount": number(refund.amount),
        "currency": refund.amount.currency,
        "reason": refund.reason,
        "state": refund.state.value,
        "gatewayRefundId": refund.gateway_refund_id,
        "arn": refund.arn,
        "createdAt": refund.created_at.isoformat(),
        "updatedAt": refund.updated_at.isoformat(),
    }


def change_view(change: Change) -> ChangeView:
    return {"kind": change.kind, "id": change.id, "before": change.before, "after": change.after}


def reconcile_run_view(run: ReconcileRun | None) -> ReconcileRunView | None:
    """The last run for the dashboard; None before the first run finished."""
    if run is None:
        return None
    return {
        "startedAt": run.started_at.isoformat(),
        "finishedAt": run.finished_at.isoformat(),
        "checked": run.checked,
        "failed": run.failed,
        "changes": [change_view(c) for c in run.changes],
    }
