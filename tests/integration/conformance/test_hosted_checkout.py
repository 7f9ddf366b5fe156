"""The hosted checkout and cashfree.js, rendered and driven over HTTP (no browser)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from cashfree_simulator.checkout_pages import format_amount, return_url_for
from cashfree_simulator.pytest_plugin import FakeCashfree

from .conftest import order_body


async def _session(fake: FakeCashfree, order_id: str, **changes: object) -> str:
    body = {**order_body(order_id), **changes}
    response = await fake.client.post("/pg/orders", json=body)
    assert response.status_code == 200, response.text
    session: str = response.json()["payment_session_id"]
    return session


async def test_the_page_shows_the_order_and_every_outcome(fake_cashfree: FakeCashfree) -> None:
    session = await _session(fake_cashfree, "page_order_1")
    page = await fake_cashfree.client.get(f"/checkout/{session}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors *" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "page_order_1" in html
    assert "\u20b91,234.50" in html
    for control in ("pay-upi", "pay-card", "pay-pending", "pay-fail", "cancel"):
        assert f'id="{control}"' in html
    assert '<label for="failure-message">' in html
    assert "Insufficient funds in the account" in html
    assert 'data-flow="redirect"' in html
    assert f'data-pay-url="/checkout/{session}/pay"' in html
    assert fake_cashfree.secret not in html


async def test_the_modal_flow_trusts_only_a_bare_parent_origin(
    fake_cashfree: FakeCashfree,
) -> None:
    session = await _session(fake_cashfree, "page_order_2")
    modal = await fake_cashfree.client.get(
        f"/checkout/{session}",
        params={"flow": "modal", "parent_origin": "https://shop.example:8443"},
    )
    assert 'data-flow="modal"' in modal.text
    assert 'data-parent-origin="https://shop.example:8443"' in modal.text
    hostile = await fake_cashfree.client.get(
        f"/checkout/{session}",
        params={"flow": "modal", "parent_origin": 'javascript:alert(1)//"><script>'},
    )
    assert 'data-parent-origin=""' in hostile.text
    assert "<script>" not in hostile.text.split("</main>")[0]


async def test_customer_text_is_escaped(fake_cashfree: FakeCashfree) -> None:
    customer = {"customer_id": "cust_3", "customer_phone": "9876543210"}
    customer["customer_name"] = "<b>Mal</b>"
    session = await _session(fake_cashfree, "page_order_3", customer_details=customer)
    page = await fake_cashfree.client.get(f"/checkout/{session}")
    assert "&lt;b&gt;Mal&lt;/b&gt;" in page.text
    assert "<b>Mal</b>" not in page.text


async def test_unknown_expired_and_paid_sessions_get_clear_pages(
    fake_cashfree: FakeCashfree,
) -> None:
    unknown = await fake_cashfree.client.get("/checkout/session_nope")
    assert unknown.status_code == 404
    assert "Checkout not found" in unknown.text

    expiring = await _session(fake_cashfree, "page_order_4")
    await fake_cashfree.simulator.expire_order("page_order_4")
    expired = await fake_cashfree.client.get(f"/checkout/{expiring}")
    assert expired.status_code == 410
    assert "expired" in expired.text
    refused = await fake_cashfree.client.post(
        f"/checkout/{expiring}/pay", json={"outcome": "SUCCESS", "method": "upi"}
    )
    assert refused.status_code == 410
    assert refused.json()["code"] == "order_expired"

    paying = await _session(fake_cashfree, "page_order_5")
    await fake_cashfree.simulator.record_attempt("page_order_5", "SUCCESS")
    paid = await fake_cashfree.client.get(f"/checkout/{paying}")
    assert paid.status_code == 409
    assert "already been paid" in paid.text


async def test_paying_records_the_attempt_sends_the_webhook_and_names_the_return_url(
    fake_cashfree: FakeCashfree,
) -> None:
    session = await _session(fake_cashfree, "page_order_6")
    answer = await fake_cashfree.client.post(
        f"/checkout/{session}/pay", json={"outcome": "SUCCESS", "method": "card"}
    )
    assert answer.status_code == 200
    result = answer.json()
    assert result["payment"]["payment_status"] == "SUCCESS"
    assert result["payment"]["payment_group"] == "credit_card"
    assert result["redirect_url"] == "http://merchant.test/return?order_id=page_order_6"
    order = (await fake_cashfree.client.get("/pg/orders/page_order_6")).json()
    assert order["order_status"] == "PAID"
    log = (await fake_cashfree.client.get("/control/webhooks")).json()
    assert ['"PAYMENT_SUCCESS_WEBHOOK"' in entry["body"] for entry in log] == [True]


async def test_a_failure_keeps_the_order_open_with_the_chosen_bank_message(
    fake_cashfree: FakeCashfree,
) -> None:
    session = await _session(fake_cashfree, "page_order_7")
    answer = await fake_cashfree.client.post(
        f"/checkout/{session}/pay",
        json={"outcome": "FAILED", "method": "card", "message": "Card expired"},
    )
    payment = answer.json()["payment"]
    assert (payment["payment_status"], payment["payment_message"]) == ("FAILED", "Card expired")
    order = (await fake_cashfree.client.get("/pg/orders/page_order_7")).json()
    assert order["order_status"] == "ACTIVE"
    again = await fake_cashfree.client.get(f"/checkout/{session}")
    assert again.status_code == 200


async def test_a_forced_outcome_overrides_the_customers_choice(
    fake_cashfree: FakeCashfree,
) -> None:
    session = await _session(fake_cashfree, "page_order_8")
    fake_cashfree.simulator.force_next_outcome("FAILED", "Issuer bank is down")
    forced = await fake_cashfree.client.post(
        f"/checkout/{session}/pay", json={"outcome": "SUCCESS", "method": "upi"}
    )
    assert forced.json()["payment"]["payment_status"] == "FAILED"
    assert forced.json()["payment"]["payment_message"] == "Issuer bank is down"
    after = await fake_cashfree.client.post(
        f"/checkout/{session}/pay", json={"outcome": "SUCCESS", "method": "upi"}
    )
    assert after.json()["payment"]["payment_status"] == "SUCCESS"


async def test_pending_then_success_resolves_the_same_attempt(
    fake_cashfree: FakeCashfree,
) -> None:
    session = await _session(fake_cashfree, "page_order_9")
    pay_url = f"/checkout/{session}/pay"
    pending = (await fake_cashfree.client.post(pay_url, json={"outcome": "PENDING"})).json()
    assert pending["payment"]["payment_status"] == "PENDING"
    cf_payment_id = pending["payment"]["cf_payment_id"]
    settled = await fake_cashfree.client.post(
        pay_url, json={"outcome": "SUCCESS", "cf_payment_id": cf_payment_id}
    )
    assert settled.json()["payment"]["cf_payment_id"] == cf_payment_id
    payments = (await fake_cashfree.client.get("/pg/orders/page_order_9/payments")).json()
    assert [(p["cf_payment_id"], p["payment_status"]) for p in payments] == [
        (cf_payment_id, "SUCCESS")
    ]
    late = await fake_cashfree.client.post(pay_url, json={"outcome": "SUCCESS", "method": "upi"})
    assert late.status_code == 409
    assert late.json()["code"] == "order_already_paid"


async def test_a_payment_of_another_order_cannot_be_settled(fake_cashfree: FakeCashfree) -> None:
    session = await _session(fake_cashfree, "page_order_12")
    stranger = await fake_cashfree.client.post(
        f"/checkout/{session}/pay", json={"outcome": "SUCCESS", "cf_payment_id": "5114910000001"}
    )
    assert stranger.status_code == 404
    assert (await fake_cashfree.client.get("/pg/orders/page_order_12/payments")).json() == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"outcome": "MAYBE"}',
        b'{"outcome": "SUCCESS", "method": 7}',
        b'{"outcome": "FAILED", "message": ' + b'"' + b"x" * 201 + b'"}',
    ],
)
async def test_a_malformed_choice_is_a_400(fake_cashfree: FakeCashfree, body: bytes) -> None:
    session = await _session(fake_cashfree, "page_order_10")
    answer = await fake_cashfree.client.post(f"/checkout/{session}/pay", content=body)
    assert answer.status_code == 400
    assert set(answer.json()) == {"message", "code", "type"}
    payments = (await fake_cashfree.client.get("/pg/orders/page_order_10/payments")).json()
    assert payments == []


async def test_cashfree_js_and_the_page_assets_are_served(fake_cashfree: FakeCashfree) -> None:
    script = await fake_cashfree.client.get("/cashfree.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    assert "global.Cashfree = Cashfree" in script.text
    assert "document.currentScript" in script.text
    for name, kind in (("checkout.css", "text/css"), ("checkout.js", "application/javascript")):
        asset = await fake_cashfree.client.get(f"/checkout/assets/{name}")
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith(kind)
    assert (await fake_cashfree.client.get("/checkout/assets/checkout.html")).status_code == 404


async def test_mounted_under_a_prefix_the_page_links_stay_inside_it(
    fake_cashfree: FakeCashfree,
) -> None:
    outer = Starlette(routes=[Mount("/_fake-cashfree", app=fake_cashfree.app)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=outer), base_url="http://shop.test"
    ) as client:
        session = await _session(fake_cashfree, "page_order_11")
        page = await client.get(f"/_fake-cashfree/checkout/{session}")
        assert page.status_code == 200
        assert 'href="/_fake-cashfree/checkout/assets/checkout.css"' in page.text
        assert f'data-pay-url="/_fake-cashfree/checkout/{session}/pay"' in page.text
        paid = await client.post(
            f"/_fake-cashfree/checkout/{session}/pay", json={"outcome": "SUCCESS"}
        )
        assert paid.json()["payment"]["payment_status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("return_url", "expected"),
    [
        ("https://shop.in/return?order_id={order_id}", "https://shop.in/return?order_id=o_1"),
        ("https://shop.in/r/%7Border_id%7D", "https://shop.in/r/o_1"),
        ("https://shop.in/return", "https://shop.in/return?order_id=o_1"),
        ("https://shop.in/return?lang=hi", "https://shop.in/return?lang=hi&order_id=o_1"),
        ("https://shop.in/return?order_id=o_1", "https://shop.in/return?order_id=o_1"),
        ("https://shop.in/r?lang=hi&order_id=o_1", "https://shop.in/r?lang=hi&order_id=o_1"),
    ],
)
def test_return_url_gets_the_order_id_as_cashfree_does(return_url: str, expected: str) -> None:
    assert return_url_for(return_url, "o_1") == expected


def test_amounts_are_shown_exactly() -> None:
    assert format_amount("1234.5", "INR") == "\u20b91,234.50"
    assert format_amount(1, "USD") == "1.00 USD"


@pytest.mark.parametrize("mount", ["", "/_fake-cashfree"])
async def test_the_root_is_a_short_page_that_links_the_docs(
    fake_cashfree: FakeCashfree, mount: str
) -> None:
    outer = Starlette(routes=[Mount(mount, app=fake_cashfree.app)]) if mount else fake_cashfree.app
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=outer), base_url="http://shop.test"
    ) as client:
        page = await client.get(f"{mount}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<h1>Cashfree simulator</h1>" in page.text
    assert 'href="https://www.cashfree.com/docs/' in page.text
    assert f'href="{mount}/cashfree.js"' in page.text
    assert f'href="{mount}/checkout/assets/checkout.css"' in page.text
    assert "<script" not in page.text and "style=" not in page.text
    unknown = await fake_cashfree.client.get("/no-such-path")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "request_failed"
