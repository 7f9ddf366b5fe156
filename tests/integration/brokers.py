"""The brokers event-bus tests use: Redis at 127.0.0.1:6379 and PostgreSQL at
127.0.0.1:5432 (database test), each test on a private channel so that tests running side
by side (and other shops on the same servers) never hear each other. They skip when the
server is unreachable, unless REQUIRE_SERVICES=1 (see `stores.unavailable`)."""

from __future__ import annotations

import secrets

import asyncpg
import redis.asyncio as redis

from .stores import CONNECT_TIMEOUT, POSTGRES_URL, unavailable

REDIS_URL = "redis://127.0.0.1:6379/0"


def private_channel() -> str:
    return f"checkout_test_{secrets.token_hex(6)}"


async def require_redis() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=CONNECT_TIMEOUT)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as exc:
        unavailable(f"Redis unreachable at 127.0.0.1:6379: {type(exc).__name__}")
    finally:
        await client.aclose()
    return REDIS_URL


async def require_postgres() -> str:
    try:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=CONNECT_TIMEOUT)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable(f"PostgreSQL unreachable at 127.0.0.1:5432: {type(exc).__name__}")
    await connection.close()
    return POSTGRES_URL


async def kill_connections(url: str, name: str) -> int:
    """End the broker connections named `name` from the server side, as a failover or
    an operator would; how many were ended."""
    if url.startswith("redis"):
        client = redis.Redis.from_url(url)
        try:
            clients = await client.client_list()
            ids = [c["id"] for c in clients if c.get("name") == name]
            for client_id in ids:
                await client.client_kill_filter(_id=client_id)
        finally:
            await client.aclose()
        return len(ids)
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT)
    try:
        rows = await connection.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            name,
        )
    finally:
        await connection.close()
    return len(rows)
