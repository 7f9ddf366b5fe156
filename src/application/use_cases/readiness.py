"""CheckReadiness: whether this process can take payments now, for a load balancer's probe.

Ready means the store answers a read (one lookup of an order id that cannot exist, the
cost of a status poll) within a bound, and a gateway is configured. A probe that does not
finish in time reports the store unready and is left to end on its own: cancelling a unit
of work half-way would cost more than it saves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from application.ports import Store

log = structlog.get_logger(__name__)

PROBE_ORDER_ID = "readiness-probe"
DEFAULT_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Readiness:
    store: bool
    gateway: bool

    @property
    def ready(self) -> bool:
        return self.store and self.gateway


class CheckReadiness:
    def __init__(
        self,
        store: Store,
        gateway_configured: bool,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._store = store
        self._gateway_configured = gateway_configured
        self._timeout = timeout_seconds

    async def execute(self) -> Readiness:
        return Readiness(store=await self._store_answers(), gateway=self._gateway_configured)

    async def _store_answers(self) -> bool:
        probe = asyncio.get_running_loop().create_task(self._probe())
        done, _ = await asyncio.wait({probe}, timeout=self._timeout)
        if not done:
            probe.add_done_callback(_retrieve)
            log.warning("readiness: the store did not answer in time", seconds=self._timeout)
            return False
        error = probe.exception()
        if error is not None:
            log.warning("readiness: the store is unreachable", error=type(error).__name__)
            return False
        return True

    async def _probe(self) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.orders.get(PROBE_ORDER_ID)


def _retrieve(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()
