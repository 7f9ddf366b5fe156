"""The pages, their assets and the public config, as a browser first fetches them."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest

from entrypoints.settings import Settings
from entrypoints.web.pages import CASHFREE_SDK_URL, PAGES, STATIC_DIR
from integration.web_checkout.live_server import LiveServer, build_app

SECRET = "cfsk_ma_test_this_must_never_reach_a_browser"


class PageOutline(HTMLParser):
    """Collects what the accessibility checks need: labels, inputs, scripts, language."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.viewport = False
        self.label_targets: set[str] = set()
        self.inputs: list[dict[str, str]] = []
        self.scripts: list[str] = []
        self.h1 = 0
        self.main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "meta" and values.get("name") == "viewport":
            self.viewport = "width=device-width" in values.get("content", "")
        elif tag == "label" and "for" in values:
            self.label_targets.add(values["for"])
        elif tag == "input":
            self.inputs.append(values)
        elif tag == "script" and "src" in values:
            self.scripts.append(values["src"])
        elif tag == "h1":
            self.h1 += 1
        elif tag == "main":
            self.main = True


def outline(html: str) -> PageOutline:
    parser = PageOutline()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_page_is_accessible_html(server: LiveServer, path: str) -> None:
    response = httpx.get(server.base_url + path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = outline(response.text)
    assert page.lang == "en" and page.viewport and page.main and page.h1 == 1
    for field in page.inputs:
        if field.get("type") != "radio":
            assert field.get("id") in page.label_targets, f"{path}: input without a label {field}"
    for script in page.scripts:
        asset = httpx.get(server.base_url + script)
        assert asset.status_code == 200, script
        assert "javascript" in asset.headers["content-type"]


def test_every_imported_module_is_served(server: LiveServer) -> None:
    """A module that imports a missing file breaks its page silently in the browser."""
    for script in sorted(STATIC_DIR.glob("*.js")):
        for line in script.read_text().splitlines():
            if ' from "./' in line or line.startswith('} from "./'):
                name = line.split('"./', 1)[1].split('"', 1)[0]
                assert (STATIC_DIR / name).is_file(), f"{script.name} imports missing {name}"
        assert httpx.get(f"{server.base_url}/static/{script.name}").status_code == 200


def test_fake_mode_loads_the_simulators_cashfree_js(server: LiveServer) -> None:
    config = httpx.get(f"{server.base_url}/api/payment/config").json()
    assert config == {
        "environment": "SANDBOX",
        "gateway": "fake",
        "mode": "sandbox",
        "sdkUrl": "/_fake-cashfree/cashfree.js",
    }
    sdk = httpx.get(server.base_url + config["sdkUrl"])
    assert sdk.status_code == 200 and "checkout" in sdk.text


ADMIN_TOKEN_NOT_SHOWN = "admin-token-not-shown-0123456789-x"


@pytest.mark.parametrize("environment", ["SANDBOX", "PRODUCTION"])
async def test_cashfree_mode_loads_cashfree_js_v3(environment: str) -> None:
    settings = Settings.model_validate(
        {
            "payment_gateway": "cashfree",
            "cashfree_environment": environment,
            "cashfree_app_id": "TEST_APP_ID",
            "cashfree_secret_key": SECRET,
            "store_url": "memory://",
            "admin_token": ADMIN_TOKEN_NOT_SHOWN,
        }
    )
    app, _ = build_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/api/payment/config")
    assert response.json() == {
        "environment": environment,
        "gateway": "cashfree",
        "mode": environment.lower(),
        "sdkUrl": CASHFREE_SDK_URL,
    }
    assert SECRET not in response.text and ADMIN_TOKEN_NOT_SHOWN not in response.text


@pytest.mark.parametrize("path", ["/success", "/failure", "/return"])
def test_outcome_pages_claim_no_outcome_before_they_know_it(server: LiveServer, path: str) -> None:
    """The title is what a tab, a history entry and a screen reader show first."""
    html = httpx.get(server.base_url + path).text
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "successful" not in title.lower() and "failed" not in title.lower(), title


def test_the_favicon_is_an_icon(server: LiveServer) -> None:
    response = httpx.get(server.base_url + "/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00", "an ICO file header"
    assert b"\x89PNG" in response.content
