"""Settings of a container that reaches nothing outside the process: the fake gateway and
the memory store."""

from __future__ import annotations

from typing import Any

from entrypoints.settings import Settings


def offline_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "payment_gateway": "fake",
        "cashfree_app_id": "TESTAPP",
        "cashfree_secret_key": "test-secret-key",
        "store_url": "memory://",
    }
    return Settings(**(values | overrides))
