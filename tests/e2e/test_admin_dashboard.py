"""The operator's dashboard in a real browser: token once, totals, charts, tables."""

from __future__ import annotations

import re

import httpx
import pytest
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
    expect(paid_row).to_contain_text("Paid")
    expect(paid_row).to_contain_text("₹750.00")
    failures = page.locator("#failed-table")
    expect(failures).to_contain_text("Transaction declined by the issuing bank")
    expect(failures).to_contain_text(failed)
    assert page.locator("#hourly-chart svg rect").count() >= 2
    expect(page.locator("#hourly-chart svg")).to_have_attribute(
        "aria-label",
        "Payment attempts per hour, last 24 hours: "
        "1 successful, 2 failed, 0 dropped out, 0 pending",
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


def orders_with(app: LiveServer, outcomes: list[list[tuple[str, str]]]) -> list[str]:
    """One order per entry, each with the listed (outcome, message) attempts, oldest first."""
    ids = []
    with httpx.Client(base_url=app.base_url, timeout=10) as client:
        for index, attempts in enumerate(outcomes):
            amount = f"{100 + index}.00"
            created = client.post("/api/payment/create-order", json={"amount": amount, **CUSTOMER})
            assert created.status_code == 200, created.text
            order_id = created.json()["order_id"]
            for outcome, message in attempts:
                body = {"outcome": outcome, **({"message": message} if message else {})}
                recorded = client.post(
                    f"/_fake-cashfree/control/orders/{order_id}/attempts", json=body
                )
                assert recorded.status_code == 200, recorded.text
            ids.append(order_id)
    return ids


def sign_in(page: Page, app: LiveServer) -> None:
    page.goto("/admin")
    page.get_by_label("Admin token").fill(app.admin_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body[data-loaded='true']")).to_be_attached()


def test_the_dashboard_reloads_itself_while_shown(page: Page, app: LiveServer) -> None:
    page.clock.install()
    sign_in(page, app)
    tiles = page.locator("#tiles")
    expect(tiles).to_contain_text("Orders0")
    expect(page.locator("#updated-at")).to_have_attribute("aria-live", "polite")
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # time moves only when told

    [paid] = orders_with(app, [[("SUCCESS", "")]])
    page.clock.run_for(10_000)
    page.wait_for_timeout(1000)  # any reload the 10 s started has answered by now
    assert "Orders0" in (tiles.text_content() or ""), "no reload before 15 s"
    page.clock.run_for(6_000)

    expect(page.locator(f"#orders-table tr[data-order-id='{paid}']")).to_contain_text("Paid")
    expect(page.locator("#tiles")).to_contain_text("Orders1")
    expect(page.locator("#updated-at")).to_have_attribute("aria-live", "off")
    expect(page.locator("#updated-at")).to_contain_text("again every 15 s")


def test_drop_outs_are_neither_counted_nor_drawn_as_failures(page: Page, app: LiveServer) -> None:
    orders_with(
        app,
        [
            [("SUCCESS", "")],
            [("FAILED", "Card expired")],
            [("USER_DROPPED", "")],
            [("USER_DROPPED", ""), ("SUCCESS", "")],
        ],
    )
    sign_in(page, app)
    tiles = page.locator("#tiles")
    expect(tiles).to_contain_text("Failed attempts1")
    expect(tiles).to_contain_text("Drop-outs2")
    expect(page.locator("#hourly-chart svg")).to_have_attribute(
        "aria-label",
        "Payment attempts per hour, last 24 hours: "
        "2 successful, 1 failed, 2 dropped out, 0 pending",
    )
    reasons = page.locator("#reasons-chart svg")
    expect(reasons.locator("rect")).to_have_count(1)
    expect(reasons).to_have_attribute("aria-label", "Failure reasons: Card expired 1")
    unpaid = page.locator("#failed-table tbody tr")
    expect(unpaid.filter(has_text="Dropped out")).to_have_count(2)
    expect(unpaid.filter(has_text="Declined")).to_have_count(1)


def test_statuses_read_as_words(page: Page, app: LiveServer) -> None:
    orders_with(app, [[("SUCCESS", "")], [("FAILED", "Card expired")], [("USER_DROPPED", "")], []])
    sign_in(page, app)
    statuses = page.locator("#orders-table tbody td[data-label='Status']")
    expect(statuses).to_have_count(4)
    assert sorted(statuses.all_inner_texts()) == [
        "Awaiting payment",
        "Declined",
        "Dropped out",
        "Paid",
    ]
    raw = re.compile(r"\b(SUCCESS|FAILED|USER_DROPPED|PENDING)\b")
    for table in ("#orders-table", "#failed-table"):
        text = page.locator(table).inner_text()
        assert not raw.search(text), f"{table}: {text}"


def test_tables_come_a_page_at_a_time(page: Page, app: LiveServer) -> None:
    ids = orders_with(app, [[("FAILED", "Card expired")]] * 13)
    sign_in(page, app)
    orders = page.locator("#orders-table tbody tr")
    expect(orders).to_have_count(10)
    expect(orders.first).to_have_attribute("data-order-id", ids[-1])
    pager = page.get_by_role("navigation", name="Orders pages")
    expect(pager.get_by_role("button", name="Newer")).to_be_disabled()
    expect(pager).to_contain_text("1\u201310")
    pager.get_by_role("button", name="Older").click()
    expect(orders).to_have_count(3)
    expect(orders.last).to_have_attribute("data-order-id", ids[0])
    expect(pager).to_contain_text("11\u201313")
    expect(pager.get_by_role("button", name="Older")).to_be_disabled()
    expect(page.locator("#failed-table tbody tr")).to_have_count(10)
    expect(page.get_by_role("navigation", name="Attempts pages")).to_be_visible()
    expect(page.get_by_role("navigation", name="Refunds pages")).to_be_hidden()
    pager.get_by_role("button", name="Newer").click()
    expect(orders.first).to_have_attribute("data-order-id", ids[-1])


def test_the_phone_page_does_not_grow_with_the_orders(page: Page, app: LiveServer) -> None:
    orders_with(app, [[("FAILED", "Card expired")]] * 12)
    sign_in(page, app)
    few = page.evaluate("document.documentElement.scrollHeight")
    orders_with(app, [[("FAILED", "Card expired")]] * 22)
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator("#tiles")).to_contain_text("Orders34")
    many = page.evaluate("document.documentElement.scrollHeight")
    assert abs(many - few) < 40, (few, many)
    assert many < 9000, f"the dashboard is {many}px tall on a phone"


@pytest.mark.parametrize("width", [360, 1280])
def test_ids_and_times_stay_on_one_line(page: Page, app: LiveServer, width: int) -> None:
    orders_with(app, [[("SUCCESS", "")], [("FAILED", "Transaction declined by the issuing bank")]])
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, app)
    tokens = page.locator(
        "#orders-table code, #orders-table time, #failed-table code, #failed-table time"
    )
    expect(tokens).to_have_count(6)
    broken = page.evaluate(
        """() => [...document.querySelectorAll(
            "#orders-table code, #orders-table time, #failed-table code, #failed-table time"
        )].filter((token) => token.getClientRects().length !== 1).map((t) => t.textContent)"""
    )
    assert broken == []


def test_axis_ticks_are_round_numbers(page: Page, app: LiveServer) -> None:
    orders_with(app, [[("FAILED", "Card expired")]] * 7)
    sign_in(page, app)
    labels = page.locator("#hourly-chart svg > text").evaluate_all(
        "nodes => nodes.map((node) => node.textContent)"
    )
    ticks = [int(label) for label in labels if label.isdigit()]
    assert ticks[0] == 0 and ticks[-1] >= 7
    step = ticks[1] - ticks[0]
    assert step in {1, 2, 5, 10, 20, 50}
    assert ticks == list(range(0, ticks[-1] + 1, step)), ticks
