"""The event bus over PostgreSQL LISTEN/NOTIFY: the default when the store is PostgreSQL,
so a shop on PostgreSQL needs nothing else to run many instances.

Each process keeps one dedicated asyncpg connection (named `checkout-events-<origin>`
in `pg_stat_activity`): it LISTENs on the channel and sends this process's messages with
`pg_notify`, a batch per round trip. NOTIFY reaches every session listening on the
channel in the same database, whatever schema the store uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg

from adapters.events.broker import BrokerEventBus, OnMessage

CONNECT_TIMEOUT_SECONDS = 5.0
SEND_TIMEOUT_SECONDS = 5.0
# An idle connection is checked this often, so a silently dead one is found.
HEARTBEAT_SECONDS = 5.0
_NOTIFY = "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload"


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy-style PostgreSQL URL (`postgresql+asyncpg://`, `postgres://`) as asyncpg
    takes it."""
    _, _, rest = url.partition("://")
    return f"postgresql://{rest}"


class PostgresLink:
    """One asyncpg connection listening on `channel`; see `BrokerLink`."""

    def __init__(self, connection: asyncpg.Connection, channel: str) -> None:
        self._connection = connection
        self._channel = channel
        self._lock = asyncio.Lock()
        self._gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        connection.add_termination_listener(self._terminated)

    @classmethod
    async def open(cls, dsn: str, channel: str, name: str, on_message: OnMessage) -> PostgresLink:
        connection = await asyncpg.connect(
            dsn, timeout=CONNECT_TIMEOUT_SECONDS, server_settings={"application_name": name}
        )
        try:
            link = cls(connection, channel)

            def notified(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
                on_message(payload)

            await connection.add_listener(channel, notified)
        except BaseException:
            connection.terminate()
            raise
        return link

    async def send(self, payloads: Sequence[str]) -> None:
        async with self._lock:
            await self._connection.execute(
                _NOTIFY, self._channel, list(payloads), timeout=SEND_TIMEOUT_SECONDS
            )

    async def listen(self) -> None:
        """Notifications arrive through the listener callback; this waits for the
        connection to end, checking an idle one every HEARTBEAT_SECONDS."""
        while True:
            try:
                await asyncio.wait_for(asyncio.shield(self._gone), HEARTBEAT_SECONDS)
            except TimeoutError:
                async with self._lock:
                    await self._connection.execute("SELECT 1", timeout=HEARTBEAT_SECONDS)
            else:
                raise ConnectionError("PostgreSQL closed the event bus connection")

    async def aclose(self) -> None:
        if self._connection.is_closed():
            return
        try:
            await asyncio.wait_for(self._connection.close(), CONNECT_TIMEOUT_SECONDS)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            self._connection.terminate()

    def _terminated(self, _connection: Any) -> None:
        if not self._gone.done():
            self._gone.set_result(None)


def postgres_event_bus(url: str, channel: str) -> BrokerEventBus:
    """The bus on the PostgreSQL database `url` names (EVENTS_URL, or STORE_URL)."""
    dsn = asyncpg_dsn(url)

    async def open_link(name: str, on_message: OnMessage) -> PostgresLink:
        return await PostgresLink.open(dsn, channel, name, on_message)

    return BrokerEventBus(f"postgresql channel {channel}", open_link)
