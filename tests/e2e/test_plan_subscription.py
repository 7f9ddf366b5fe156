"""A customer buys the monthly plan in the checkout; the operator sees the subscription."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from domain.calendar_math import add_months
from domain.customer import customer_id_for_email
from e2e.test_checkout_journeys import ready_checkout
from integration.web_checkout.live_server import LiveServer, live_server

PLANS_FILE = Path(__file__).resolve().parents[2] / "plans.toml"
CUSTOMER = {
    "customerName": "Meera Iyer",
    "customerEmail": "meera@example.com",
    "customerPhone": "9988776655",
}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[LiveServer]:
    """The shop with the repository's plans.toml (credits-10, premium-monthly, -yearly)."""
    with live_server(tmp_path, watch_interval_seconds=0.5, plans_file=PLANS_FILE) as running:
        yield running


def customer_account(app: LiveServer, customer_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{app.base_url}/api/payment/customers/{customer_id}",
        headers={"Authorization": f"Bearer {app.admin_token}"},
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_buy_the_monthly_plan_and_see_it_on_the_customer_page(page: Page, app: LiveServer) -> None:
    page.goto("/checkout")
    expect(page.locator("body[data-sdk='ready']")).to_be_attached()
    expect(page.locator("body[data-plans='ready']")).to_be_attached()
    page.get_by_label(re.compile(r"^Premium, monthly")).check()
    expect(page.locator("#amount")).to_be_hidden()
    expect(page.get_by_role("button", name="Pay ₹299.00")).to_be_visible()
    for field, value in CUSTOMER.items():
        page.fill(f"#{field}", value)
    page.get_by_role("button", name="Pay ₹299.00").click()
    expect(page.locator("#payment-panel")).to_be_visible()
    expect(page.locator("#payment-amount")).to_have_text("₹299.00")
    order_id = page.locator("#payment-order").inner_text()
    ready_checkout(page).get_by_role("button", name="Pay by UPI", exact=True).click()
    expect(page).to_have_url(re.compile(r"/success\?order_id="))

    customer_id = customer_id_for_email(CUSTOMER["customerEmail"])
    [subscription] = customer_account(app, customer_id)["subscriptions"]
    starts = datetime.fromisoformat(subscription["startsAt"])
    ends = datetime.fromisoformat(subscription["endsAt"])
    assert ends == add_months(starts, 1)
    shown_end = f"time[datetime='{subscription['endsAt']}']"

    page.goto("/admin")
    page.get_by_label("Admin token").fill(app.admin_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body[data-loaded='true']")).to_be_attached()
    row = page.locator(f"#subscriptions-table tr[data-customer-id='{customer_id}']")
    expect(row).to_contain_text("premium")
    expect(row.locator(shown_end)).to_be_visible()

    row.get_by_role("link", name=customer_id).click()
    expect(page).to_have_url(re.compile(r"/admin/customer\?id="))
    expect(page.locator("body[data-loaded='true']")).to_be_attached()
    expect(page.locator("#profile-facts")).to_contain_text("Meera Iyer")
    expect(page.locator("#profile-facts")).to_contain_text("Credit balance2")
    subscriptions = page.locator("#customer-subscriptions tr[data-kind='premium']")
    expect(subscriptions).to_contain_text("premium-monthly")
    expect(subscriptions.locator(shown_end)).to_be_visible()
    expect(subscriptions).to_contain_text("Active")
    expect(page.locator(f"#customer-orders tr[data-order-id='{order_id}']")).to_contain_text("Paid")
    expect(page.locator("#customer-ledger")).to_contain_text(f"Order {order_id}")
