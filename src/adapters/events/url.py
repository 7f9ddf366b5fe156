"""The event bus a URL names (settings resolve EVENTS_URL and its default to one).

- `memory://`: in this process only.
- `postgresql://user@host/db` (also `postgres://`, `postgresql+asyncpg://`): LISTEN/NOTIFY.
- `redis://host:6379/0` or `rediss://...`: Redis pub/sub.
"""

from __future__ import annotations

from adapters.events.in_process import InProcessEventBus
from adapters.events.postgres import postgres_event_bus
from adapters.events.redis import redis_event_bus
from application.ports import EventBus


def event_bus_from_url(url: str, channel: str) -> EventBus:
    """ValueError (naming EVENTS_URL, never echoing a password) for anything else."""
    scheme = url.partition("://")[0].lower()
    kind = scheme.split("+", 1)[0]
    if kind == "memory":
        return InProcessEventBus()
    if kind in ("postgresql", "postgres"):
        return postgres_event_bus(url, channel)
    if kind in ("redis", "rediss"):
        return redis_event_bus(url, channel)
    raise ValueError(f"EVENTS_URL scheme {scheme!r} is not supported")
