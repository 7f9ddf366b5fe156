"""The fuzz run of `make fuzz` with a small budget: no 5xx, every answer as described."""

from __future__ import annotations

import json
from pathlib import Path

from entrypoints.web.openapi import OPERATIONS

from .fuzz_api import FuzzResult, _read_report, run_fuzz

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


def test_an_error_of_schemathesis_itself_is_counted_apart_from_the_answers(
    tmp_path: Path,
) -> None:
    """A phase that could not generate its cases leaves a `NonFatalError` in the report:
    the run was cut short though every answer it got passed its checks."""
    events = [
        {"NonFatalError": {"info": {"title": "Runtime Error"}, "label": "POST /x"}},
        {"ScenarioFinished": {"recorder": {"label": "POST /x", "interactions": {}, "checks": {}}}},
    ]
    (tmp_path / "run.ndjson").write_text("\n".join(json.dumps(e) for e in events) + "\n")
    result = FuzzResult()

    _read_report(tmp_path, result)

    assert (result.tool_errors, result.failures, result.requests) == (1, 0, 0)
