"""One customer's page for the operator in a real browser: the ledger a page at a time."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from domain.customer import customer_id_for_email
from e2e.test_admin_dashboard import sign_in
from integration.web_checkout.live_server import LiveServer

CUSTOMER = {
    "customerName": "Kavya Menon",
    "customerEmail": "kavya@example.com",
    "customerPhone": "9012345678",
}
GIFTS = 23  # a page of 20 and three older


def customer_with_gifts(app: LiveServer) -> str:
    """A customer (made by an order) with GIFTS adjustments of 1 to GIFTS credits."""
    customer_id = customer_id_for_email(CUSTOMER["customerEmail"])
    admin = {"Authorization": f"Bearer {app.admin_token}"}
    with httpx.Client(base_url=app.base_url, timeout=10) as client:
        created = client.post("/api/payment/create-order", json={"amount": "10.00", **CUSTOMER})
        assert created.status_code == 200, created.text
        for credits in range(1, GIFTS + 1):
            gift = client.post(
                f"/api/payment/customers/{customer_id}/adjustments",
                json={"credits": credits, "note": f"gift {credits}"},
                headers=admin,
            )
            assert gift.status_code == 201, gift.text
    return customer_id


def test_the_ledger_comes_a_page_at_a_time_newest_first(page: Page, app: LiveServer) -> None:
    customer_id = customer_with_gifts(app)
    sign_in(page, app)
    page.goto(f"/admin/customer?id={customer_id}")
    expect(page.locator("body[data-loaded='true']")).to_be_attached()
    expect(page.locator("#profile-facts")).to_contain_text(f"Credit balance{GIFTS * 24 // 2}")
    credits = page.locator("#customer-ledger tbody td[data-label='Credits']")
    expect(credits).to_have_count(20)
    expect(credits.first).to_have_text(f"+{GIFTS}")
    pager = page.get_by_role("navigation", name="Ledger pages")
    expect(pager).to_contain_text("1\u201320")
    expect(pager.get_by_role("button", name="Newer")).to_be_disabled()
    pager.get_by_role("button", name="Older").click()
    expect(pager).to_contain_text("21\u201323")
    expect(credits).to_have_text(["+3", "+2", "+1"])
    expect(pager.get_by_role("button", name="Older")).to_be_disabled()
    pager.get_by_role("button", name="Newer").click()
    expect(pager).to_contain_text("1\u201320")
    expect(credits.first).to_have_text(f"+{GIFTS}")
