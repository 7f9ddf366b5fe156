"""Every answer carries the security headers; the simulator's hosted checkout stays framable."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from entrypoints.settings import Settings
from entrypoints.web.pages import PAGES, STATIC_DIR
from integration.web_checkout.live_server import build_app

CUSTOMER = {
    "customerName": "Asha Rao",
    "customerEmail": "a@example.com",
    "customerPhone": "9876543210",
}
BASE = {"store_url": "memory://", "admin_token": "t" * 32}
FAKE = {**BASE, "payment_gateway": "fake"}
CASHFREE = {
    **BASE,
    "payment_gateway": "cashfree",
    "cashfree_app_id": "TEST_APP",
    "cashfree_secret_key": "test-secret",
    "cashfree_base_url": "http://127.0.0.1:9/pg",
}
PATHS = [*PAGES, "/api/payment/config", "/static/style.css", "/static/checkout.js", "/nowhere"]


@pytest.fixture
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    settings: dict[str, Any] = getattr(request, "param", FAKE)
    app, _ = build_app(Settings(**settings))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        yield http


def directives(policy: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in policy.split(";") if d.strip())
    return {name: sources for name, *sources in parts}


@pytest.mark.parametrize("path", PATHS)
async def test_every_answer_carries_the_headers(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    policy = directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert "strict-transport-security" not in response.headers


async def test_the_api_and_errors_carry_them_too(client: httpx.AsyncClient) -> None:
    bad = await client.post("/api/payment/create-order", json={"amount": "x"})
    assert bad.status_code == 400
    ok = await client.post("/api/payment/create-order", json={"amount": "10", **CUSTOMER})
    assert ok.status_code == 200
    for response in (bad, ok, await client.get("/health")):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_simulators_hosted_checkout_may_still_be_framed(
    client: httpx.AsyncClient,
) -> None:
    order = (
        await client.post("/api/payment/create-order", json={"amount": "10", **CUSTOMER})
    ).json()
    page = await client.get(f"/_fake-cashfree/checkout/{order['payment_session_id']}?flow=modal")
    assert page.status_code == 200
    assert page.headers.get_list("content-security-policy") == [
        page.headers["content-security-policy"]
    ]
    assert directives(page.headers["content-security-policy"])["frame-ancestors"] == ["*"]
    # the simulator's API is this service's test double: no page may frame it
    api = await client.get("/_fake-cashfree/control/webhooks")
    assert "frame-ancestors 'none'" in api.headers["content-security-policy"]


@pytest.mark.parametrize("client", [CASHFREE], indirect=True)
async def test_cashfree_mode_allows_the_sdk_origin(client: httpx.AsyncClient) -> None:
    response = await client.get("/checkout")
    policy = directives(response.headers["content-security-policy"])
    assert policy["script-src"] == ["'self'", "https://sdk.cashfree.com"]
    assert "https://sdk.cashfree.com" in policy["frame-src"]
    assert "https://sandbox.cashfree.com" in policy["frame-src"]
    assert "https://api.cashfree.com" in policy["connect-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("client", [{**FAKE, "public_url": "https://shop.example"}], indirect=True)
async def test_hsts_when_the_public_url_is_https(client: httpx.AsyncClient) -> None:
    response = await client.get("/checkout")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


class InlineScripts(HTMLParser):
    """Script the policy would refuse: inline <script> bodies and on* handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        self.found += [f"{tag} {name}" for name in names if name.startswith("on")]
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        self._in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("inline script text")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


@pytest.mark.parametrize("page", sorted(set(PAGES.values())))
def test_pages_keep_scripts_in_files(page: str) -> None:
    parser = InlineScripts()
    parser.feed((STATIC_DIR / page).read_text(encoding="utf-8"))
    assert parser.found == []
    assert not re.search(r"javascript:", (STATIC_DIR / page).read_text(encoding="utf-8"))
