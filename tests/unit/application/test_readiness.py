"""CheckReadiness: a store that hangs or fails is not ready; the gateway must be configured."""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.store.memory import MemoryStore
from application.use_cases.readiness import CheckReadiness


class HangingStore(MemoryStore):
    """Units of work that never start until released (a database that does not answer)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    def unit_of_work(self) -> Any:
        inner = super().unit_of_work()
        release = self.release

        class Hanging:
            async def __aenter__(self) -> Any:
                await release.wait()
                return await inner.__aenter__()

            async def __aexit__(self, *exc: Any) -> None:
                await inner.__aexit__(*exc)

        return Hanging()


async def test_ready_when_the_store_answers_and_the_gateway_is_configured() -> None:
    readiness = await CheckReadiness(MemoryStore(), gateway_configured=True).execute()
    assert (readiness.store, readiness.gateway, readiness.ready) == (True, True, True)


async def test_not_ready_without_a_gateway() -> None:
    readiness = await CheckReadiness(MemoryStore(), gateway_configured=False).execute()
    assert (readiness.store, readiness.ready) == (True, False)


async def test_a_store_that_does_not_answer_in_time_is_not_ready() -> None:
    store = HangingStore()
    check = CheckReadiness(store, gateway_configured=True, timeout_seconds=0.05)
    readiness = await asyncio.wait_for(check.execute(), 5)
    assert not readiness.store and not readiness.ready
    store.release.set()
    assert (await check.execute()).ready
