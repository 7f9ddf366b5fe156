"""The operator refunds half of a paid order from the dashboard and sees the refund done."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import Page, expect

from e2e.test_admin_dashboard import sign_in
from integration.web_checkout.live_server import LiveServer

CUSTOMER = {
    "customerName": "Meera Iyer",
    "customerEmail": "meera@example.com",
    "customerPhone": "9988776655",
}
DONE_MS = 20_000


def paid_order(app: LiveServer, amount: str) -> str:
    with httpx.Client(base_url=app.base_url, timeout=10) as client:
        created = client.post("/api/payment/create-order", json={"amount": amount, **CUSTOMER})
        assert created.status_code == 200, created.text
        order_id: str = created.json()["order_id"]
        paid = client.post(
            f"/_fake-cashfree/control/orders/{order_id}/attempts", json={"outcome": "SUCCESS"}
        )
        assert paid.status_code == 200, paid.text
    return order_id


def returned_refund(app: LiveServer, order_id: str, amount: str, refund_id: str) -> str:
    """Refund `amount` of a paid order through the API and wait for the simulator's
    webhook to settle it; the bank's reference (ARN) it brought."""
    admin = {"Authorization": f"Bearer {app.admin_token}"}
    with httpx.Client(base_url=app.base_url, headers=admin, timeout=10) as client:
        made = client.post(
            f"/api/payment/orders/{order_id}/refunds",
            json={"amount": amount, "reason": "Customer asked", "refund_id": refund_id},
        )
        assert made.status_code == 201, made.text
        for _ in range(DONE_MS // 100):
            listed = client.get(f"/api/payment/orders/{order_id}/refunds").json()["data"]
            arn: str = next(r["arn"] for r in listed if r["refundId"] == refund_id)
            if arn:
                return arn
            time.sleep(0.1)
    raise AssertionError(f"refund {refund_id} never brought its ARN")


def test_operator_refunds_half_an_order(page: Page, app: LiveServer) -> None:
    order_id = paid_order(app, "750.00")
    sign_in(page, app)
    row = page.locator(f"#orders-table tr[data-order-id='{order_id}']")
    expect(row).to_contain_text("Paid")

    row.get_by_role("button", name=f"Refund order {order_id}").click()
    page.get_by_label("Refund amount (INR)").fill("375.00")
    page.get_by_label("Refund reason").fill("Customer cancelled half the seats")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("#refund-notice")).to_contain_text("₹375.00")

    refunds = page.locator("#refunds-table tbody tr")
    expect(refunds).to_have_count(1)
    expect(refunds.first).to_contain_text(order_id)
    expect(refunds.first).to_contain_text("₹375.00")
    expect(refunds.first).to_contain_text("Customer cancelled half the seats")
    # The simulator settles the refund and its webhook arrives; Refresh shows it done.
    for _ in range(DONE_MS // 500):
        if refunds.first.get_attribute("data-state") == "SUCCESS":
            break
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(500)
    expect(refunds.first).to_have_attribute("data-state", "SUCCESS")
    expect(refunds.first).to_contain_text("Done")
    expect(refunds.first.locator("td[data-label='Bank reference']")).to_have_text(
        re.compile(r"^RF\d{10}$")
    )
    expect(row.locator("td[data-label='Status']")).to_contain_text(
        re.compile(r"Refunded ₹375\.00\. Bank reference RF\d{10}\.")
    )
    expect(page.locator("#tiles")).to_contain_text(re.compile(r"Refunded₹375\.00 \(1\)"))
    expect(page.locator("#tiles")).to_contain_text("Net revenue₹375.00")
    expect(page.locator("#reconcile-summary")).to_contain_text("No reconciliation run yet")


def test_the_refund_form_says_what_was_refunded_and_what_remains(
    page: Page, app: LiveServer
) -> None:
    """After a refund the order's row and the form opened again show it (the order stays
    paid), as does the customer's page; asking for more than remains is refused with how
    much can still be refunded."""
    order_id = paid_order(app, "750.00")
    sign_in(page, app)
    row = page.locator(f"#orders-table tr[data-order-id='{order_id}']")
    refund_button = row.get_by_role("button", name=f"Refund order {order_id}")
    refund_button.click()
    expect(page.locator("#refund-remaining")).to_have_text("Paid ₹750.00.")
    page.get_by_label("Refund amount (INR)").fill("500.00")
    page.get_by_label("Refund reason").fill("Two of three seats cancelled")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("#refund-notice")).to_contain_text("₹500.00")

    taken = r"(Refunded ₹500\.00\.|₹500\.00 being refunded\.)"
    # once returned, the row's line also names the bank's reference (the form does not)
    hint = r"(Refunded ₹500\.00\.( Bank reference RF\d{10}\.)?|₹500\.00 being refunded\.)"
    expect(row.locator("td[data-label='Status'] .hint")).to_have_text(re.compile(f"^{hint}$"))
    expect(row.locator("td[data-label='Status']")).to_contain_text("Paid")
    refund_button.click()
    remaining = page.locator("#refund-remaining")
    expect(remaining).to_have_text(re.compile(f"^Paid ₹750\\.00\\. {taken}$"))
    page.get_by_label("Refund amount (INR)").fill("300.00")
    page.get_by_label("Refund reason").fill("The last seat too")
    page.get_by_role("button", name="Refund", exact=True).click()
    notice = page.locator("#refund-notice")
    expect(notice).to_contain_text("The amount is more than remains refundable")
    expect(notice).to_contain_text("Up to ₹250.00 can be refunded.")

    row.get_by_role("link", name="Meera Iyer").click()
    on_customer_page = page.locator(f"#customer-orders tr[data-order-id='{order_id}']")
    expect(on_customer_page.locator("td[data-label='Status'] .hint")).to_have_text(
        re.compile(f"^{hint}$")
    )
