"""Deliver the outbox: at least once, with retries and exponential backoff.

Notifications are written in the payment's own transaction, so the payment never waits
for a receiver: this relay, a background loop, reads the due messages afterwards, hands
each to every notifier outside any transaction, and records the outcome (delivered, or
failed with the next attempt from `domain.notifications.retry_delay`). A restart loses
nothing: what was not marked delivered is due again. A message is delivered when every
notifier took it; a retry goes to all of them again (at least once, never at most once).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import structlog

from application.background_loop import BackgroundLoop
from application.errors import DeliveryFailed
from application.ports import Clock, Notifier
from application.unit_of_work import UnitOfWorkFactory
from domain.notifications import OutboxMessage, next_attempt_after

log = structlog.get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]
DEFAULT_BATCH = 50
DEFAULT_DELIVERY_TIMEOUT = 10.0


class OutboxRelay(BackgroundLoop):
    """`run_once` delivers one bounded batch; `start`/`aclose` run the loop, which takes
    batch after batch while they come full and waits an interval once one does not, so the
    backlog drains at the notifiers' pace, not at one batch per interval.

    Batches never overlap within a process (a lock), so the loop and a direct call do not
    deliver the same message twice at once. `sleep` is injectable for tests.
    """

    def __init__(
        self,
        units: UnitOfWorkFactory,
        notifiers: Sequence[Notifier],
        clock: Clock,
        interval_seconds: float,
        *,
        batch_size: int = DEFAULT_BATCH,
        delivery_timeout: float = DEFAULT_DELIVERY_TIMEOUT,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if interval_seconds <= 0 or delivery_timeout <= 0:
            raise ValueError("interval_seconds and delivery_timeout must be positive")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._units = units
        self._notifiers = tuple(notifiers)
        self._clock = clock
        self._interval = interval_seconds
        self._batch = batch_size
        self._timeout = delivery_timeout
        self._sleep = sleep
        self._lock = asyncio.Lock()

    @property
    def notifier_names(self) -> list[str]:
        return [n.name for n in self._notifiers]

    async def run_once(self, now: datetime | None = None) -> int:
        """Deliver the messages due at `now` (default: the clock's now), one batch at most;
        returns how many were delivered."""
        return (await self._run_batch(now))[1]

    async def _run_batch(self, now: datetime | None) -> tuple[int, int]:
        """One batch: how many messages were due in it, and how many were delivered. A
        failed message waits for its next attempt, so a full batch of failures does not
        come back at once."""
        async with self._lock:
            at = now if now is not None else self._clock.now()
            async with self._units() as uow:
                due = await uow.outbox.due(at, self._batch)
            if not due:
                return 0, 0
            errors = await asyncio.gather(*(self._deliver(m) for m in due))
            outcomes = list(zip(due, errors, strict=True))
            delivered = [message.message_id for message, error in outcomes if error is None]
            async with self._units() as uow:
                if delivered:
                    await uow.outbox.mark_delivered(delivered, at)
                for message, error in outcomes:
                    if error is not None:
                        retry_at = next_attempt_after(at, message.attempts + 1)
                        await uow.outbox.mark_failed(message.message_id, error, retry_at)
                await uow.commit()
        failed = len(due) - len(delivered)
        log.info("outbox batch", due=len(due), delivered=len(delivered), failed=failed)
        return len(due), len(delivered)

    async def _run(self) -> None:
        while True:
            try:
                due, _ = await self._run_batch(None)
            except Exception:
                log.exception("outbox relay batch failed; retrying next interval")
                due = 0
            if due < self._batch:
                await self._sleep(self._interval)

    async def _deliver(self, message: OutboxMessage) -> str | None:
        """None when every notifier took the message, else what went wrong (safe to keep)."""
        for notifier in self._notifiers:
            try:
                async with asyncio.timeout(self._timeout):
                    await notifier.deliver(message)
            except DeliveryFailed as exc:
                error = f"{notifier.name}: {exc}"
            except TimeoutError:
                error = f"{notifier.name}: no answer within {self._timeout:g}s"
            except Exception as exc:
                error = f"{notifier.name}: {type(exc).__name__}"
            else:
                continue
            log.warning(
                "notification not delivered",
                message_id=message.message_id,
                topic=message.topic,
                attempts=message.attempts + 1,
                error=error,
            )
            return error
        return None
