"""The fuzz run of `make fuzz` with a small budget: no 5xx, every answer as described."""

from __future__ import annotations

from entrypoints.web.openapi import OPERATIONS

from .fuzz_api import run_fuzz

SMALL_BUDGET = 3  # examples per operation and phase: about a thousand requests


def test_generated_requests_on_every_route_get_described_answers_and_no_5xx() -> None:
    result = run_fuzz(max_examples=SMALL_BUDGET, seed=1)
    assert result.requests > 300, result.output[-3000:]
    assert result.server_errors == 0, result.output[-6000:]
    assert result.failures == 0, result.output[-6000:]
    # schemathesis loads /openapi.json itself and does not fuzz the schema's own address.
    described = {
        f"{operation.method} {operation.path}"
        for operation in OPERATIONS
        if operation.path != "/openapi.json"
    }
    assert described <= set(result.operations), described - set(result.operations)
