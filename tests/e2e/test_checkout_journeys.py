"""The customer's journeys through the checkout, in a real browser, against the simulator."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import FrameLocator, Page, Route, expect

from e2e.conftest import ARTIFACTS
from integration.web_checkout.live_server import LiveServer

CUSTOMER = {
    "amount": "499.50",
    "customerName": "Asha Rao",
    "customerEmail": "asha@example.com",
    "customerPhone": "9876543210",
}
FRAME = "iframe[data-cashfree-checkout='frame']"


def fill_checkout(page: Page, **changes: str) -> None:
    values = {**CUSTOMER, **changes}
    page.goto("/checkout")
    expect(page.locator("body[data-sdk='ready']")).to_be_attached()
    for field, value in values.items():
        page.fill(f"#{field}", value)


def pay_in_modal(page: Page) -> FrameLocator:
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    expect(page.locator("#payment-panel")).to_be_visible()
    return ready_checkout(page)


def ready_checkout(page: Page) -> FrameLocator:
    """The simulator's window once its script listens: its buttons show before they work."""
    inner = page.frame_locator(FRAME)
    expect(inner.locator("#checkout[data-ready='true']")).to_be_attached()
    return inner


def order_id_on(page: Page) -> str:
    return page.locator("#payment-order").inner_text()


