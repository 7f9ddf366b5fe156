"""The leader lease of every durable store: one holder at a time among instances sharing
the storage (each instance here is a store object of its own, as in another process),
handed on by release, by expiry (lease rows) or by the holder's session ending
(PostgreSQL's advisory lock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from adapters.store.json_journal import JsonJournalStore
from adapters.store.memory import MemoryStore
from adapters.store.sql.leases import advisory_key, keepalives
from adapters.store.sql.store import SqlStore
from application.ports import LeaderLease, Store

from ..stores import POSTGRES_URL, sql_database

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LENGTH = timedelta(seconds=3)
RACERS = 5
ROUNDS = 3
NAME = "leader"
DURABLE_KINDS = [
    "json",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.services),
    pytest.param("mariadb", marks=pytest.mark.services),
]
MARIADB = [pytest.param("mariadb", marks=pytest.mark.services)]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class Shared:
    """Storage of one kind and how to open another instance's store on it."""

    kind: str
    open_store: Callable[[], Awaitable[Store]]
    schema: str | None
    stores: list[Store]

    async def instance(self, holder: str) -> LeaderLease:
        store = await self.open_store()
        self.stores.append(store)
        return store.leader_lease(NAME, holder)


@pytest.fixture
async def shared(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Shared]:
    kind: str = request.param
    schema: str | None = None
    drop: Callable[[], Awaitable[None]] | None = None
    if kind == "json":
        path = tmp_path / "data" / "credits.json"

        async def open_store() -> Store:
            store = JsonJournalStore(path)
            await store.open()
            return store

    else:
        url, schema, drop = await sql_database(kind, tmp_path)

        async def open_store() -> Store:
            store = SqlStore(url, schema=schema, pool_size=2)
            await store.open()
            return store

    stores: list[Store] = []
    try:
        yield Shared(kind, open_store, schema, stores)
    finally:
        for store in stores:
            await store.close()
        if drop is not None:
            await drop()


@pytest.mark.parametrize("shared", DURABLE_KINDS, indirect=True)
async def test_one_instance_holds_the_lease_at_a_time(shared: Shared) -> None:
    first, second = await shared.instance("inst_a"), await shared.instance("inst_b")

    assert await first.hold(at(0), at(0) + LENGTH)
    assert not await second.hold(at(1), at(1) + LENGTH)
    assert await first.hold(at(1), at(1) + LENGTH), "the holder renews"
    assert not await second.hold(at(2), at(2) + LENGTH)
    await first.release()
    await second.release()


@pytest.mark.parametrize("shared", DURABLE_KINDS, indirect=True)
async def test_a_released_lease_goes_to_the_next_instance_that_asks(shared: Shared) -> None:
    first, second = await shared.instance("inst_a"), await shared.instance("inst_b")
    assert await first.hold(at(0), at(0) + LENGTH)

    await first.release()

    assert await second.hold(at(1), at(1) + LENGTH)
    assert not await first.hold(at(1), at(1) + LENGTH)
    await first.release()
    await second.release()


@pytest.mark.parametrize("shared", DURABLE_KINDS, indirect=True)
async def test_instances_racing_for_a_free_lease_elect_one(shared: Shared) -> None:
    leases = [await shared.instance(f"inst_{i}") for i in range(RACERS)]

    for round_ in range(ROUNDS):
        now = at(round_ * 10)
        answers = await asyncio.gather(*(lease.hold(now, now + LENGTH) for lease in leases))
        assert sum(answers) == 1, answers
        winner = leases[answers.index(True)]
        await winner.release()
    for lease in leases:
        await lease.release()


@pytest.mark.parametrize("shared", ["sqlite"], indirect=True)
async def test_an_expired_row_goes_to_another_instance_and_its_holder_has_lost_it(
    shared: Shared,
) -> None:
    first, second = await shared.instance("inst_a"), await shared.instance("inst_b")
    assert await first.hold(at(0), at(3))

    assert not await second.hold(at(2.999), at(5.999)), "not before its time has passed"
    assert await second.hold(at(3), at(6))
    assert not await first.hold(at(3.5), at(6.5)), "the old holder finds it lost"

    await first.release()
    assert not await first.hold(at(4), at(7)), "releasing a lost lease frees nothing"
    await second.release()


