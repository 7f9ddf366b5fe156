"""ResetStore: wipe orders and credits for testing; never against production."""

from __future__ import annotations

import structlog

from application.errors import ResetRefused
from application.ports import Store

log = structlog.get_logger(__name__)


class ResetStore:
    """`environment` is the payment gateway's: PRODUCTION moves real money."""

    def __init__(self, store: Store, environment: str) -> None:
        self._store = store
        self._environment = environment

    async def execute(self) -> None:
        if self._environment.upper() == "PRODUCTION":
            raise ResetRefused("the store cannot be reset against the production gateway")
        await self._store.reset()
        log.warning("store reset", store=self._store.description)
