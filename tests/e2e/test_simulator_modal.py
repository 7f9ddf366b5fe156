"""The simulator's payment window (cashfree.js `_modal`): a real dialog, on any phone."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from e2e.conftest import ARTIFACTS
from e2e.test_checkout_journeys import (
    CUSTOMER,
    FRAME,
    fill_checkout,
    pay_in_modal,
    ready_checkout,
)
from integration.web_checkout.live_server import LiveServer

IN_DIALOG = """() => Boolean(
    document.activeElement && document.activeElement.closest("[data-cashfree-checkout=dialog]")
)"""
PHONES: list[ViewportSize] = [{"width": 360, "height": 780}, {"width": 360, "height": 640}]


def open_modal_from(page: Page, app: LiveServer, control: str) -> None:
    """Open the window over the checkout page the way any merchant calls cashfree.js."""
    created = httpx.post(f"{app.base_url}/api/payment/create-order", json=CUSTOMER)
    assert created.status_code == 200, created.text
    session_id = created.json()["payment_session_id"]
    page.goto("/checkout")
    expect(page.locator("body[data-sdk='ready']")).to_be_attached()
    page.focus(control)
    page.evaluate(
        """(sessionId) => {
            window.modalResult = null;
            window.Cashfree({ mode: "sandbox" })
              .checkout({ paymentSessionId: sessionId, redirectTarget: "_modal" })
              .then((result) => { window.modalResult = result; });
        }""",
        session_id,
    )
    expect(page.get_by_role("button", name="Close checkout")).to_be_focused()
    expect(ready_checkout(page).get_by_role("button", name="Drop out")).to_be_visible()


def test_focus_stays_in_the_window_and_comes_back_on_close(page: Page, app: LiveServer) -> None:
    open_modal_from(page, app, "#pay-button")
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        assert page.evaluate(IN_DIALOG), f"{key} left the payment window"
    page.keyboard.press("Escape")
    expect(page.locator("[data-cashfree-checkout='overlay']")).to_have_count(0)
    expect(page.locator("#pay-button")).to_be_focused()
    result = page.evaluate("window.modalResult")
    assert result["error"]["code"] == "payment_cancelled"


def test_escape_inside_the_checkout_closes_the_window(page: Page, app: LiveServer) -> None:
    open_modal_from(page, app, "#amount")
    page.frame_locator(FRAME).get_by_role("button", name="Pay by UPI", exact=True).focus()
    page.keyboard.press("Escape")
    expect(page.locator("[data-cashfree-checkout='overlay']")).to_have_count(0)
    expect(page.locator("#amount")).to_be_focused()


def test_the_page_behind_cannot_be_reached_while_open(page: Page, app: LiveServer) -> None:
    open_modal_from(page, app, "#pay-button")
    assert page.evaluate("document.querySelector('main').closest('[inert]') !== null")
    page.get_by_role("button", name="Close checkout").click()
    assert page.evaluate("document.querySelector('[inert]') === null")


@pytest.mark.parametrize("size", PHONES, ids=lambda size: f"{size['width']}x{size['height']}")
def test_the_close_button_and_the_checkout_fit_a_phone(
    page: Page, app: LiveServer, size: ViewportSize
) -> None:
    page.set_viewport_size(size)
    fill_checkout(page)
    pay_in_modal(page)
    inner = page.frame_locator(FRAME)
    expect(inner.get_by_role("button", name="Drop out")).to_be_visible()
    close = page.get_by_role("button", name="Close checkout").bounding_box()
    frame = page.locator(FRAME).bounding_box()
    card = inner.locator("#checkout").bounding_box()
    assert close and frame and card
    assert close["width"] >= 44 and close["height"] >= 44
    assert close["x"] >= 0 and close["x"] + close["width"] <= size["width"]
    assert close["y"] >= 0 and close["y"] + close["height"] <= size["height"]
    assert close["y"] + close["height"] <= frame["y"], "the close button covers the checkout"
    assert card["x"] >= 0 and card["x"] + card["width"] <= size["width"]
    assert frame["x"] + frame["width"] <= size["width"]
    checkout = page.frame(url=re.compile(r"/checkout/"))
    assert checkout is not None
    overflow = checkout.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the checkout scrolls sideways by {overflow}px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"modal_{size['width']}x{size['height']}.png"))