@pytest.mark.parametrize("shared", MARIADB, indirect=True)
async def test_a_mariadb_row_keeps_the_databases_time_not_the_instances(shared: Shared) -> None:
    """Instances on many machines: a clock an hour ahead does not free a held lease, and
    one an hour behind does not keep a lease its length has run out on."""
    first, second = await shared.instance("inst_a"), await shared.instance("inst_b")
    length = timedelta(seconds=0.5)
    now = datetime.now(UTC)
    assert await first.hold(now, now + length)

    ahead = now + timedelta(hours=1)
    assert not await second.hold(ahead, ahead + LENGTH), "an hour ahead, still held"

    await asyncio.sleep(0.6)
    behind = datetime.now(UTC) - timedelta(hours=1)
    assert await second.hold(behind, behind + LENGTH), "the length has run out on the database"
    assert not await first.hold(ahead, ahead + LENGTH), "the old holder finds it lost"
    await first.release()
    await second.release()


@pytest.mark.parametrize(
    "shared", [pytest.param("postgresql", marks=pytest.mark.services)], indirect=True
)
async def test_the_advisory_lock_goes_with_its_holders_session(shared: Shared) -> None:
    first, second = await shared.instance("inst_a"), await shared.instance("inst_b")
    assert await first.hold(at(0), at(0) + LENGTH)
    assert not await second.hold(at(1), at(1) + LENGTH)

    await _terminate_holder(advisory_key(NAME, shared.schema))

    assert await second.hold(at(2), at(2) + LENGTH), "the server freed the lock with the session"
    assert not await first.hold(at(2), at(2) + LENGTH), "the holder finds its session gone"
    await first.release()
    await second.release()


@pytest.mark.parametrize("seconds", [0.5, 3, 12, 30, 300])
def test_the_server_frees_an_unreachable_holders_lock_no_sooner_than_its_lease(
    seconds: float,
) -> None:
    """A holder cut off stops its tasks within the lease's length of its last renewal; its
    session must outlive that, whatever length the shop sets."""
    settings = keepalives(timedelta(seconds=seconds))

    idle = settings["tcp_keepalives_idle"]
    assert idle >= seconds
    assert idle >= 5, "short leases keep the least idle time"
    assert settings["tcp_keepalives_interval"] * settings["tcp_keepalives_count"] > 0


async def _terminate_holder(key: int) -> None:
    """End the session holding the advisory lock `key`, as the server does when the
    holder's process dies."""
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
        pids = await connection.fetch(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = $1 AND objid = $2 AND objsubid = 1",
            unsigned >> 32,
            unsigned & 0xFFFF_FFFF,
        )
        assert len(pids) == 1, pids
        assert await connection.fetchval("SELECT pg_terminate_backend($1)", pids[0]["pid"])
    finally:
        await connection.close()


@pytest.mark.parametrize("shared", ["json"], indirect=True)
async def test_a_replaced_lock_file_is_a_lost_lease(shared: Shared, tmp_path: Path) -> None:
    first, second = await shared.instance("inst_a"), await shared.instance("inst_b")
    assert await first.hold(at(0), at(0) + LENGTH)

    (tmp_path / "data" / f"credits.json.{NAME}.lock").unlink()

    assert await second.hold(at(1), at(1) + LENGTH), "a new file, a new lock"
    assert not await first.hold(at(1), at(1) + LENGTH)
    await first.release()
    await second.release()


async def test_a_memory_store_always_leads() -> None:
    """memory:// is one process's own store: its instance is the only one."""
    lease = MemoryStore().leader_lease(NAME, "inst_a")

    assert await lease.hold(at(0), at(0) + LENGTH)
    await lease.release()
    assert await lease.hold(at(1), at(1) + LENGTH)
