"""The simulator's notion of now, so tests can drive expiry and retries on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime."""
        ...


class SystemClock:
    """Wall time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
