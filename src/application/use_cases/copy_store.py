"""CopyStore: move every record from one store to another, then prove the copy.

Kinds are copied in the order of `RecordKind`, each in batches read from the source and
written to the target in one transaction per batch. Into an empty target only, unless
merging: then what the target already holds under a key is kept as it is (insert or
ignore), so a copy interrupted half-way can simply be run again with merge.

The proof reads the target back and compares it with what was read from the source,
table by table: the count of records and a checksum of their content in a canonical form
(`store_digest`). When merging, the target's records are compared under the source's
keys only; what else the target holds is counted apart and does not fail the check. A
source written to during the copy shows up as a mismatch: copy from a stopped service.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from application.store_digest import TABLES, StoreDigest
from application.store_transfer import (
    RecordKind,
    StoreExport,
    StoreTransfer,
    TargetNotEmpty,
    record_key,
)

DEFAULT_BATCH_SIZE = 500


class CopyProgress(Protocol):
    """Told how the copy goes; `phase` is "copy" or "verify"."""

    def begin(self, phase: str, kind: RecordKind, total: int) -> None: ...

    def advance(self, phase: str, kind: RecordKind, done: int) -> None:
        """`done` more records of `kind` are through."""
        ...

    def end(self, phase: str, kind: RecordKind) -> None: ...


class _Silent:
    def begin(self, phase: str, kind: RecordKind, total: int) -> None:
        return None

    def advance(self, phase: str, kind: RecordKind, done: int) -> None:
        return None

    def end(self, phase: str, kind: RecordKind) -> None:
        return None


@dataclass(frozen=True)
class TableCheck:
    """One table on both sides. `target_count` and `target_checksum` cover the target's
    records under the source's keys; `target_extra` counts its others (merge only)."""

    table: str
    source_count: int
    target_count: int
    source_checksum: str
    target_checksum: str
    target_extra: int = 0

    @property
    def matches(self) -> bool:
        return (
            self.source_count == self.target_count and self.source_checksum == self.target_checksum
        )


@dataclass(frozen=True)
class CopyReport:
    merge: bool
    inserted: dict[RecordKind, int]
    already_present: dict[RecordKind, int]
    checks: tuple[TableCheck, ...]

    @property
    def verified(self) -> bool:
        return all(check.matches for check in self.checks)


class CopyStore:
    def __init__(
        self, source: StoreExport, target: StoreTransfer, *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._source = source
        self._target = target
        self._batch_size = batch_size

    async def execute(
        self, *, merge: bool = False, progress: CopyProgress | None = None
    ) -> CopyReport:
        """Copy, then verify. Raises TargetNotEmpty (nothing written) when the target
        holds data and `merge` is off."""
        shown = progress if progress is not None else _Silent()
        if not merge and not await self._target.is_empty():
            raise TargetNotEmpty(
                "the target store already holds data: copy into an empty store, "
                "or add to it with merge (what it holds under the same keys is kept)"
            )
        source = StoreDigest()
        keys: dict[RecordKind, set[str]] = {kind: set() for kind in RecordKind}
        inserted = dict.fromkeys(RecordKind, 0)
        present = dict.fromkeys(RecordKind, 0)
        for kind in RecordKind:
            shown.begin("copy", kind, await self._source.count(kind))
            async for batch in self._source.batches(kind, self._batch_size):
                written = await self._target.write(kind, batch, merge=merge)
                inserted[kind] += written
                present[kind] += len(batch) - written
                for record in batch:
                    source.add(kind, record)
                    if merge:
                        keys[kind].add(record_key(record))
                shown.advance("copy", kind, len(batch))
            shown.end("copy", kind)
        target, extra = await self._read_back(keys if merge else None, shown)
        checks = tuple(self._checks(source, target, extra))
        return CopyReport(merge, inserted, present, checks)

    async def _read_back(
        self, keys: dict[RecordKind, set[str]] | None, shown: CopyProgress
    ) -> tuple[StoreDigest, dict[str, int]]:
        """The target's digest (under `keys` only, when given) and its other records."""
        digest = StoreDigest()
        extra = dict.fromkeys(TABLES, 0)
        for kind in RecordKind:
            shown.begin("verify", kind, await self._target.count(kind))
            async for batch in self._target.batches(kind, self._batch_size):
                for record in batch:
                    if keys is None or record_key(record) in keys[kind]:
                        digest.add(kind, record)
                    else:
                        extra[kind.value] += 1
                shown.advance("verify", kind, len(batch))
            shown.end("verify", kind)
        return digest, extra

    @staticmethod
    def _checks(
        source: StoreDigest, target: StoreDigest, extra: dict[str, int]
    ) -> Iterable[TableCheck]:
        for table in TABLES:
            mine, theirs = source.tables[table], target.tables[table]
            yield TableCheck(
                table, mine.count, theirs.count, mine.checksum, theirs.checksum, extra[table]
            )
