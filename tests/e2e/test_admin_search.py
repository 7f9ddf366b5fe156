"""The operator's search in a real browser: a payment id from a bank statement finds its
order among orders long off the first page, and a phone number as written finds the
customer, whose page is one click away."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from domain.customer import customer_id_for_email
from e2e.test_admin_dashboard import sign_in
from e2e.test_admin_refund import paid_order, returned_refund
from integration.web_checkout.live_server import LiveServer

CUSTOMER = {
    "customerName": "Meera Iyer",
    "customerEmail": "meera@example.com",
    "customerPhone": "9988776655",
}
OTHER = {
    "customerName": "Arjun Das",
    "customerEmail": "arjun@example.com",
    "customerPhone": "9090909090",
}
LATER_ORDERS = 12  # more than a page of the recent orders' table
LABEL = "Id, bank reference (UTR or ARN), e-mail or phone"


def paid_order_then_others(app: LiveServer) -> tuple[str, str, str]:
    """Meera's order, declined once then paid (and the payment id and bank reference of the
    success), then LATER_ORDERS of somebody else's."""
    with httpx.Client(base_url=app.base_url, timeout=10) as client:
        created = client.post("/api/payment/create-order", json={"amount": "640.00", **CUSTOMER})
        assert created.status_code == 200, created.text
        order_id = created.json()["order_id"]
        declined = client.post(
            f"/_fake-cashfree/control/orders/{order_id}/attempts",
            json={"outcome": "FAILED", "message": "Card declined by the issuing bank"},
        )
        assert declined.status_code == 200, declined.text
        paid = client.post(
            f"/_fake-cashfree/control/orders/{order_id}/attempts", json={"outcome": "SUCCESS"}
        )
        assert paid.status_code == 200, paid.text
        for _ in range(LATER_ORDERS):
            later = client.post("/api/payment/create-order", json={"amount": "10.00", **OTHER})
            assert later.status_code == 200, later.text
    return order_id, str(paid.json()["cf_payment_id"]), paid.json()["bank_reference"]


def test_a_payment_id_finds_its_order_and_a_phone_its_customer(page: Page, app: LiveServer) -> None:
    order_id, payment_id, bank_reference = paid_order_then_others(app)
    sign_in(page, app)
    expect(page.locator(f"#orders-table tr[data-order-id='{order_id}']")).to_have_count(0)

    search = page.get_by_role("search")
    search.get_by_label(LABEL).fill(payment_id)
    search.get_by_role("button", name="Find").click()

    summary = page.locator("#search-summary")
    expect(summary).to_have_text(f"Found 1 order for “{payment_id}”.")
    row = page.locator(f"#search-orders tr[data-order-id='{order_id}']")
    expect(row).to_contain_text("₹640.00")
    expect(row).to_contain_text("Paid")
    expect(row.get_by_role("button", name=f"Refund order {order_id}")).to_be_visible()
    attempts = page.locator("#search-attempts tbody tr")
    expect(attempts).to_have_count(2)
    expect(attempts.first).to_have_attribute("data-payment-id", payment_id)
    expect(attempts.first).to_contain_text("searched for")
    expect(attempts.first).to_contain_text("₹640.00")
    expect(attempts.nth(1)).to_contain_text("Card declined by the issuing bank")
    expect(attempts.nth(1)).not_to_contain_text("searched for")

    search.get_by_label(LABEL).fill(bank_reference)
    search.get_by_role("button", name="Find").click()
    expect(summary).to_have_text(f"Found 1 order for “{bank_reference}”.")
    searched = page.locator("#search-attempts tbody tr.searched")
    expect(searched).to_have_count(1)
    expect(searched).to_have_attribute("data-payment-id", payment_id)
    expect(searched.locator("td[data-label='Bank reference']")).to_contain_text("searched for")
    expect(searched.locator("td[data-label='Payment id']")).not_to_contain_text("searched for")

    search.get_by_label(LABEL).fill("+91 99887 76655")
    search.get_by_role("button", name="Find").click()
    expect(summary).to_have_text("Found 1 customer for “+91 99887 76655”.")
    expect(page.locator("#search-orders-wrap")).to_be_hidden()
    expect(page.locator("#search-attempts-wrap")).to_be_hidden()
    expect(page.locator("#search-refunds-wrap")).to_be_hidden()
    page.locator("#search-customers").get_by_role("link", name="Meera Iyer").click()

    expect(page).to_have_url(
        f"{app.base_url}/admin/customer?id={customer_id_for_email(CUSTOMER['customerEmail'])}"
    )


