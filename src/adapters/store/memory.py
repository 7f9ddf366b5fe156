"""The in-memory store: for tests and demos; everything is lost when the process ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from adapters.store.staged import StagedUnitOfWork
from adapters.store.state import Changes, StateReports, StoreState
from adapters.store.state_transfer import StateTransfer


class MemoryUnitOfWork(StagedUnitOfWork):
    """Holds the store's lock from enter to exit, so units of work are serializable."""

    def __init__(self, state: StoreState, lock: asyncio.Lock) -> None:
        super().__init__(state)
        self._lock = lock

    async def _begin(self) -> None:
        await self._lock.acquire()

    async def _end(self) -> None:
        self._lock.release()

    async def _make_durable(self, changes: Changes) -> None:
        return None

    async def _after_commit(self) -> None:
        return None


class SoleInstanceLease:
    """A memory store belongs to one instance, which therefore always leads."""

    async def hold(self, now: datetime, until: datetime) -> bool:
        return True

    async def release(self) -> None:
        return None


class MemoryStore:
    description = "memory"
    kind = "memory"

    def __init__(self) -> None:
        self._state = StoreState()
        self._lock = asyncio.Lock()

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self._state, self._lock)

    def reports(self) -> StateReports:
        return StateReports(self._committed)

    def transfer(self) -> StateTransfer:
        return StateTransfer(self._committed, self.unit_of_work)

    def leader_lease(self, name: str, holder: str) -> SoleInstanceLease:
        return SoleInstanceLease()

    async def open(self) -> None:
        return None

    async def reset(self) -> None:
        async with self._lock:
            self._state.clear()

    async def close(self) -> None:
        return None

    @asynccontextmanager
    async def _committed(self) -> AsyncIterator[StoreState]:
        async with self._lock:
            yield self._state
