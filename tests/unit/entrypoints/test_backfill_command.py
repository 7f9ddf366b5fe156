"""`checkout backfill-references` walks STORE_URL's history once, prints what it asked and
filled, and exits 1 when a check failed."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.store.json_journal import JsonJournalStore
from application.use_cases.backfill_references import BackfillRun
from entrypoints import cli
from entrypoints.container import build_container, start, start_for_command, stop
from integration.store.builders import paid_order

from ..domain.factories import T0
from .offline import offline_settings


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "configure_logging", lambda *args: None)
    monkeypatch.setenv("PAYMENT_GATEWAY", "fake")
    monkeypatch.delenv("AUTH_MODE", raising=False)


def test_a_run_prints_a_line_a_kind_and_the_failures() -> None:
    run = BackfillRun(T0, T0 + timedelta(seconds=2.25), 12, 11, 3, 3, 1)
    assert cli.format_backfill(run).splitlines() == [
        "payments: asked 12, now referenced 11",
        "refunds:  asked 3, now referenced 3",
        "failed 1 in 2.25s",
    ]


def test_a_store_with_nothing_to_fill_asks_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORE_URL", "memory://")
    cli.main(["backfill-references"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "payments: asked 0, now referenced 0",
        "refunds:  asked 0, now referenced 0",
    ]
    assert re.fullmatch(r"failed 0 in \d+\.\d\ds", lines[2])


async def _seed(path: Path) -> None:
    store = JsonJournalStore(str(path))
    await store.open()
    old = paid_order("ORDER_OLD")
    old.attempts[:] = [replace(a, bank_reference="") for a in old.attempts]
    async with store.unit_of_work() as uow:
        await uow.orders.add(old)
        await uow.orders.add(paid_order("ORDER_NEW"))
        await uow.commit()
    await store.close()


def test_a_check_the_gateway_cannot_answer_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "shop.json"
    asyncio.run(_seed(path))
    monkeypatch.setenv("STORE_URL", f"json://{path}")

    with pytest.raises(SystemExit) as stopped:
        cli.main(["backfill-references", "--limit", "5"])

    assert stopped.value.code == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "payments: asked 1, now referenced 0", "the simulator never saw it"
    assert lines[2].startswith("failed 1 in ")


def test_a_limit_below_one_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["backfill-references", "--limit", "0"])
    assert stopped.value.code == 2
    assert "--limit must be at least 1" in capsys.readouterr().err


async def test_the_command_starts_the_store_gateway_and_bus_but_never_leads() -> None:
    settings = offline_settings()
    command = build_container(settings)
    await start_for_command(command)
    try:
        assert not command.leader().leading
        assert not command.watcher_lifecycle.initialized
        assert command.events_lifecycle.initialized, "the servers hear of its changes"
        run = await command.backfill_references().execute()
        assert (run.payments_asked, run.refunds_asked, run.failed) == (0, 0, 0)
    finally:
        await stop(command)

    server = build_container(settings)
    await start(server)
    try:
        assert server.leader().leading, "a server alone on its store leads at once"
    finally:
        await stop(server)
