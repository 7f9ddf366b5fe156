"""The leader: the background work (reconciler, outbox relay, and whatever comes later)
runs on exactly one of the instances that share a store.

Every instance campaigns: every quarter of `lease_seconds` (the period) it asks the
store's `LeaderLease` to hold the lease until `lease_seconds` after it asked. The instance
that holds it starts the background tasks; the others keep asking, so when the holder
dies (its lease row expires, or its connection or file lock dies with it) one of them
takes over within the lease plus one period: 3.75 s with the default 3 s lease.

No two instances run the tasks at once. A leader stops them as soon as the lease says it
lost it, and, when the lease does not answer, once only a period is left of the lease it
last held, which is the earliest another instance could take it: the lease's answer is
awaited no longer than that deadline allows, so a hanging database cannot keep the tasks
running past it, and the period left is the time the tasks get to stop.

What every lease assumes, this one does too: clocks run at the same rate, and a process
is not frozen for longer than a period. The leader only measures time from its own asking,
so a lease that keeps its times on one clock (the database's, one machine's) needs no
agreement between the instances' clocks. The tasks are safe to repeat
anyway (confirmations are idempotent, notifications are delivered at least once): the
lease keeps them from running twice, not from running wrong.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from application.ports import Clock, LeaderLease

log = structlog.get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]
RENEWALS_PER_LEASE = 4
"""How often the lease is renewed within its length; one period is also the time a leader
that cannot renew has left to stop its tasks."""


class BackgroundTask(Protocol):
    """A loop the leader runs: `start` returns once it runs, `aclose` once it stopped."""

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


class Leader:
    """Campaigns for the lease from `start` to `aclose`; runs `tasks` while it holds it."""

    def __init__(
        self,
        lease: LeaderLease,
        tasks: Sequence[BackgroundTask],
        clock: Clock,
        lease_seconds: float,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError("lease_seconds must be positive")
        self._lease = lease
        self._tasks = tuple(tasks)
        self._clock = clock
        self._length = timedelta(seconds=lease_seconds)
        self._period = lease_seconds / RENEWALS_PER_LEASE
        self._sleep = sleep
        self._leading = False
        self._stop_at: datetime | None = None
        self._question: tuple[datetime, asyncio.Future[bool]] | None = None
        self._campaign: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def leading(self) -> bool:
        """Whether this instance runs the background tasks now."""
        return self._leading

    async def start(self) -> None:
        """Ask for the lease once now (a lone instance leads as soon as it has started),
        then keep asking every period (idempotent)."""
        if self._campaign is not None and not self._campaign.done():
            return
        self._closing = False
        started = self._clock.now()
        await self.campaign_once()
        self._campaign = asyncio.get_running_loop().create_task(self._campaign_loop(started))

    async def aclose(self) -> None:
        """Stop campaigning, stop the tasks, give the lease up.

        The campaign is also told to end by a flag: a task's `aclose` that it was awaiting
        may swallow the cancellation (waiting for its own loop to finish cancelling)."""
        self._closing = True
        campaign, self._campaign = self._campaign, None
        if campaign is not None:
            campaign.cancel()
            await asyncio.wait({campaign})
        question, self._question = self._question, None
        if question is not None:
            question[1].cancel()
            await asyncio.wait({question[1]})
            if not question[1].cancelled():
                question[1].exception()  # retrieved: an answer nobody needs any more
        if self._leading:
            await self._step_down("shutting down")
        else:
            await self._release()

    async def campaign_once(self) -> None:
        """One turn: ask the lease, for no longer than leadership allows, then start or
        stop the tasks by its answer."""
        now = self._clock.now()
        if self._stop_at is not None and now >= self._stop_at:
            await self._step_down("the lease was not renewed in time")
            return
        budget = self._period
        if self._stop_at is not None:
            budget = min(budget, (self._stop_at - now).total_seconds())
        answer = await self._ask(budget)
        if answer is None:
            if self._stop_at is not None and self._clock.now() >= self._stop_at:
                await self._step_down("the lease was not renewed in time")
            return
        asked_at, held = answer
        stop_at = asked_at + self._length - timedelta(seconds=self._period)
        if held and self._clock.now() < stop_at:
            self._stop_at = stop_at
            if not self._leading:
                await self._take_over()
        elif self._leading:
            await self._step_down("the lease was lost" if not held else "renewed too late")

    async def _campaign_loop(self, started: datetime) -> None:
        while not self._closing:
            await self._sleep(self._pause(started))
            started = self._clock.now()
            try:
                await self.campaign_once()
            except Exception:
                log.exception("leader campaign turn failed; trying again next period")

    def _pause(self, started: datetime) -> float:
        """Until one period after the last turn began, or the leader's deadline if sooner;
        never longer than a period, whatever the clock did meanwhile."""
        now = self._clock.now()
        pause = self._period - (now - started).total_seconds()
        if self._stop_at is not None:
            pause = min(pause, (self._stop_at - now).total_seconds())
        return min(self._period, max(0.0, pause))

    async def _ask(self, budget: float) -> tuple[datetime, bool] | None:
        """The lease's answer (when it was asked, and whether it is held) within `budget`
        seconds, or None. An unanswered question is not asked again: the next turn waits
        for the same answer (an adapter may not be able to give up a call half-way)."""
        if self._question is None:
            asked_at = self._clock.now()
            until = asked_at + self._length
            self._question = (asked_at, asyncio.ensure_future(self._lease.hold(asked_at, until)))
        asked_at, question = self._question
        done, _ = await asyncio.wait({question}, timeout=max(0.0, budget))
        if not done:
            log.warning("leader lease did not answer in time", seconds=round(budget, 3))
            return None
        self._question = None
        try:
            return asked_at, question.result()
        except Exception as exc:
            log.warning("leader lease failed", error=type(exc).__name__)
            return None

    async def _take_over(self) -> None:
        log.info("leading: starting the background tasks", tasks=len(self._tasks))
        self._leading = True
        for task in self._tasks:
            try:
                await task.start()
            except Exception:
                log.exception("a background task did not start")
                await self._step_down("a background task did not start")
                return

    async def _step_down(self, reason: str) -> None:
        """Stop every task (each `aclose` returns once it stopped), then give the lease up."""
        self._leading = False
        self._stop_at = None
        for task in self._tasks:
            try:
                await task.aclose()
            except Exception:
                log.exception("a background task did not stop cleanly")
        log.info("stepped down: background tasks stopped", reason=reason)
        await self._release()

    async def _release(self) -> None:
        """Give the lease up, unless a question is still out: then the lease keeps its
        own time (it expires, or answers the question on a later turn)."""
        if self._question is not None:
            return
        try:
            await self._lease.release()
        except Exception as exc:
            log.warning("leader lease not released", error=type(exc).__name__)
