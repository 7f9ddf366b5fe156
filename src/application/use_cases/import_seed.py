"""ImportSeedCredits: a shop that ran the checkout seed switches with its history.

The seed's `credits.json` is read into records of ours (`application.seed_credits`) and
written with insert-or-ignore by key (order id, customer id, the grant's order id), so
importing the same file again adds nothing, an import cut short can be run again, and a
store the service already uses keeps what it holds (a customer's newer profile, say).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from application.seed_credits import SeedIssue, read_seed_credits
from application.store_transfer import RecordKind, StoreImport, StoreRecord

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class SeedImport:
    """What an import did: per kind, records written and records the store already held;
    the seed records skipped (with why) and those imported with a note."""

    inserted: dict[RecordKind, int]
    already_present: dict[RecordKind, int]
    skipped: tuple[SeedIssue, ...]
    notes: tuple[SeedIssue, ...]
    seed_total_credits: int | None
    grants_mapped: int


class ImportSeedCredits:
    def __init__(self, target: StoreImport, *, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._target = target
        self._batch_size = batch_size

    async def execute(self, raw: bytes) -> SeedImport:
        """Raises SeedUnreadable (nothing written) when `raw` is not the seed's file."""
        records = read_seed_credits(raw)
        inserted = dict.fromkeys((RecordKind.CUSTOMERS, RecordKind.ORDERS, RecordKind.GRANTS), 0)
        present = dict(inserted)
        kinds: list[tuple[RecordKind, Sequence[StoreRecord]]] = [
            (RecordKind.CUSTOMERS, records.customers),
            (RecordKind.ORDERS, records.orders),
            (RecordKind.GRANTS, records.grants),
        ]
        for kind, items in kinds:
            for start in range(0, len(items), self._batch_size):
                batch = items[start : start + self._batch_size]
                written = await self._target.write(kind, batch, merge=True)
                inserted[kind] += written
                present[kind] += len(batch) - written
        return SeedImport(
            inserted,
            present,
            tuple(records.skipped),
            tuple(records.notes),
            records.total_credits,
            len(records.grants),
        )
