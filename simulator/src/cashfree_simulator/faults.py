"""Injected latency and failures for the simulated /pg endpoints.

Each endpoint (or "*" for all) may carry a latency and a fault rule. A rule with
`rate=1.0` and a `count` is deterministic: exactly the next `count` calls fail.
`@faulty(endpoint)` applies the plan around one simulator operation, so the in-process
and HTTP faces suffer the same faults: a "5xx" fails before the operation runs; "timeout"
and "reset" let it run and then lose the answer, as a real network does.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from cashfree_simulator.errors import SimulatedFault

ENDPOINTS = (
    "create_order",
    "get_order",
    "terminate_order",
    "list_payments",
    "get_payment",
    "create_refund",
    "list_refunds",
    "get_refund",
)
ANY = "*"
FAULT_KINDS = ("5xx", "timeout", "reset")


@dataclass
class FaultRule:
    kind: str
    rate: float
    remaining: int | None


class FaultPlan:
    """What goes wrong, and how slowly, when an endpoint is called."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)
        self._latency: dict[str, float] = {}
        self._faults: dict[str, FaultRule] = {}

    def set_latency(self, endpoint: str, seconds: float) -> None:
        _check_endpoint(endpoint)
        if seconds < 0:
            raise ValueError("latency must not be negative")
        if seconds == 0:
            self._latency.pop(endpoint, None)
        else:
            self._latency[endpoint] = seconds

    def set_fault(
        self, endpoint: str, kind: str, rate: float = 1.0, count: int | None = None
    ) -> None:
        """Fail calls with probability `rate`, at most `count` times (None: no limit)."""
        _check_endpoint(endpoint)
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if count is not None and count < 0:
            raise ValueError("count must not be negative")
        if rate == 0 or count == 0:
            self._faults.pop(endpoint, None)
        else:
            self._faults[endpoint] = FaultRule(kind, rate, count)

    def clear(self) -> None:
        self._latency.clear()
        self._faults.clear()

    def latency(self, endpoint: str) -> float:
        return self._latency.get(endpoint, self._latency.get(ANY, 0.0))

    def draw(self, endpoint: str) -> str | None:
        """The fault kind this call suffers, if any; consumes one from the rule's count."""
        key = endpoint if endpoint in self._faults else ANY
        rule = self._faults.get(key)
        if rule is None or self._random.random() >= rule.rate:
            return None
        if rule.remaining is not None:
            rule.remaining -= 1
            if rule.remaining <= 0:
                del self._faults[key]
        return rule.kind

    async def before(self, endpoint: str) -> str | None:
        """Wait the endpoint's latency, raise a 5xx fault, or name a fault to apply after."""
        delay = self.latency(endpoint)
        if delay:
            await asyncio.sleep(delay)
        kind = self.draw(endpoint)
        if kind == "5xx":
            raise SimulatedFault(kind, endpoint)
        return kind

    def describe(self) -> dict[str, object]:
        return {
            "latency": dict(self._latency),
            "faults": {
                name: {"kind": r.kind, "rate": r.rate, "count": r.remaining}
                for name, r in self._faults.items()
            },
        }


class HasFaults(Protocol):
    @property
    def faults(self) -> FaultPlan: ...


S = TypeVar("S", bound=HasFaults)
P = ParamSpec("P")
T = TypeVar("T")
Operation = Callable[Concatenate[S, P], Awaitable[T]]


def faulty(endpoint: str) -> Callable[[Operation[S, P, T]], Operation[S, P, T]]:
    """Run an operation under its endpoint's latency and fault rule."""
    if endpoint not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {endpoint}")

    def decorate(operation: Operation[S, P, T]) -> Operation[S, P, T]:
        @functools.wraps(operation)
        async def guarded(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
            lost = await self.faults.before(endpoint)
            result = await operation(self, *args, **kwargs)
            if lost is not None:
                raise SimulatedFault(lost, endpoint)
            return result

        return guarded

    return decorate


def _check_endpoint(endpoint: str) -> None:
    if endpoint != ANY and endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint must be '*' or one of {', '.join(ENDPOINTS)}")
