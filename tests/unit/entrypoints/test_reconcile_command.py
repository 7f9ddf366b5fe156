"""`checkout reconcile` runs once and prints a table; the container runs the reconciler
as a lifecycle like the outbox relay's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from application.use_cases.reconcile import Change, ReconcileRun
from entrypoints import cli
from entrypoints.container import build_container, start, stop
from entrypoints.settings import Settings

from ..domain.factories import T0
from .offline import offline_settings


def test_a_run_prints_as_a_table_with_a_summary() -> None:
    run = ReconcileRun(
        T0,
        T0 + timedelta(seconds=1.5),
        3,
        [
            Change("order", "order_a", "ACTIVE/PENDING", "PAID"),
            Change("order", "order_long_id", "ACTIVE/PENDING", "EXPIRED"),
        ],
        failed=1,
    )
    assert cli.format_run(run).splitlines() == [
        "KIND   ID             BEFORE -> AFTER",
        "order  order_a        ACTIVE/PENDING -> PAID",
        "order  order_long_id  ACTIVE/PENDING -> EXPIRED",
        "checked 3, changed 2, failed 1 in 1.50s",
    ]


def test_the_command_runs_once_against_the_configured_store(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "configure_logging", lambda *args: None)
    monkeypatch.setenv("STORE_URL", "memory://")
    monkeypatch.setenv("PAYMENT_GATEWAY", "fake")
    monkeypatch.delenv("AUTH_MODE", raising=False)

    cli.main(["reconcile"])

    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["KIND  ID  BEFORE -> AFTER", "(nothing changed)"]
    assert re.fullmatch(r"checked 0, changed 0, failed 0 in \d+\.\d\ds", lines[2])


async def test_the_container_starts_and_stops_the_reconciler() -> None:
    settings = offline_settings(reconcile_interval_seconds=3600)
    container = build_container(settings)
    reconciler = container.reconciler()
    assert container.reconciler() is reconciler

    await start(container)
    try:
        assert reconciler.running
        run = await reconciler.run_once()
        assert run.checked == 0 and reconciler.last_run is run
    finally:
        await stop(container)
    assert not reconciler.running


def test_the_interval_defaults_to_a_minute() -> None:
    assert Settings.model_fields["reconcile_interval_seconds"].default == 60.0


async def test_the_command_runs_without_a_servers_leader_or_watcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import entrypoints.container as wiring

    async def refuse(container: object) -> None:
        raise AssertionError("a one-off command must not start a server's lifecycles")

    monkeypatch.setattr(wiring, "start", refuse)
    settings = offline_settings()
    container = build_container(settings)
    run = await cli._reconcile_once(container)
    assert (run.checked, run.failed) == (0, 0)
    assert not container.leader().leading
