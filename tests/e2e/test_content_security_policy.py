"""The pages work under their Content-Security-Policy: no violation on the way to paying."""

from __future__ import annotations

import re

from playwright.sync_api import ConsoleMessage, Page, expect

from integration.web_checkout.live_server import LiveServer

from .test_checkout_journeys import fill_checkout, order_id_on, pay_in_modal

VIOLATION = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)


def violations(page: Page) -> list[str]:
    found: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if VIOLATION.search(message.text):
            found.append(message.text)

    page.on("console", keep)
    return found


def test_paying_in_the_modal_breaks_no_policy(page: Page, app: LiveServer) -> None:
    found = violations(page)
    fill_checkout(page)
    frame = pay_in_modal(page)
    order_id = order_id_on(page)
    frame.get_by_role("button", name="Pay by UPI", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/success\?order_id={order_id}"))
    expect(page.get_by_role("heading", name="Payment successful")).to_be_visible()
    assert found == []


def test_the_redirect_flow_and_the_dashboard_break_no_policy(page: Page, app: LiveServer) -> None:
    found = violations(page)
    fill_checkout(page)
    page.get_by_label("On Cashfree's payment page, then come back").check()
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    expect(page).to_have_url(re.compile(r"/_fake-cashfree/checkout/"))
    page.get_by_role("button", name="Pay by UPI", exact=True).click()
    expect(page.get_by_role("heading", name="Payment successful")).to_be_visible()
    page.goto("/admin")
    page.get_by_label("Admin token").fill(app.admin_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body[data-loaded='true']")).to_be_attached()
    expect(page.locator("#hourly-chart svg")).to_be_attached()
    assert found == []


def test_an_inline_script_is_refused(page: Page, app: LiveServer) -> None:
    """The check above can fail: a script written into the page is blocked and reported."""
    found = violations(page)
    page.goto("/checkout")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.append(s); }"
    )
    expect(page.locator("body")).to_be_attached()
    assert page.evaluate("() => window.injected === undefined")
    page.wait_for_timeout(200)
    assert any("inline script" in text for text in found), found
