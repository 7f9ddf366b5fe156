"""Checkpoints beside the SQLite writer: they copy the WAL, and one that fails is logged,
never raised, and followed by the next."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from structlog.testing import capture_logs

from adapters.store.sql.wal_checkpoints import WalCheckpoints


def write_in_wal(path: Path, rows: int) -> sqlite3.Connection:
    """A WAL-mode file whose writes are all still in its WAL (no copy on commit), and the
    writer's connection, open (the last connection to close would copy the WAL)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE payments (id INTEGER PRIMARY KEY)")
    for number in range(rows):
        connection.execute("INSERT INTO payments (id) VALUES (?)", (number,))
    return connection


async def test_every_nth_commit_copies_the_wal_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "checkout.db"
    writer = write_in_wal(path, 20)
    checkpoints = WalCheckpoints(path, every=3)

    checkpoints.committed()
    checkpoints.committed()
    await checkpoints.close()
    assert checkpoints.last is None

    checkpoints.committed()
    await checkpoints.close()
    assert checkpoints.last is not None
    busy, pages, copied = checkpoints.last
    assert busy == 0 and pages >= 20 and copied == pages
    writer.close()


async def test_a_failed_checkpoint_is_logged_and_the_next_one_runs(tmp_path: Path) -> None:
    folder = tmp_path / "not yet made"
    checkpoints = WalCheckpoints(folder / "checkout.db", every=1)

    with capture_logs() as logs:
        checkpoints.committed()
        await checkpoints.close()

    assert [entry["event"] for entry in logs] == ["sqlite_checkpoint_failed"]
    assert "unable to open" in logs[0]["error"]
    assert checkpoints.last is None

    folder.mkdir()
    writer = write_in_wal(folder / "checkout.db", 5)
    checkpoints.committed()
    await checkpoints.close()
    assert checkpoints.last is not None and checkpoints.last[2] > 0
    writer.close()
