"""Helpers for the account routes' tests: a plans file, tokens, plan orders and payments."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt

from .harness import CUSTOMER, Service

JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef"
PLANS = """
[[plans]]
id = "credits-10"
name = "10 credits"
price = "499.00"
credits = 10

[[plans]]
id = "premium-monthly"
name = "Premium, monthly"
description = "One month of Premium access and 2 credits."
price = "299.00"
credits = 2
period = "monthly"
kind = "premium"

[[plans]]
id = "legacy"
name = "Retired plan"
price = "99.00"
credits = 1
active = false
"""


def plans_file(directory: Path) -> Path:
    path = directory / "plans.toml"
    path.write_text(PLANS, encoding="utf-8")
    return path


def token(subject: object = "user_42", secret: str = JWT_SECRET, **claims: Any) -> str:
    payload: dict[str, Any] = {"sub": subject, "exp": int(time.time()) + 600, **claims}
    if subject is None:
        del payload["sub"]
    return jwt.encode(payload, secret, algorithm="HS256")


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def order_plan(
    service: Service, plan_id: str, headers: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    response = await service.client.post(
        "/api/payment/create-order",
        json={"planId": plan_id, **CUSTOMER, **extra},
        headers=headers or {},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def buy_plan(
    service: Service, plan_id: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Order the plan and pay it at the simulator (its webhook confirms the order)."""
    order = await order_plan(service, plan_id, headers)
    await service.attempt(order["order_id"], "SUCCESS")
    return order
