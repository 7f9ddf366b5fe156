"""Fixtures for the Cashfree adapter's unit tests: spec-shaped JSON and counting ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


class CountingIds:
    """Predictable ids so tests can tell one logical call from the next."""

    def __init__(self) -> None:
        self.issued = 0

    def order_id(self) -> str:
        self.issued += 1
        return f"ORDER_TEST{self.issued}"

    def new_id(self, prefix: str) -> str:
        self.issued += 1
        return f"{prefix}_{self.issued}"


@pytest.fixture
def ids() -> CountingIds:
    return CountingIds()


@pytest.fixture
def cashfree_json() -> Callable[[str], Any]:
    """Load a fixture parsed the way the adapter parses Cashfree bodies (numbers as Decimal)."""

    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)

    return load
