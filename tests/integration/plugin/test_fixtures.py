"""The plugin's fixtures, used directly the way another project's tests would use them."""

from __future__ import annotations

import httpx
import pytest

from cashfree_simulator.pytest_plugin import FakeCashfree, FakeCashfreeServer, generated_settings

ORDER = {
    "order_id": "plugin_order_1",
    "order_amount": 250,
    "order_currency": "INR",
    "customer_details": {"customer_id": "plugin_c1", "customer_phone": "9876543210"},
}


async def test_in_process_fixture_serves_the_api_and_the_scenarios(
    fake_cashfree: FakeCashfree,
) -> None:
    created = await fake_cashfree.client.post("/pg/orders", json=ORDER)
    assert created.status_code == 200
    await fake_cashfree.simulator.record_attempt("plugin_order_1", "SUCCESS")
    order = (await fake_cashfree.client.get("/pg/orders/plugin_order_1")).json()
    assert order["order_status"] == "PAID"
    assert fake_cashfree.headers["x-client-id"] == fake_cashfree.app_id
    assert fake_cashfree.simulator.credentials_match(fake_cashfree.app_id, fake_cashfree.secret)


async def test_in_process_fixture_is_fresh_for_each_test(fake_cashfree: FakeCashfree) -> None:
    missing = await fake_cashfree.client.get("/pg/orders/plugin_order_1")
    assert missing.status_code == 404


def test_generated_credentials_differ_and_hide_the_secret() -> None:
    first, second = generated_settings(), generated_settings()
    assert first.app_id != second.app_id
    assert first.secret != second.secret
    assert first.secret not in repr(first)


def test_live_server_speaks_http_on_loopback(fake_cashfree_server: FakeCashfreeServer) -> None:
    assert fake_cashfree_server.base_url.startswith("http://127.0.0.1:")
    headers = fake_cashfree_server.headers
    created = httpx.post(f"{fake_cashfree_server.api_url}/orders", json=ORDER, headers=headers)
    assert created.status_code == 200
    denied = httpx.get(
        f"{fake_cashfree_server.api_url}/orders/plugin_order_1",
        headers={**headers, "x-client-secret": "wrong"},
    )
    assert denied.status_code == 401
    payment = fake_cashfree_server.run(
        fake_cashfree_server.simulator.record_attempt("plugin_order_1", "FAILED", "Card expired")
    )
    assert payment["payment_status"] == "FAILED"
    listed = httpx.get(
        f"{fake_cashfree_server.api_url}/orders/plugin_order_1/payments", headers=headers
    ).json()
    assert [p["payment_message"] for p in listed] == ["Card expired"]
    session = created.json()["payment_session_id"]
    page = httpx.get(f"{fake_cashfree_server.base_url}/checkout/{session}")
    assert page.status_code == 200
    assert httpx.get(f"{fake_cashfree_server.base_url}/cashfree.js").status_code == 200


async def test_live_server_scenarios_from_an_async_test(
    fake_cashfree_server: FakeCashfreeServer,
) -> None:
    async with httpx.AsyncClient(
        base_url=fake_cashfree_server.api_url, headers=fake_cashfree_server.headers
    ) as client:
        assert (await client.post("/orders", json=ORDER)).status_code == 200
        expired = await fake_cashfree_server.arun(
            fake_cashfree_server.simulator.expire_order("plugin_order_1")
        )
        assert expired["order_status"] == "EXPIRED"
        assert (await client.get("/orders/plugin_order_1")).json()["order_status"] == "EXPIRED"


def test_a_stopped_server_refuses_connections() -> None:
    server = FakeCashfreeServer(generated_settings())
    server.start()
    url = f"{server.base_url}/cashfree.js"
    assert httpx.get(url).status_code == 200
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)
