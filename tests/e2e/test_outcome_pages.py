"""What a customer reads once a payment ends: their words, a receipt, titles that match."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from e2e.test_admin_refund import returned_refund
from e2e.test_checkout_journeys import FRAME, fill_checkout, order_id_on, pay_in_modal
from integration.web_checkout.live_server import LiveServer

CUSTOMER = {
    "customerName": "Meera Iyer",
    "customerEmail": "meera@example.com",
    "customerPhone": "9812345670",
}
# Gateway codes a customer must never read (upper case: statuses; lower case: methods).
RAW_CODE = re.compile(
    r"\b(SUCCESS|FAILED|USER_DROPPED|PENDING|EXPIRED|TERMINATED|CANCELLED|"
    r"upi|credit_card|debit_card|net_banking)\b"
)


def new_order(app: LiveServer, **fields: Any) -> str:
    body = {"amount": "640.00", **CUSTOMER, **fields}
    created = httpx.post(f"{app.base_url}/api/payment/create-order", json=body)
    assert created.status_code == 200, created.text
    order_id: str = created.json()["order_id"]
    return order_id


def attempt(app: LiveServer, order_id: str, outcome: str, **fields: str) -> None:
    answer = httpx.post(
        f"{app.fake_url}/control/orders/{order_id}/attempts", json={"outcome": outcome, **fields}
    )
    assert answer.status_code == 200, answer.text


def assert_no_raw_codes(page: Page) -> None:
    text = page.locator("main").inner_text()
    assert not RAW_CODE.search(text), f"raw code {RAW_CODE.search(text)!r} in: {text}"


def test_the_success_page_is_a_receipt(page: Page, app: LiveServer) -> None:
    order_id = new_order(app, planId="premium-monthly", amount="299.00")
    attempt(app, order_id, "SUCCESS", method="credit_card")
    status = httpx.get(f"{app.base_url}/api/payment/status/{order_id}").json()
    payment_id = status["transaction_id"]
    [paid] = status["attempts"]
    assert paid["bank_reference"], "the simulator gives every payment a bank reference"
    page.goto(f"/success?order_id={order_id}")
    expect(page.get_by_role("heading", name="Payment successful", level=1)).to_be_visible()
    expect(page).to_have_title("Payment successful · Cashfree Checkout")
    receipt = page.get_by_role("region", name="Receipt")
    for term, value in (
        ("Paid for", "Premium, monthly"),
        ("Amount paid", "₹299.00"),
        ("Paid by", "Credit card"),
        ("Payment reference", payment_id),
        ("Bank reference", paid["bank_reference"]),
        ("Order number", order_id),
    ):
        expect(receipt.locator(f"dt:text-is('{term}') + dd")).to_have_text(value)
    expect(page.get_by_role("button", name="Print receipt")).to_be_visible()
    assert_no_raw_codes(page)


def test_the_receipt_of_a_refunded_order_says_what_came_back(page: Page, app: LiveServer) -> None:
    order_id = new_order(app, amount="640.00")
    attempt(app, order_id, "SUCCESS", method="upi")
    refunded = httpx.post(
        f"{app.base_url}/api/payment/orders/{order_id}/refunds",
        json={"amount": "240.00", "reason": "Two seats cancelled", "refund_id": "rf_receipt"},
        headers={"Authorization": f"Bearer {app.admin_token}"},
    )
    assert refunded.status_code == 201, refunded.text
    page.goto(f"/success?order_id={order_id}")
    receipt = page.get_by_role("region", name="Receipt")
    expect(receipt.locator("dt:text-is('Amount paid') + dd")).to_have_text("₹640.00")
    expect(
        receipt.locator("dt:text-is('Refunded') + dd, dt:text-is('Being refunded') + dd")
    ).to_have_text("₹240.00")
    assert_no_raw_codes(page)


def test_the_receipt_gives_a_returned_refunds_bank_reference(page: Page, app: LiveServer) -> None:
    order_id = new_order(app, amount="300.00")
    attempt(app, order_id, "SUCCESS", method="upi")
    arn = returned_refund(app, order_id, "300.00", "rf_arn")
    page.goto(f"/success?order_id={order_id}")
    receipt = page.get_by_role("region", name="Receipt")
    expect(receipt.locator("dt:text-is('Refunded') + dd")).to_have_text("₹300.00")
    expect(receipt.locator("dt:text-is('Refund reference') + dd")).to_have_text(arn)
    assert_no_raw_codes(page)


def test_a_payment_of_any_amount_says_what_it_bought(page: Page, app: LiveServer) -> None:
    order_id = new_order(app)
    attempt(app, order_id, "SUCCESS", method="upi")
    page.goto(f"/success?order_id={order_id}")
    receipt = page.get_by_role("region", name="Receipt")
    expect(receipt.locator("dt:text-is('Paid for') + dd")).to_have_text("1 credit")
    expect(receipt.locator("dt:text-is('Paid by') + dd")).to_have_text("UPI")
    assert_no_raw_codes(page)


def test_a_declined_payment_says_no_money_was_taken(page: Page, app: LiveServer) -> None:
    order_id = new_order(app)
    attempt(app, order_id, "FAILED", message="Card expired", method="credit_card")
    page.goto(f"/failure?order_id={order_id}")
    expect(page.get_by_role("heading", name="Payment failed", level=1)).to_be_visible()
    expect(page).to_have_title("Payment failed · Cashfree Checkout")
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("Card expired")
    expect(outcome).to_contain_text("No money was taken from your account.")
    assert_no_raw_codes(page)


def test_a_drop_out_is_told_in_the_second_person(page: Page, app: LiveServer) -> None:
    order_id = new_order(app)
    attempt(app, order_id, "USER_DROPPED")
    page.goto(f"/failure?order_id={order_id}")
    expect(page.get_by_role("heading", name="Payment not completed", level=1)).to_be_visible()
    expect(page).to_have_title("Payment not completed · Cashfree Checkout")
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("You closed the payment window")
    expect(outcome).to_contain_text("No money was taken")
    expect(outcome).not_to_contain_text("User dropped")
    assert_no_raw_codes(page)


def test_a_payment_still_at_the_bank_promises_nothing(page: Page, app: LiveServer) -> None:
    order_id = new_order(app)
    attempt(app, order_id, "PENDING")
    page.goto(f"/failure?order_id={order_id}")
    expect(page.get_by_role("heading", name="Waiting for your bank", level=1)).to_be_visible()
    expect(page.locator("#outcome")).not_to_contain_text("No money was taken")
    expect(page.get_by_role("link", name="Try again")).to_have_count(0)
    assert_no_raw_codes(page)


def test_closing_the_modal_is_told_in_the_second_person(page: Page, app: LiveServer) -> None:
    fill_checkout(page)
    pay_in_modal(page).get_by_role("button", name="Drop out").click()
    result = page.locator("#payment-result")
    expect(result).to_contain_text("You closed the payment window")
    expect(result).to_contain_text("No money was taken")
    expect(result).not_to_contain_text("dropped")
    expect(page).to_have_title("Payment not completed · Cashfree Checkout")
    assert_no_raw_codes(page)


def test_an_expiry_shows_on_the_checkout_without_a_click(page: Page, app: LiveServer) -> None:
    fill_checkout(page)
    frame = pay_in_modal(page)
    frame.get_by_role("button", name="Fail the payment").click()
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    order_id = order_id_on(page)
    expired = httpx.post(f"{app.fake_url}/control/orders/{order_id}/expire")
    assert expired.status_code == 200, expired.text
    expect(page).to_have_url(re.compile(rf"/failure\?order_id={order_id}$"))
    expect(page.get_by_role("heading", name="Order expired", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Try again")).to_have_count(0)
    expect(page.get_by_role("link", name="Start a new payment")).to_be_visible()


def test_an_expiry_shows_on_the_failure_page_without_a_click(page: Page, app: LiveServer) -> None:
    fill_checkout(page)
    page.get_by_label("On Cashfree's payment page, then come back").check()
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    page.get_by_role("button", name="Drop out").click()
    expect(page).to_have_url(re.compile(r"/failure\?order_id="))
    expect(page.get_by_role("link", name="Try again")).to_be_visible()
    order_id = page.url.rsplit("=", 1)[1]
    expired = httpx.post(f"{app.fake_url}/control/orders/{order_id}/expire")
    assert expired.status_code == 200, expired.text
    expect(page.get_by_role("heading", name="Order expired", level=1)).to_be_visible()
    expect(page).to_have_title("Order expired · Cashfree Checkout")
    expect(page.get_by_role("link", name="Try again")).to_have_count(0)


def test_a_late_success_replaces_the_failure_page(page: Page, app: LiveServer) -> None:
    order_id = new_order(app)
    attempt(app, order_id, "FAILED", message="Transaction timed out at the bank")
    page.goto(f"/failure?order_id={order_id}")
    expect(page.get_by_role("heading", name="Payment failed", level=1)).to_be_visible()
    attempt(app, order_id, "SUCCESS")
    expect(page.get_by_role("heading", name="Payment successful", level=1)).to_be_visible()
    expect(page).to_have_title("Payment successful · Cashfree Checkout")


def test_an_unknown_order_on_return_offers_a_way_back(page: Page, app: LiveServer) -> None:
    page.goto("/return?order_id=order_that_never_was")
    expect(page.locator("#return-status")).to_contain_text("could not find that order")
    expect(page).to_have_title("Order not found · Cashfree Checkout")
    page.get_by_role("link", name="Start a new payment").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    page.goto("/return")
    expect(page).to_have_title("No payment to confirm · Cashfree Checkout")
    expect(page.get_by_role("link", name="Go to checkout")).to_be_visible()


def test_the_checkout_title_follows_the_outcome(page: Page, app: LiveServer) -> None:
    fill_checkout(page)
    pay_in_modal(page).get_by_role("button", name="Fail the payment").click()
    expect(page.locator(FRAME)).to_have_count(0)
    expect(page).to_have_title("Payment failed · Cashfree Checkout")
