"""The checkout form reads what Indian customers type and answers in plain words."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.test_checkout_journeys import CUSTOMER, admin, fill_checkout
from integration.web_checkout.live_server import LiveServer

AMOUNTS = {
    "1,000": "1000.00",
    "₹100": "100.00",
    "₹ 1,000.50": "1000.50",
    "1,00,000": "100000.00",
    "100,000": "100000.00",
    "Rs. 250": "250.00",
    "INR 75": "75.00",
    "₹500/-": "500.00",
    "499.5": "499.50",
    "0042": "42.00",
    "5,00,000.00": "500000.00",
}
BAD_AMOUNTS = ["", "1,0", "10,00", "abc", "10.505", "0.50", "5,00,000.01", "1e3", "-5"]
PHONES = {
    "+91 98765 43210": "9876543210",
    "09876543210": "9876543210",
    "98765-43210": "9876543210",
    "919876543210": "9876543210",
    "+91-98765-43210": "9876543210",
    "(0) 98765 43210": "9876543210",
    "9123456780": "9123456780",
    " 6000000000 ": "6000000000",
}
BAD_PHONES = ["5123456789", "98765 4321", "+1 98765 43210", "+91 5876543210", "phone", ""]
FIELDS = ("amount", "customerName", "customerEmail", "customerPhone")


def read_in_page(page: Page, function: str, inputs: list[str]) -> dict[str, Any]:
    """Run validation.js's `function` in the page on each input: {input: result}."""
    page.goto("/checkout")
    result: dict[str, Any] = page.evaluate(
        """async ([name, inputs]) => {
            const rules = await import("/static/validation.js");
            return Object.fromEntries(inputs.map((input) => [input, rules[name](input)]));
        }""",
        [function, inputs],
    )
    return result


def test_amounts_in_indian_formats_become_plain_decimals(page: Page) -> None:
    read = read_in_page(page, "readAmount", [*AMOUNTS, *BAD_AMOUNTS])
    assert {typed: read[typed] for typed in AMOUNTS} == {
        typed: {"amount": plain} for typed, plain in AMOUNTS.items()
    }
    for typed in BAD_AMOUNTS:
        assert set(read[typed]) == {"error"}, typed


def test_phone_numbers_with_country_code_or_separators_become_ten_digits(page: Page) -> None:
    read = read_in_page(page, "normalizePhone", [*PHONES, *BAD_PHONES])
    assert {typed: read[typed] for typed in PHONES} == PHONES
    assert {typed: read[typed] for typed in BAD_PHONES} == dict.fromkeys(BAD_PHONES)


def test_the_form_sends_what_the_customer_meant(page: Page, app: LiveServer) -> None:
    fill_checkout(page, amount="₹ 1,000.50", customerPhone="+91 98765 43210")
    expect(page.get_by_role("button", name="Pay ₹1,000.50")).to_be_visible()
    with page.expect_request("**/api/payment/create-order") as created:
        page.get_by_role("button", name="Pay ₹1,000.50").click()
    sent = json.loads(created.value.post_data or "{}")
    assert sent["amount"] == "1000.50"
    assert sent["customerPhone"] == "9876543210"
    expect(page.locator("#payment-amount")).to_have_text("₹1,000.50")
    orders = admin(app, "/api/payment/credits")["data"]["orders"]
    assert [(o["amount"], o["customerPhone"]) for o in orders] == [(1000.5, "9876543210")]


@pytest.mark.parametrize(
    "typed",
    [
        {"amount": "", "customerName": "", "customerEmail": "", "customerPhone": ""},
        {"amount": "1,0", "customerName": "A", "customerEmail": "asha@", "customerPhone": "512"},
        {"amount": "0.5", **{k: v for k, v in CUSTOMER.items() if k != "amount"}},
        {**CUSTOMER, "amount": "10.505"},
    ],
    ids=["empty", "malformed", "too-small", "too-many-decimals"],
)
def test_messages_start_with_a_capital_say_what_to_do_and_skip_the_label(
    page: Page, typed: dict[str, str]
) -> None:
    page.goto("/checkout")
    for field, value in typed.items():
        page.fill(f"#{field}", value)
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    expect(page.locator("#form-errors")).to_be_visible()
    shown = 0
    for field in FIELDS:
        message = page.locator(f"#{field}-error").inner_text().strip()
        if not message:
            continue
        shown += 1
        label = page.locator(f"label[for='{field}']").inner_text()
        label = re.sub(r"\s*\(.*\)$", "", label).strip().lower()
        assert message[0].isupper() and message.endswith("."), message
        assert label not in message.lower(), f"{message!r} repeats the label {label!r}"
        assert message.split()[0] in {"Enter", "Use"}, f"{message!r} does not say what to do"
    assert shown >= 1


def test_server_messages_show_next_to_their_fields(page: Page, app: LiveServer) -> None:
    """Whatever the server says about a field appears under that field, in its words."""

    def tamper(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        route.continue_(post_data=json.dumps({**body, "amount": "0.50", "customerPhone": "123"}))

    page.route("**/api/payment/create-order", tamper)
    fill_checkout(page)
    with page.expect_response("**/api/payment/create-order") as answered:
        page.get_by_role("button", name=re.compile(r"^Pay")).click()
    refused = answered.value.json()
    by_field = {error["field"]: error["message"] for error in refused["fields"]}
    assert set(by_field) == {"amount", "customerPhone"}
    for field, message in by_field.items():
        expect(page.locator(f"#{field}-error")).to_have_text(message)
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-errors")).to_contain_text("Please correct the following")
    expect(page.locator("#form-errors li")).to_have_count(2)
