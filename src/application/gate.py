"""Gateway checks run side by side under a concurrency gate, each failure kept apart."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from application.errors import ApplicationError
from domain.errors import DomainError

T = TypeVar("T")


async def guarded(gate: asyncio.Semaphore, check: Awaitable[T]) -> T | Exception:
    """One check under the gate; what cuts it short is returned, not raised, so one failing
    item never stops the others."""
    async with gate:
        try:
            return await check
        except (ApplicationError, DomainError) as exc:
            return exc
