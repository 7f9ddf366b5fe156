"""RecordFailure: a verified report that an attempt failed, applied through ConfirmPayment.

It exists so the webhook's failure path reads as what it is, and so a failure report can
never be used to smuggle in a success: non-failure attempts are refused here.
"""

from __future__ import annotations

from application.use_cases.confirm_payment import Confirmation, ConfirmPayment
from domain.errors import InvalidField
from domain.order import Order, PaymentAttempt


class RecordFailure:
    def __init__(self, confirm: ConfirmPayment) -> None:
        self._confirm = confirm

    async def execute(self, order_id: str, attempt: PaymentAttempt) -> Order:
        return (await self.record(order_id, attempt)).order

    async def record(self, order_id: str, attempt: PaymentAttempt) -> Confirmation:
        """As `execute`, and say whether the report changed anything."""
        if not attempt.status.is_failure:
            raise InvalidField("status", f"{attempt.status} is not a failure")
        return await self._confirm.record(order_id, [attempt])
