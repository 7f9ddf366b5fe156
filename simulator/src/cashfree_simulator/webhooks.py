"""Webhook delivery as Cashfree does it: signed, at least once, retried, logged.

Each event is serialized once; every delivery of it (retries, duplicates, replays) sends
those same bytes, signed afresh over `x-webhook-timestamp` (milliseconds) + body with the
client secret. `x-idempotency-key` is stable per event. The first delivery is awaited by
the caller; retries after a non-2xx answer or a connection error run in background tasks
on `retry_delays` divided by `time_scale`.

Modes (`set_mode`): "deliver" (default); "drop" (events vanish, nothing is logged);
"duplicate" (each event delivered twice); "reorder" (each event is held back until the
next one has been delivered, so pairs arrive swapped; `flush` releases a held event);
"delay" (the first delivery happens `delay_seconds` later, in the background).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from cashfree_simulator import wire
from cashfree_simulator.clock import Clock

WEBHOOK_VERSION = "2023-08-01"
DEFAULT_RETRY_DELAYS = (120.0, 600.0, 1800.0)
MODES = ("deliver", "drop", "duplicate", "reorder", "delay")


@dataclass(frozen=True)
class WebhookEvent:
    """One event, serialized once, to be delivered to one URL."""

    url: str
    type: str
    body: bytes
    idempotency_key: str


class WebhookDispatcher:
    """Builds, signs, sends and logs Cashfree webhooks.

    Without a `client` it opens its own and closes it in `aclose`; a lent client is left
    to its owner.
    """

    def __init__(
        self,
        secret: str,
        client: httpx.AsyncClient | None,
        clock: Clock,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        time_scale: float = 1.0,
        timeout_seconds: float = 10.0,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._secret = secret
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout_seconds)
        self._clock = clock
        self._retry_delays = tuple(retry_delays)
        self._time_scale = time_scale
        self._timeout = timeout_seconds
        self._log: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._mode = "deliver"
        self._delay_seconds = 0.0
        self._held: WebhookEvent | None = None

    @property
    def mode(self) -> str:
        return self._mode

    def deliveries(self) -> list[dict[str, Any]]:
        """The delivery log, oldest first: url, headers, exact body text, status, attempt."""
        return [{**entry, "headers": dict(entry["headers"])} for entry in self._log]

    def event(self, url: str, event_type: str, data: dict[str, Any]) -> WebhookEvent:
        """The Cashfree envelope around `data`, serialized once."""
        envelope = {
            "data": data,
            "event_time": wire.format_time(self._clock.now()),
            "type": event_type,
        }
        key = secrets.token_hex(16)
        return WebhookEvent(url, event_type, wire.dumps(envelope), key)

    async def dispatch(self, event: WebhookEvent) -> None:
        """Deliver according to the current mode; the first delivery is awaited."""
        if self._mode == "drop":
            return
        if self._mode == "delay":
            self._spawn(self._delayed(event, self._delay_seconds))
            return
        if self._mode == "reorder":
            held, self._held = self._held, None
            if held is None:
                self._held = event
                return
            await self._deliver(event, 1)
            await self._deliver(held, 1)
            return
        await self._deliver(event, 1)
        if self._mode == "duplicate":
            await self._deliver(event, 1)

    async def set_mode(self, mode: str, delay_seconds: float = 0.0) -> None:
        """Switch mode; an event held back by "reorder" is delivered now."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if delay_seconds < 0:
            raise ValueError("delay_seconds must not be negative")
        self._mode = mode
        self._delay_seconds = delay_seconds
        await self.flush()

    async def flush(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            await self._deliver(held, 1)

    async def replay(self, index: int, fresh_signature: bool = True) -> dict[str, Any]:
        """Send logged delivery `index` again: same body, re-signed unless told otherwise."""
        if not 0 <= index < len(self._log):
            raise IndexError(f"no webhook delivery {index}")
        entry = self._log[index]
        headers = dict(entry["headers"])
        body = entry["body"].encode()
        if fresh_signature:
            headers.update(self._signed(body))
        return await self._send(entry["url"], headers, body, int(entry["attempt"]))

    async def reset(self) -> None:
        """Forget the log and pending retries; back to "deliver"."""
        await self._cancel_tasks()
        self._log.clear()
        self._held = None
        self._mode = "deliver"
        self._delay_seconds = 0.0

    async def aclose(self) -> None:
        await self._cancel_tasks()
        if self._owns_client:
            await self._client.aclose()

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _delayed(self, event: WebhookEvent, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._deliver(event, 1)

    async def _deliver(self, event: WebhookEvent, attempt: int) -> None:
        headers = {
            "content-type": "application/json",
            **self._signed(event.body),
            "x-webhook-version": WEBHOOK_VERSION,
            "x-webhook-attempt": str(attempt),
            "x-idempotency-key": event.idempotency_key,
        }
        entry = await self._send(event.url, headers, event.body, attempt)
        status = entry["status"]
        if (status is None or not 200 <= status < 300) and attempt <= len(self._retry_delays):
            self._spawn(self._retry(event, attempt + 1))

    async def _retry(self, event: WebhookEvent, attempt: int) -> None:
        await asyncio.sleep(self._retry_delays[attempt - 2] / self._time_scale)
        await self._deliver(event, attempt)

    def _signed(self, body: bytes) -> dict[str, str]:
        timestamp = str(int(self._clock.now().timestamp() * 1000))
        return {
            "x-webhook-signature": wire.sign(self._secret, timestamp, body),
            "x-webhook-timestamp": timestamp,
        }

    async def _send(
        self, url: str, headers: dict[str, str], body: bytes, attempt: int
    ) -> dict[str, Any]:
        status: int | None
        try:
            response = await self._client.post(
                url, content=body, headers=headers, timeout=self._timeout
            )
            status = response.status_code
        except Exception:  # the merchant's failure is logged, never the simulator's
            status = None
        entry: dict[str, Any] = {
            "url": url,
            "headers": headers,
            "body": body.decode(),
            "status": status,
            "attempt": attempt,
        }
        self._log.append(entry)
        return {**entry, "headers": dict(headers)}
