"""The event bus over Redis pub/sub (`EVENTS_URL=redis://...`): for shops whose store is
MariaDB, SQLite or a JSON journal and that run more than one process.

Each process keeps one Redis client of its own (named `checkout-events-<origin>` in
`CLIENT LIST`): a subscribed connection for the channel, and one for publishing, a
pipeline per batch. redis-py's own silent reconnection is turned off, so a lost
connection reaches the bus, which wakes every stream and reconnects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import redis.asyncio as redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from adapters.events.broker import BrokerEventBus, OnMessage

CONNECT_TIMEOUT_SECONDS = 5.0
SEND_TIMEOUT_SECONDS = 5.0
# An idle subscription pings this often; no answer by the next ping means it is gone.
HEARTBEAT_SECONDS = 5.0


class RedisLink:
    """A Redis client subscribed to `channel`; see `BrokerLink`."""

    def __init__(
        self, client: redis.Redis, pubsub: PubSub, channel: str, on_message: OnMessage
    ) -> None:
        self._client = client
        self._pubsub = pubsub
        self._channel = channel
        self._on_message = on_message

    @classmethod
    async def open(cls, url: str, channel: str, name: str, on_message: OnMessage) -> RedisLink:
        client = redis.Redis.from_url(
            url,
            client_name=name,
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=SEND_TIMEOUT_SECONDS,
        )
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(channel)
        except BaseException:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()
            raise
        return cls(client, pubsub, channel, on_message)

    async def send(self, payloads: Sequence[str]) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for payload in payloads:
                pipe.publish(self._channel, payload)
            await pipe.execute()

    async def listen(self) -> None:
        awaiting_pong = False
        while True:
            message = await self._pubsub.get_message(timeout=HEARTBEAT_SECONDS)
            if message is None:
                if awaiting_pong:
                    raise ConnectionError("Redis did not answer the event bus's ping")
                await self._pubsub.ping()
                awaiting_pong = True
                continue
            awaiting_pong = False
            if message["type"] == "message":
                self._on_message(message["data"])

    async def aclose(self) -> None:
        try:
            await asyncio.wait_for(
                self._pubsub.aclose(),  # type: ignore[no-untyped-call]
                CONNECT_TIMEOUT_SECONDS,
            )
        finally:
            await self._client.aclose()


def redis_event_bus(url: str, channel: str) -> BrokerEventBus:
    """The bus on the Redis server EVENTS_URL names."""

    async def open_link(name: str, on_message: OnMessage) -> RedisLink:
        return await RedisLink.open(url, channel, name, on_message)

    return BrokerEventBus(f"redis channel {channel}", open_link)
