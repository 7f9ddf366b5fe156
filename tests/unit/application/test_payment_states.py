"""After commit, and only then: one line per payment state change, counts, commit timing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from structlog.testing import capture_logs

from adapters.gateway.measured import MeasuredGateway
from adapters.store.memory import MemoryStore
from application.errors import GatewayUnavailable
from application.unit_of_work import UnitOfWorkFactory
from domain.order import AttemptStatus

from ..domain.factories import T0, attempt, order
from .fakes import RecordingPublisher, ScriptedGateway


class RecordingMetrics:
    """The Metrics port, remembering every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any) -> None:
            self.calls.append((name, args))

        return record

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, args in self.calls if called == name]


@pytest.fixture
def metrics() -> RecordingMetrics:
    return RecordingMetrics()


@pytest.fixture
def units(metrics: RecordingMetrics) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(MemoryStore(), RecordingPublisher(), metrics)


def state_lines(logs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (e["from"], e["to"], e["payment_from"], e["payment_to"], e["reason"])
        for e in logs
        if e["event"] == "order state changed"
    ]


async def test_committed_changes_are_logged_and_counted(
    units: UnitOfWorkFactory, metrics: RecordingMetrics
) -> None:
    with capture_logs() as logs:
        async with units() as uow:
            await uow.orders.add(order())
            await uow.commit()
        async with units() as uow:
            loaded = await uow.orders.get("ORDER_TEST")
            assert loaded is not None
            loaded.activate("cf_1", "session_1", T0)
            loaded.record_attempt(attempt(AttemptStatus.FAILED, "1"), T0)
            await uow.orders.save(loaded)
            loaded.record_attempt(attempt(AttemptStatus.SUCCESS, "2"), T0)
            await uow.orders.save(loaded)
            await uow.commit()
    assert state_lines(logs) == [
        (None, "CREATED", None, "PENDING", "created"),
        ("CREATED", "ACTIVE", "PENDING", "FAILED", "Transaction declined by bank"),
        ("ACTIVE", "PAID", "FAILED", "SUCCESS", "payment succeeded"),
    ]
    assert metrics.named("order_created") == [()]
    assert metrics.named("order_paid") == [()]
    assert metrics.named("payment_failed") == [("FAILED",)]
    commits = metrics.named("store_commit")
    assert len(commits) == 2 and all(seconds >= 0 for (seconds,) in commits)


async def test_a_rolled_back_change_is_neither_logged_nor_counted(
    units: UnitOfWorkFactory, metrics: RecordingMetrics
) -> None:
    with capture_logs() as logs:
        async with units() as uow:
            await uow.orders.add(order())
            await uow.rollback()
        async with units() as uow:
            await uow.orders.add(order(order_id="ORDER_NEVER"))
    assert state_lines(logs) == []
    assert metrics.calls == []


async def test_a_repeated_report_changes_nothing_and_says_nothing(
    units: UnitOfWorkFactory,
) -> None:
    async with units() as uow:
        await uow.orders.add(order())
        await uow.commit()
    with capture_logs() as logs:
        async with units() as uow:
            loaded = await uow.orders.get("ORDER_TEST")
            assert loaded is not None
            await uow.orders.save(loaded)
            await uow.commit()
    assert state_lines(logs) == []


async def test_the_measured_gateway_times_each_call_by_outcome(
    metrics: RecordingMetrics,
) -> None:
    inner = ScriptedGateway()
    gateway = MeasuredGateway(inner, metrics)
    assert gateway.name == inner.name
    inner.payments["ORDER_1"] = []
    assert await gateway.list_payments("ORDER_1") == []
    with pytest.raises(KeyError):
        await gateway.get_order("ORDER_UNKNOWN")

    async def unavailable(order_id: str) -> Any:
        raise GatewayUnavailable("down")

    inner.list_refunds = unavailable  # type: ignore[method-assign]
    with pytest.raises(GatewayUnavailable):
        await gateway.list_refunds("ORDER_1")

    async def hanging(order_id: str) -> Any:
        await asyncio.Event().wait()

    inner.terminate_order = hanging  # type: ignore[method-assign]
    call = asyncio.ensure_future(gateway.terminate_order("ORDER_1"))
    await asyncio.sleep(0)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    outcomes = [(endpoint, status) for endpoint, status, _ in metrics.named("gateway_call")]
    assert outcomes == [
        ("list_payments", "ok"),
        ("get_order", "KeyError"),
        ("list_refunds", "GatewayUnavailable"),
        ("terminate_order", "cancelled"),
    ]
    assert all(seconds >= 0 for _, _, seconds in metrics.named("gateway_call"))