def test_a_phone_an_earlier_order_was_paid_with_finds_the_customer(
    page: Page, app: LiveServer
) -> None:
    with httpx.Client(base_url=app.base_url, timeout=10) as client:
        for phone in ("9988776655", "9000000002"):
            body = {"amount": "10.00", **CUSTOMER, "customerPhone": phone}
            created = client.post("/api/payment/create-order", json=body)
            assert created.status_code == 200, created.text
    sign_in(page, app)

    search = page.get_by_role("search")
    search.get_by_label(LABEL).fill("99887 76655")
    search.get_by_role("button", name="Find").click()

    expect(page.locator("#search-summary")).to_have_text("Found 1 customer for “99887 76655”.")
    found = page.locator("#search-customers li")
    expect(found).to_contain_text("meera@example.com · 9000000002")
    expect(found).to_contain_text("an earlier order was paid with “99887 76655”")

    found.get_by_role("link", name="Meera Iyer").click()
    facts = page.locator("#profile-facts")
    expect(facts.locator("dt:has-text('Phone') + dd")).to_have_text("9000000002")
    earlier = facts.locator("dt:has-text('Earlier orders paid with') + dd")
    expect(earlier).to_have_text("9988776655")


def refunded_order(app: LiveServer) -> tuple[str, str]:
    """Meera's paid order refunded in full, once the bank's reference (ARN) has come back."""
    order_id = paid_order(app, "450.00")
    return order_id, returned_refund(app, order_id, "450.00", "rf_search")


def test_a_refunds_bank_reference_finds_its_order_and_the_refund(
    page: Page, app: LiveServer
) -> None:
    order_id, arn = refunded_order(app)
    sign_in(page, app)
    search = page.get_by_role("search")
    search.get_by_label(LABEL).fill(arn)
    search.get_by_role("button", name="Find").click()

    expect(page.locator("#search-summary")).to_have_text(f"Found 1 order for “{arn}”.")
    expect(page.locator(f"#search-orders tr[data-order-id='{order_id}']")).to_contain_text(
        "Refunded ₹450.00."
    )
    refund = page.locator("#search-refunds tbody tr")
    expect(refund).to_have_count(1)
    expect(refund).to_have_class("searched")
    expect(refund.locator("td[data-label='Bank reference']")).to_contain_text(arn)
    expect(refund.locator("td[data-label='Bank reference']")).to_contain_text("searched for")
    expect(refund.locator("td[data-label='Refund']")).not_to_contain_text("searched for")

    search.get_by_label(LABEL).fill("rf_search")
    search.get_by_role("button", name="Find").click()
    expect(page.locator("#search-summary")).to_have_text("Found 1 order for “rf_search”.")
    expect(refund.locator("td[data-label='Refund']")).to_contain_text("searched for")
    expect(refund.locator("td[data-label='Bank reference']")).not_to_contain_text("searched for")


def test_a_search_that_finds_nothing_says_so(page: Page, app: LiveServer) -> None:
    sign_in(page, app)
    search = page.get_by_role("search")
    search.get_by_label(LABEL).fill("nobody@x.in")
    search.get_by_role("button", name="Find").click()

    expect(page.locator("#search-summary")).to_have_text(
        "Nothing found for “nobody@x.in”. Check the id or reference,"
        " or try the customer's e-mail or phone."
    )
