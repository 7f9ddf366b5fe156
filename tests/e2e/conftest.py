"""Browser tests: Debian's Chromium driven by Playwright against the live app (fake mode)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright

from integration.web_checkout.live_server import LiveServer, live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE: ViewportSize = {"width": 360, "height": 780}
STEP_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs /usr/bin/chromium (.ci/run installs it with apt-get)")
        pytest.skip("no /usr/bin/chromium: install it with `apt-get install chromium`")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[LiveServer]:
    # the tests make dozens of orders and polls from one address (their own): no limits
    with live_server(
        tmp_path, watch_interval_seconds=0.5, rate_limit_create_order="", rate_limit_status=""
    ) as running:
        yield running


@pytest.fixture
def page(browser: Browser, app: LiveServer, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh phone-sized tab; its screenshot lands in test-artifacts/ whatever the result."""
    context = browser.new_context(base_url=app.base_url, viewport=PHONE)
    context.set_default_timeout(STEP_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        context.close()
