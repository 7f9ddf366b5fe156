"""The reconciler: runs `Reconcile` in the background every interval.

Webhooks can be lost (the gateway gives up, the service was down); this loop is what still
brings every order to the gateway's state. It waits one interval before its first run, so
start-up (and every test that starts the app) does not race a run, and it keeps the last
run for the operator's view.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from application.background_loop import BackgroundLoop
from application.use_cases.reconcile import Reconcile, ReconcileRun

log = structlog.get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class Reconciler(BackgroundLoop):
    """`run_once` runs now; `start`/`aclose` run it every `interval_seconds`."""

    def __init__(
        self,
        reconcile: Reconcile,
        interval_seconds: float,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        self._reconcile = reconcile
        self._interval = interval_seconds
        self._sleep = sleep
        self.last_run: ReconcileRun | None = None

    async def run_once(self) -> ReconcileRun:
        """One run now (the loop's, or an operator's on demand); kept as `last_run`."""
        run = await self._reconcile.run()
        self.last_run = run
        return run

    async def _run(self) -> None:
        while True:
            await self._sleep(self._interval)
            try:
                await self.run_once()
            except Exception:
                log.exception("reconcile run failed; retrying next interval")
