"""Another project's test suite picks the fixtures up from the `pytest11` entry point alone."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

README_EXAMPLE = """
import pytest

@pytest.mark.asyncio
async def test_checkout_fails_then_pays(fake_cashfree):
    order = {"order_id": "ext_1", "order_amount": 10, "order_currency": "INR",
             "customer_details": {"customer_id": "ext_c1", "customer_phone": "9876543210"}}
    assert (await fake_cashfree.client.post("/pg/orders", json=order)).status_code == 200
    await fake_cashfree.simulator.record_attempt("ext_1", "FAILED", "Insufficient funds")
    await fake_cashfree.simulator.record_attempt("ext_1", "SUCCESS")
    payments = (await fake_cashfree.client.get("/pg/orders/ext_1/payments")).json()
    assert [p["payment_status"] for p in payments] == ["FAILED", "SUCCESS"]


def test_live_server(fake_cashfree_server):
    import httpx
    response = httpx.get(fake_cashfree_server.api_url + "/orders/nope",
                         headers=fake_cashfree_server.headers)
    assert response.status_code == 404
"""


CUSTOM_CONFTEST = """
import pytest
from cashfree_simulator.pytest_plugin import FakeCashfreeSettings

@pytest.fixture
def fake_cashfree_settings():
    return FakeCashfreeSettings(app_id="TEST_MY_APP", secret="cfsk_ma_test_mine")
"""

CUSTOM_TEST = """
def test_credentials(fake_cashfree_server):
    import httpx
    assert fake_cashfree_server.app_id == "TEST_MY_APP"
    headers = {"x-client-id": "TEST_MY_APP", "x-client-secret": "cfsk_ma_test_mine",
               "x-api-version": "2025-01-01"}
    assert httpx.get(fake_cashfree_server.api_url + "/orders/x1x",
                     headers=headers).status_code == 404
"""


def test_an_outside_project_uses_the_fixtures_and_overrides_the_settings(
    pytester: pytest.Pytester,
) -> None:
    """One subprocess: the example at the top level, a conftest override in a subfolder."""
    pytester.makepyfile(test_outside=README_EXAMPLE)
    custom = pytester.mkpydir("custom")
    (custom / "conftest.py").write_text(CUSTOM_CONFTEST)
    (custom / "test_credentials.py").write_text(CUSTOM_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=3)