def admin(app: LiveServer, path: str) -> dict[str, Any]:
    response = httpx.get(
        app.base_url + path, headers={"Authorization": f"Bearer {app.admin_token}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def credits_for(app: LiveServer, order_id: str) -> list[dict[str, Any]]:
    payments = admin(app, "/api/payment/credits")["data"]["payments"]
    return [p for p in payments if p["orderId"] == order_id]


def test_pay_successfully_in_the_modal(page: Page, app: LiveServer) -> None:
    fill_checkout(page)
    expect(page.get_by_role("button", name="Pay ₹499.50")).to_be_visible()
    frame = pay_in_modal(page)
    order_id = order_id_on(page)
    frame.get_by_role("button", name="Pay by UPI", exact=True).click()
    expect(page).to_have_url(re.compile(r"/success\?order_id="))
    expect(page.get_by_role("heading", name="Payment successful")).to_be_visible()
    expect(page.locator("#outcome-facts")).to_contain_text(order_id)
    expect(page.locator("#outcome-facts")).to_contain_text("₹499.50")
    assert [c["amount"] for c in credits_for(app, order_id)] == [499.5]


def test_fail_then_retry_the_same_order_and_succeed(page: Page, app: LiveServer) -> None:
    fill_checkout(page)
    frame = pay_in_modal(page)
    order_id = order_id_on(page)
    frame.get_by_label("Bank's answer").select_option("Card expired")
    frame.get_by_role("button", name="Fail the payment").click()
    result = page.locator("#payment-result")
    expect(result).to_contain_text("Payment failed")
    expect(result).to_contain_text("Card expired")
    expect(result).to_be_focused()
    page.screenshot(path=str(_artifact("fail_then_retry_failure_shown")), full_page=True)

    page.get_by_role("button", name="Try again").click()
    ready_checkout(page).get_by_role("button", name="Pay by card", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/success\?order_id={order_id}$"))
    expect(page.get_by_role("heading", name="Payment successful")).to_be_visible()
    assert len(credits_for(app, order_id)) == 1
    status = httpx.get(f"{app.base_url}/api/payment/status/{order_id}").json()
    assert [a["status"] for a in status["attempts"]] == ["FAILED", "SUCCESS"]


def test_drop_out_of_the_modal(page: Page, app: LiveServer) -> None:
    fill_checkout(page)
    frame = pay_in_modal(page)
    frame.get_by_role("button", name="Drop out").click()
    result = page.locator("#payment-result")
    expect(result).to_contain_text("Payment not completed")
    expect(result).to_have_attribute("data-outcome", "dropped")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    expect(page.locator(FRAME)).to_have_count(0)


def test_closing_the_modal_leaves_the_order_open(page: Page, app: LiveServer) -> None:
    fill_checkout(page)
    pay_in_modal(page)
    page.get_by_role("button", name="Close checkout").click()
    expect(page.locator("#payment-result")).to_contain_text("Payment not completed")
    order_id = order_id_on(page)
    assert httpx.get(f"{app.base_url}/api/payment/status/{order_id}").json()["status"] == "PENDING"


def test_redirect_flow_returns_verified(page: Page, app: LiveServer) -> None:
    fill_checkout(page, amount="1250")
    page.get_by_label("On Cashfree's payment page, then come back").check()
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    expect(page).to_have_url(re.compile(r"/_fake-cashfree/checkout/"))
    page.get_by_role("button", name="Pay by card", exact=True).click()
    expect(page).to_have_url(re.compile(r"/success\?order_id="))
    expect(page.get_by_role("heading", name="Payment successful")).to_be_visible()
    order_id = page.url.rsplit("=", 1)[1]
    assert [c["amount"] for c in credits_for(app, order_id)] == [1250.0]


def test_redirect_failure_retries_in_one_click_with_the_reason_on_screen(
    page: Page, app: LiveServer
) -> None:
    returns: list[str] = []
    page.on(
        "request",
        lambda request: returns.append(request.url) if "/return?" in request.url else None,
    )
    fill_checkout(page)
    page.get_by_label("On Cashfree's payment page, then come back").check()
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    page.get_by_label("Bank's answer").select_option("Incorrect UPI PIN entered")
    page.get_by_role("button", name="Fail the payment").click()
    expect(page).to_have_url(re.compile(r"/failure\?order_id="))
    expect(page.locator("#outcome")).to_contain_text("Incorrect UPI PIN entered")
    order_id = page.url.rsplit("=", 1)[1]
    assert len(returns) == 1
    assert parse_qs(urlsplit(returns[0]).query) == {"order_id": [order_id]}

    page.get_by_role("link", name="Try again").click()
    frame = ready_checkout(page)
    expect(frame.get_by_role("button", name="Pay by UPI", exact=True)).to_be_visible()
    expect(page.locator("#payment-result")).to_contain_text("Incorrect UPI PIN entered")
    expect(page.locator("#payment-actions")).to_be_hidden()
    expect(page).to_have_url(re.compile(rf"/checkout\?order_id={order_id}$"))
    page.screenshot(path=str(_artifact("redirect_retry_keeps_the_reason")), full_page=True)
    frame.get_by_role("button", name="Pay by UPI", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/success\?order_id={order_id}$"))
    assert len(credits_for(app, order_id)) == 1


def test_sdk_load_failure_offers_retry(page: Page, app: LiveServer) -> None:
    def refuse(route: Route) -> None:
        route.abort()

    page.route("**/cashfree.js", refuse)
    page.goto("/checkout")
    status = page.locator("#sdk-status")
    expect(status).to_contain_text("could not be loaded")
    expect(status.locator(".spinner")).to_have_count(0)
    page.screenshot(path=str(_artifact("sdk_load_failure_message")), full_page=True)
    for field, value in CUSTOMER.items():
        page.fill(f"#{field}", value)
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    expect(page.locator("#form-errors")).to_contain_text("payment module is not loaded")
    assert admin(app, "/api/payment/stats")["data"]["totalOrders"] == 0

    page.unroute("**/cashfree.js")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator("body[data-sdk='ready']")).to_be_attached()
    expect(status).to_be_hidden()


def test_every_field_error_shows_at_once(page: Page, app: LiveServer) -> None:
    page.goto("/checkout")
    page.fill("#amount", "10.505")
    page.fill("#customerName", " A ")
    page.fill("#customerEmail", "not-an-email")
    page.fill("#customerPhone", "5123456789")
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    for field in ("amount", "customerName", "customerEmail", "customerPhone"):
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field}-error")).not_to_be_empty()
    expect(page.locator("#form-errors li")).to_have_count(4)
    expect(page.locator("#form-errors")).to_be_focused()
    assert admin(app, "/api/payment/stats")["data"]["totalOrders"] == 0


def test_polling_takes_over_when_the_stream_fails(page: Page, app: LiveServer) -> None:
    def refuse(route: Route) -> None:
        route.abort()

    page.route("**/api/payment/events/**", refuse)
    fill_checkout(page)
    pay_in_modal(page)
    order_id = order_id_on(page)
    expect(page.locator("body[data-watch='polling']")).to_be_attached()
    response = httpx.post(
        f"{app.fake_url}/control/orders/{order_id}/attempts",
        json={"outcome": "FAILED", "message": "Transaction timed out at the bank"},
    )
    assert response.status_code == 200
    result = page.locator("#payment-result")
    expect(result).to_contain_text("Transaction timed out at the bank")
    expect(result).to_have_attribute("data-source", "server")


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_no_second_payment_is_offered_while_the_bank_confirms(page: Page, app: LiveServer) -> None:
    """'Try again' during confirmation would let a customer pay an order that is paid."""
    forced = httpx.post(f"{app.fake_url}/control/next-outcome", json={"outcome": "PENDING"})
    assert forced.status_code == 200
    fill_checkout(page)
    frame = pay_in_modal(page)
    actions = page.locator("#payment-actions")
    expect(actions).to_be_hidden()
    frame.get_by_role("button", name="Pay by UPI", exact=True).click()
    expect(page.locator("#payment-status")).to_contain_text("Your bank is confirming")
    expect(page).to_have_title("Confirming your payment · Cashfree Checkout")
    expect(page.locator(FRAME)).to_have_count(0)
    expect(actions).to_be_hidden()
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    expect(page.get_by_role("button", name="Start a new payment")).to_have_count(0)
    page.screenshot(path=str(_artifact("confirming_offers_no_retry")), full_page=True)

    order_id = order_id_on(page)
    status = httpx.get(f"{app.base_url}/api/payment/status/{order_id}").json()
    pending = status["attempts"][-1]["payment_id"]
    settled = httpx.post(
        f"{app.fake_url}/control/orders/{order_id}/attempts",
        json={"outcome": "SUCCESS", "cf_payment_id": pending},
    )
    assert settled.status_code == 200, settled.text
    expect(page).to_have_url(re.compile(r"/success\?order_id="))


def test_an_outcome_told_while_the_window_is_open_is_focused_once_it_closes(
    page: Page, app: LiveServer
) -> None:
    """The page behind the payment window is inert: it takes focus after the window closes."""
    fill_checkout(page)
    pay_in_modal(page)
    order_id = order_id_on(page)
    response = httpx.post(
        f"{app.fake_url}/control/orders/{order_id}/attempts",
        json={"outcome": "FAILED", "message": "Transaction timed out at the bank"},
    )
    assert response.status_code == 200
    result = page.locator("#payment-result")
    expect(result).to_have_attribute("data-source", "server")
    page.get_by_role("button", name="Close checkout").click()
    expect(page.locator(FRAME)).to_have_count(0)
    expect(result).to_be_focused()
    expect(result).to_contain_text("Transaction timed out at the bank")
