"""The customer's inbox: the notifications addressed to them, and marking them read.

The inbox is the outbox itself: a customer's message is readable as soon as the payment it
describes is committed, whatever its delivery to other receivers.
"""

from __future__ import annotations

from collections.abc import Sequence

from application.ports import Clock, PaymentReports
from application.unit_of_work import UnitOfWorkFactory
from domain.errors import InvalidField
from domain.notifications import InboxNotification

__all__ = ["MAX_READ_IDS", "InboxNotification", "ListNotifications", "MarkNotificationsRead"]

MAX_READ_IDS = 100
_ID_MAX = 100


class ListNotifications:
    def __init__(self, reports: PaymentReports) -> None:
        self._reports = reports

    async def execute(
        self, customer_id: str, limit: int, offset: int = 0
    ) -> list[InboxNotification]:
        """The customer's notifications, newest first."""
        return await self._reports.notifications_of(customer_id, limit, offset)


class MarkNotificationsRead:
    def __init__(self, units: UnitOfWorkFactory, clock: Clock) -> None:
        self._units = units
        self._clock = clock

    async def execute(self, customer_id: str, ids: Sequence[str]) -> int:
        """Mark the customer's notifications among `ids` read; returns how many were unread.

        Ids of other customers' notifications are ignored, as unknown ones are: a customer
        cannot learn or change anything about messages that are not theirs.
        """
        if isinstance(ids, str) or len(ids) > MAX_READ_IDS:
            raise InvalidField("ids", f"ids must be a list of at most {MAX_READ_IDS} ids")
        if any(not isinstance(i, str) or not i or len(i) > _ID_MAX for i in ids):
            raise InvalidField("ids", "each id must be a non-empty string")
        if not ids:
            return 0
        async with self._units() as uow:
            marked = await uow.outbox.mark_read(customer_id, ids, self._clock.now())
            await uow.commit()
        return marked
