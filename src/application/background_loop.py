"""The lifecycle the leader's background tasks share: one asyncio task running `_run`,
started at most once and cancelled on `aclose` (see `application.leader`)."""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod


class BackgroundLoop(ABC):
    """`start` runs `_run` as a task (idempotent); `aclose` cancels it and returns once it
    has stopped. What the loop was doing when cancelled is done again after the next start:
    each loop's work is safe to repeat."""

    _loop: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._loop is not None and not self._loop.done()

    async def start(self) -> None:
        if not self.running:
            self._loop = asyncio.get_running_loop().create_task(self._run())

    async def aclose(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop

    @abstractmethod
    async def _run(self) -> None:
        """The loop itself; it runs until cancelled."""
