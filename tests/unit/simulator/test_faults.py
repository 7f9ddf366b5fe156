"""Injected faults and latency on the simulated endpoints."""

from __future__ import annotations

import pytest

from cashfree_simulator.errors import SimulatedFault
from cashfree_simulator.faults import FaultPlan
from cashfree_simulator.simulator import CashfreeSimulator

from .conftest import order_body


def test_a_counted_rule_fails_exactly_the_next_n_calls() -> None:
    plan = FaultPlan()
    plan.set_fault("get_order", "5xx", rate=1.0, count=2)
    assert [plan.draw("get_order") for _ in range(3)] == ["5xx", "5xx", None]


def test_a_specific_rule_wins_over_the_wildcard() -> None:
    plan = FaultPlan()
    plan.set_fault("*", "timeout")
    plan.set_fault("get_order", "reset", count=1)
    assert plan.draw("get_order") == "reset"
    assert plan.draw("get_order") == "timeout"
    assert plan.draw("list_payments") == "timeout"


def test_a_seeded_rate_is_reproducible() -> None:
    draws = []
    for _ in range(2):
        plan = FaultPlan(seed=7)
        plan.set_fault("*", "5xx", rate=0.5)
        draws.append([plan.draw("get_order") for _ in range(40)])
    assert draws[0] == draws[1]
    assert 0 < draws[0].count("5xx") < 40


@pytest.mark.parametrize(
    ("endpoint", "kind", "rate"),
    [("nowhere", "5xx", 1.0), ("*", "explode", 1.0), ("*", "5xx", 1.5)],
)
def test_nonsense_rules_are_refused(endpoint: str, kind: str, rate: float) -> None:
    with pytest.raises(ValueError):
        FaultPlan().set_fault(endpoint, kind, rate)


async def test_a_5xx_fails_before_the_work(simulator: CashfreeSimulator) -> None:
    simulator.set_fault("create_order", "5xx", count=1)
    with pytest.raises(SimulatedFault):
        await simulator.create_order(order_body())
    created = await simulator.create_order(order_body())
    assert created["order_status"] == "ACTIVE"


async def test_a_timeout_loses_the_answer_after_the_work(simulator: CashfreeSimulator) -> None:
    simulator.set_fault("create_order", "timeout", count=1)
    with pytest.raises(SimulatedFault) as caught:
        await simulator.create_order(order_body(), idempotency_key="k1")
    assert caught.value.kind == "timeout"
    retried = await simulator.create_order(order_body(), idempotency_key="k1")
    assert retried["order_id"] == "order_1001"


async def test_latency_is_applied_and_cleared(simulator: CashfreeSimulator) -> None:
    simulator.set_latency("get_order", 0.001)
    assert simulator.faults.latency("get_order") == 0.001
    simulator.set_latency("get_order", 0)
    assert simulator.faults.describe() == {"latency": {}, "faults": {}}
