"""`checkout store copy` and `checkout store import-seed`: moving data between stores.

Stores are reached through the container (`store_at`), opened under the DB_AUTO_MIGRATE
rules start-up follows, so a SQL target that is not at head is migrated or refused with
one line. Progress goes to stderr (a tqdm bar on a terminal, plain lines otherwise), the
report to stdout. Exit status: 0 done and verified, 1 refused, failed or not verified,
2 a usage error.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, NoReturn, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from application.errors import ApplicationError
from application.ports import Store
from application.store_transfer import RecordKind
from application.use_cases.copy_store import CopyReport, CopyStore
from application.use_cases.import_seed import ImportSeedCredits, SeedImport
from entrypoints.settings import Settings

T = TypeVar("T")
_CHECKSUM_SHOWN = 16


class BarProgress:
    """A tqdm bar per kind and phase, for a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._bar: Any = None

    def begin(self, phase: str, kind: RecordKind, total: int) -> None:
        self._bar = tqdm(
            total=total, desc=f"{phase} {kind.value}", unit=" records", file=self._stream
        )

    def advance(self, phase: str, kind: RecordKind, done: int) -> None:
        self._bar.update(done)

    def end(self, phase: str, kind: RecordKind) -> None:
        self._bar.close()


class LineProgress:
    """Plain lines for logs and pipes: each tenth of a kind, and its end."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._total = self._done = self._shown = 0

    def begin(self, phase: str, kind: RecordKind, total: int) -> None:
        self._total, self._done, self._shown = total, 0, 0

    def advance(self, phase: str, kind: RecordKind, done: int) -> None:
        self._done += done
        tenth = self._done * 10 // self._total if self._total else 10
        if tenth > self._shown and self._done < self._total:
            self._shown = tenth
            print(f"{phase} {kind.value}: {self._done}/{self._total}", file=self._stream)

    def end(self, phase: str, kind: RecordKind) -> None:
        print(f"{phase} {kind.value}: {self._done} done", file=self._stream, flush=True)


def format_copy(report: CopyReport) -> str:
    """The verification as a table, a line of what was copied and the verdict."""
    header = ["TABLE", "SOURCE", "TARGET", "SOURCE CHECKSUM", "TARGET CHECKSUM", ""]
    if report.merge:
        header.insert(3, "TARGET ONLY")
    rows = [header]
    for check in report.checks:
        row = [
            check.table,
            str(check.source_count),
            str(check.target_count),
            check.source_checksum[:_CHECKSUM_SHOWN],
            check.target_checksum[:_CHECKSUM_SHOWN],
            "ok" if check.matches else "MISMATCH",
        ]
        if report.merge:
            row.insert(3, str(check.target_extra))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    copied = sum(report.inserted.values())
    present = sum(report.already_present.values())
    lines.append(f"copied {copied} records ({present} already in the target)")
    if report.verified:
        lines.append("verified: every table matches")
    else:
        differ = ", ".join(c.table for c in report.checks if not c.matches)
        lines.append(f"NOT verified: {differ} differ")
    return "\n".join(lines)


def format_seed_import(result: SeedImport, source: str) -> str:
    lines = [f"imported {source}:", "KIND       IMPORTED  ALREADY THERE"]
    for kind, count in result.inserted.items():
        lines.append(f"{kind.value:<10} {count:>8}  {result.already_present[kind]:>13}")
    if result.notes:
        lines.append(f"notes ({len(result.notes)}):")
        lines += [f"  {note}" for note in result.notes]
    if result.skipped:
        lines.append(f"skipped, not imported ({len(result.skipped)}):")
        lines += [f"  {issue}" for issue in result.skipped]
    if result.seed_total_credits is not None:
        lines.append(
            f"the seed counted {result.seed_total_credits} credits; "
            f"{result.grants_mapped} paid orders map to a grant"
        )
    return "\n".join(lines)


def _fail(message: str, status: int = 1) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(status)


def _open_store(settings: Settings, option: str, url: str, *, must_exist: bool) -> Store:
    from entrypoints.container import store_at

    try:
        return store_at(settings, url, must_exist=must_exist)
    except ValueError as exc:
        _fail(f"{option}: {str(exc).replace('STORE_URL ', '', 1)}", 2)


async def _with_stores(stores: list[Store], work: Callable[[], Awaitable[T]]) -> T:
    """Open the stores, run `work`, close whatever was opened."""
    opened: list[Store] = []
    try:
        for store in stores:
            await store.open()
            opened.append(store)
        return await work()
    finally:
        for store in reversed(opened):
            await store.close()


def _run(stores: list[Store], work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` with the stores open; their and the use case's refusals as one line."""
    try:
        return asyncio.run(_with_stores(stores, work))
    except (ApplicationError, ValueError) as exc:  # refusals, SchemaError, SeedUnreadable
        _fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _fail(f"{type(exc).__name__}: {reason}")


def _progress() -> BarProgress | LineProgress:
    return BarProgress(sys.stderr) if sys.stderr.isatty() else LineProgress(sys.stderr)


def copy(
    settings: Settings, source_url: str, target_url: str, *, merge: bool, batch_size: int
) -> None:
    """Copy every record from `source_url` to `target_url`, then verify (see CopyStore)."""
    if source_url.lower().startswith("memory:"):
        _fail(
            "--from memory:// holds nothing outside this process: copy from a json://, "
            "sqlite://, postgresql:// or mysql:// store",
            2,
        )
    if target_url.lower().startswith("memory:"):
        _fail(
            "--to memory:// would be lost when this command ends: copy to a json://, "
            "sqlite://, postgresql:// or mysql:// store",
            2,
        )
    if source_url == target_url:
        _fail("--from and --to name the same store", 2)
    source = _open_store(settings, "--from", source_url, must_exist=True)
    target = _open_store(settings, "--to", target_url, must_exist=False)
    use_case = CopyStore(source.transfer(), target.transfer(), batch_size=batch_size)
    print(f"copying {source.description} -> {target.description}", file=sys.stderr)
    report = _run([source, target], lambda: use_case.execute(merge=merge, progress=_progress()))
    print(format_copy(report))
    if not report.verified:
        raise SystemExit(1)


def import_seed(settings: Settings, path: Path, target_url: str | None) -> None:
    """Import the checkout seed's credits.json into `target_url` (default STORE_URL)."""
    if target_url is None:
        target_url = settings.store_url
    if target_url.lower().startswith("memory:"):
        _fail(
            "the target is memory://: what is imported would be lost when this command "
            "ends (set STORE_URL or --to)",
            2,
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        _fail(f"{path}: {exc.strerror or exc}", 2)
    target = _open_store(settings, "--to", target_url, must_exist=False)
    use_case = ImportSeedCredits(target.transfer())
    result = _run([target], lambda: use_case.execute(raw))
    print(format_seed_import(result, f"{path} into {target.description}"))
    if result.skipped:
        raise SystemExit(1)
