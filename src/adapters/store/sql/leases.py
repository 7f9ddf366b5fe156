"""The SQL stores' leader leases (the `LeaderLease` port).

- SQLite and MariaDB: one row of `leases` per lease, naming its holder and until when.
  `hold` is, in one unit of work, a conditional UPDATE (the row is ours, or its time has
  passed) and, when that changed nothing, an insert for a lease nobody has taken yet that
  the primary key refuses to all but one: the database applies one instance's statement
  first and the others' then match nothing. The holder renews well before its time runs
  out; a dead holder stops renewing and the row is free once its time has passed.
  MariaDB's instances run on many machines, so there the row's times are the database's
  own (`UTC_TIMESTAMP(6)` plus the lease's length): no instance's clock can free a lease
  early or hold one late. SQLite's instances share one machine and its clock.
- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection of its own,
  kept while the instance campaigns. The server frees the lock the moment that session
  ends, and a killed process's connection ends with it, so the lease needs no expiry;
  `hold` checks the connection is alive each time. TCP keepalives on that connection make
  the server end the session of a holder cut off by the network, no sooner than the
  lease's length after it last heard from it (by then that holder has stopped its tasks).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Insert,
    Integer,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.store.sql.tables import LEASES
from adapters.store.sql.unit_of_work import SqlUnitOfWork

# Seconds between keepalive probes, and probes lost, before the server ends the session
# (and so frees the lock) of a holder it cannot reach; the idle time before the first probe
# follows the lease's length (see `keepalives`).
_PROBE_INTERVAL = 2
_PROBES = 2
_LEAST_IDLE = 5
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_ALIVE = text("SELECT 1")
_MICROSECONDS = bindparam("microseconds", type_=Integer)
_ONE_MICROSECOND = timedelta(microseconds=1)


def _time(name: str) -> BindParameter[datetime]:
    return bindparam(name, type_=LEASES.c.expires_at.type)


def _database_now() -> ColumnElement[datetime]:
    return literal_column("UTC_TIMESTAMP(6)", LEASES.c.expires_at.type)


class RowLease:
    """A lease as a row of `leases`, written through the store's units of work.

    With `database_clock` (MariaDB) the row's times come from the database, and of the
    times `hold` is given only their difference, the lease's length, is used."""

    def __init__(
        self,
        units: Callable[[], SqlUnitOfWork],
        name: str,
        holder: str,
        *,
        database_clock: bool = False,
    ) -> None:
        self._units = units
        self._name = name
        self._holder = holder
        now: ColumnElement[datetime] = _time("now")
        until: ColumnElement[datetime] = _time("until")
        # MariaDB's insert runs in a savepoint (see `SqlSession.insert_once`); SQLite's is
        # an insert-or-ignore of a row with the instance's times.
        self._create: Insert | None = None
        if database_clock:
            now = _database_now()
            until = func.timestampadd(literal_column("MICROSECOND"), _MICROSECONDS, now)
            self._create = insert(LEASES).values(name=name, holder=holder, expires_at=until)
        self._take = (
            update(LEASES)
            .where(
                LEASES.c.name == name,
                or_(LEASES.c.holder == holder, LEASES.c.expires_at <= now),
            )
            .values(holder=holder, expires_at=until)
        )

    async def hold(self, now: datetime, until: datetime) -> bool:
        params: dict[str, object] = {"now": now, "until": until}
        if self._create is not None:
            params = {"microseconds": (until - now) // _ONE_MICROSECOND}
        async with self._units() as uow:
            taken = await uow.session.execute(self._take, params)
            held = bool(taken.rowcount == 1)
            if not held and self._create is not None:
                held = await uow.session.insert_in_savepoint(self._create, params)
            elif not held:
                row = {"name": self._name, "holder": self._holder, "expires_at": until}
                held = await uow.session.insert_once(LEASES, row)
            await uow.commit()
        return held

    async def release(self) -> None:
        """Delete the row if it is still ours: the next instance to ask takes the lease."""
        async with self._units() as uow:
            await uow.session.execute(
                delete(LEASES).where(LEASES.c.name == self._name, LEASES.c.holder == self._holder)
            )
            await uow.commit()


def keepalives(lease: timedelta) -> dict[str, int]:
    """The session's TCP keepalive settings for a lease of this length: the server ends an
    unreachable holder's session no sooner than `lease` after it last heard from it, by
    when that holder, unable to renew, has stopped its tasks (see `application.leader`)."""
    idle = max(_LEAST_IDLE, math.ceil(lease.total_seconds()))
    return {
        "tcp_keepalives_idle": idle,
        "tcp_keepalives_interval": _PROBE_INTERVAL,
        "tcp_keepalives_count": _PROBES,
    }


def advisory_key(name: str, schema: str | None) -> int:
    """The advisory lock's 64-bit key: one per lease and schema (locks are per database)."""
    digest = hashlib.blake2b(f"checkout:lease:{schema or ''}:{name}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


class AdvisoryLockLease:
    """A lease as a PostgreSQL session advisory lock on a connection of its own."""

    def __init__(self, engine: AsyncEngine, key: int) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None
        self._held = False

    async def hold(self, now: datetime, until: datetime) -> bool:
        """True while the lock's session lives. A failed check while holding answers
        False and keeps the connection until `release`: closing it could free the lock
        before the leader has stopped its tasks."""
        if self._connection is None:
            self._connection = await self._connect(until - now)
        connection = self._connection
        try:
            if self._held:
                await connection.execute(_ALIVE)
            else:
                got = await connection.execute(_TRY_LOCK, {"key": self._key})
                self._held = bool(got.scalar_one())
            await connection.commit()
        except Exception:
            if self._held:
                self._held = False
                return False
            await self._drop()
            raise
        return self._held

    async def release(self) -> None:
        """End the session: the server frees the lock with it."""
        self._held = False
        await self._drop()

    async def _connect(self, lease: timedelta) -> AsyncConnection:
        connection = await self._engine.connect()
        try:
            for setting, value in keepalives(lease).items():
                await connection.execute(text(f"SET {setting} = {int(value)}"))
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        return connection

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()
