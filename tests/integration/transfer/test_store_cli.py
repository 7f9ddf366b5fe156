"""`checkout store copy` and `checkout store import-seed` end to end, between SQLite and
JSON files, as an operator runs them (no terminal: plain progress lines)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from adapters.store.json_journal import JsonJournalStore
from adapters.store.sql.store import SqlStore
from application.store_transfer import RecordKind
from entrypoints import cli
from entrypoints.store_commands import BarProgress

from .rich_data import contents, fill

SEED = Path(__file__).with_name("fixtures") / "seed_credits.json"


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "configure_logging", lambda *args: None)
    monkeypatch.delenv("DB_AUTO_MIGRATE", raising=False)
    monkeypatch.setenv("STORE_URL", "memory://")


def sqlite_with_history(path: Path) -> str:
    async def build() -> None:
        store = SqlStore(f"sqlite:///{path}")
        await store.open()
        try:
            await fill(store)
        finally:
            await store.close()

    asyncio.run(build())
    return f"sqlite:///{path}"


def contents_at(url: str) -> dict[RecordKind, list[str]]:
    async def read() -> dict[RecordKind, list[str]]:
        scheme, _, path = url.partition("://")
        store = SqlStore(url) if scheme == "sqlite" else JsonJournalStore(path)
        await store.open()
        try:
            return await contents(store)
        finally:
            await store.close()

    return asyncio.run(read())


def run(*argv: str) -> int:
    try:
        cli.main(list(argv))
    except SystemExit as exit_info:
        return int(exit_info.code or 0)
    return 0


def test_sqlite_to_json_and_back_prints_a_verified_table_and_loses_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = sqlite_with_history(tmp_path / "shop.db")
    middle = f"json://{tmp_path}/copy/credits.json"
    back = f"sqlite:///{tmp_path}/back.db"

    assert run("store", "copy", "--from", source, "--to", middle, "--batch-size", "10") == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == [
        "TABLE",
        "SOURCE",
        "TARGET",
        "SOURCE",
        "CHECKSUM",
        "TARGET",
        "CHECKSUM",
    ]
    orders = next(line.split() for line in lines if line.startswith("orders "))
    assert orders[:3] == ["orders", "45", "45"] and orders[-1] == "ok"
    assert orders[3] == orders[4] and len(orders[3]) == 16
    assert len([line for line in lines if line.endswith(" ok")]) == 10
    assert lines[-2:] == [
        "copied 121 records (0 already in the target)",
        "verified: every table matches",
    ]
    assert "copy orders: 40/45" in err.splitlines()
    assert "verify outbox: 30 done" in err.splitlines()

    assert run("store", "copy", "--from", middle, "--to", back) == 0
    capsys.readouterr()
    assert contents_at(back) == contents_at(source)


def test_a_target_holding_data_is_refused_unless_merging(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = sqlite_with_history(tmp_path / "shop.db")
    target = f"json://{tmp_path}/credits.json"
    assert run("store", "copy", "--from", source, "--to", target) == 0
    capsys.readouterr()

    assert run("store", "copy", "--from", source, "--to", target) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1].startswith("the target store already holds data")

    assert run("store", "copy", "--from", source, "--to", target, "--merge") == 0
    out, _ = capsys.readouterr()
    assert "TARGET ONLY" in out.splitlines()[0]
    assert "copied 0 records (121 already in the target)" in out


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("memory://", "--from memory:// holds nothing outside this process"),
        ("sqlite:///{tmp}/absent.db", "--from: {tmp}/absent.db does not exist"),
        ("json://{tmp}/absent.json", "--from: {tmp}/absent.json does not exist"),
        ("ftp://host/x", "--from: scheme 'ftp' is not supported"),
    ],
)
def test_a_source_that_cannot_be_copied_is_refused_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, message: str
) -> None:
    target = tmp_path / "out.json"
    code = run("store", "copy", "--from", source.format(tmp=tmp_path), "--to", f"json://{target}")
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith(message.format(tmp=tmp_path))
    assert not target.exists()


def test_a_sql_target_behind_head_is_refused_when_it_may_not_be_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = sqlite_with_history(tmp_path / "shop.db")
    monkeypatch.setenv("DB_AUTO_MIGRATE", "0")

    assert run("store", "copy", "--from", source, "--to", f"sqlite:///{tmp_path}/new.db") == 1
    err = capsys.readouterr().err.splitlines()
    assert "checkout db upgrade" in err[-1]


def test_import_seed_into_store_url_then_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORE_URL", f"sqlite:///{tmp_path}/shop.db")

    assert run("store", "import-seed", str(SEED)) == 1  # some seed records were skipped
    out = capsys.readouterr().out.splitlines()
    assert out[1:5] == [
        "KIND       IMPORTED  ALREADY THERE",
        "customers         8              0",
        "orders            9              0",
        "grants            5              0",
    ]
    assert "skipped, not imported (3):" in out
    assert out[-1] == "the seed counted 6 credits; 5 paid orders map to a grant"

    assert run("store", "import-seed", str(SEED)) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[2:5] == [
        "customers         0              8",
        "orders            0              9",
        "grants            0              5",
    ]


def test_import_seed_of_a_clean_file_exits_zero_and_refuses_what_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = tmp_path / "credits.json"
    clean.write_text(
        '{"totalCredits": 0, "payments": [], "failedPayments": [], "orders": [], '
        '"lastUpdated": "2024-12-03T08:00:00.000Z", "version": "1.0"}'
    )
    target = f"json://{tmp_path}/store/credits.json"
    assert run("store", "import-seed", str(clean), "--to", target) == 0
    capsys.readouterr()

    clean.write_text("{}")
    assert run("store", "import-seed", str(clean), "--to", target) == 1
    assert capsys.readouterr().err.startswith("no orders, payments or failedPayments")
    assert run("store", "import-seed", str(tmp_path / "absent.json"), "--to", target) == 2


def test_on_a_terminal_progress_is_a_bar() -> None:
    screen = io.StringIO()
    bar = BarProgress(screen)
    bar.begin("copy", RecordKind.ORDERS, 45)
    bar.advance("copy", RecordKind.ORDERS, 40)
    bar.advance("copy", RecordKind.ORDERS, 5)
    bar.end("copy", RecordKind.ORDERS)
    assert "copy orders: 100%" in screen.getvalue()
    assert "45/45" in screen.getvalue()
