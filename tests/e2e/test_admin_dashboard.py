"""The operator's dashboard in a real browser: token once, totals, charts, tables."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from integration.web_checkout.live_server import LiveServer

CUSTOMER = {
    "customerName": "Ravi Kumar",
    "customerEmail": "ravi@example.com",
    "customerPhone": "9123456780",
}


def paid_and_failed_orders(app: LiveServer) -> tuple[str, str]:
    with httpx.Client(base_url=app.base_url, timeout=10) as client:
        ids = []
        for amount in ("750.00", "99.99"):
            response = client.post("/api/payment/create-order", json={"amount": amount, **CUSTOMER})
            assert response.status_code == 200, response.text
            ids.append(response.json()["order_id"])
        paid, failed = ids
        for order_id, outcome, message in (
            (failed, "FAILED", "Transaction declined by the issuing bank"),
            (paid, "FAILED", "Insufficient funds in the account"),
            (paid, "SUCCESS", ""),
        ):
            body = {"outcome": outcome, **({"message": message} if message else {})}
            recorded = client.post(f"/_fake-cashfree/control/orders/{order_id}/attempts", json=body)
            assert recorded.status_code == 200, recorded.text
    return paid, failed


def test_admin_dashboard_shows_the_new_payment(page: Page, app: LiveServer) -> None:
    paid, failed = paid_and_failed_orders(app)
    page.goto("/admin")
    page.get_by_label("Admin token").fill(app.admin_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body[data-loaded='true']")).to_be_attached()

    tiles = page.locator("#tiles")
    expect(tiles).to_contain_text("Orders2")
    expect(tiles).to_contain_text("Paid orders1")
    expect(tiles).to_contain_text("Success rate50.00 %")
    expect(tiles).to_contain_text("Paid amount₹750.00")
    paid_row = page.locator(f"#orders-table tr[data-order-id='{paid}']")
    expect(paid_row).to_contain_text("SUCCESS")
    expect(paid_row).to_contain_text("₹750.00")
    failures = page.locator("#failed-table")
    expect(failures).to_contain_text("Transaction declined by the issuing bank")
    expect(failures).to_contain_text(failed)
    assert page.locator("#hourly-chart svg rect").count() >= 2
    expect(page.locator("#hourly-chart svg")).to_have_attribute(
        "aria-label",
        "Payment attempts per hour, last 24 hours: 1 successful, 2 failed, 0 dropped, 0 pending",
    )
    expect(page.locator("#reasons-chart svg rect")).to_have_count(2)

    page.reload()
    expect(page.locator("body[data-loaded='true']")).to_be_attached()
    expect(page.get_by_label("Admin token")).to_be_hidden()


def test_a_wrong_token_is_refused_and_asked_again(page: Page, app: LiveServer) -> None:
    page.goto("/admin")
    page.get_by_label("Admin token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#admin-notice")).to_contain_text("not accepted")
    expect(page.get_by_label("Admin token")).to_be_focused()
    expect(page.locator("#dashboard")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('adminToken')") is None
