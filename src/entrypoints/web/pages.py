"""The customer's and the operator's pages: static HTML and vanilla JS, no build step.

The pages are plain files under `static/`; this module maps their paths, mounts the
assets and answers the one question the browser cannot: which Cashfree JS to load.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from entrypoints.settings import FAKE_MOUNT, Settings

STATIC_DIR = Path(__file__).with_name("static")
CASHFREE_SDK_URL = "https://sdk.cashfree.com/js/v3/cashfree.js"
FAKE_SDK_URL = f"{FAKE_MOUNT}/cashfree.js"

# Pages are never cached: a deploy must not leave a customer on an old checkout.
PAGES = {
    "/": "index.html",
    "/checkout": "checkout.html",
    "/success": "success.html",
    "/failure": "failure.html",
    "/return": "return.html",
    "/admin": "admin.html",
    "/admin/customer": "admin-customer.html",
}
NO_STORE = {"Cache-Control": "no-store"}
FAVICON = STATIC_DIR / "favicon.ico"


def _page(filename: str) -> Callable[[Request], Awaitable[FileResponse]]:
    path = STATIC_DIR / filename

    async def serve(request: Request) -> FileResponse:
        return FileResponse(path, media_type="text/html; charset=utf-8", headers=NO_STORE)

    return serve


async def _favicon(request: Request) -> FileResponse:
    """Browsers ask every site for /favicon.ico; a 404 there is noise in every log."""
    return FileResponse(
        FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
    )


def _payment_config(settings: Settings) -> Callable[[Request], Awaitable[JSONResponse]]:
    """Public settings for the checkout page; carries no credential."""
    fake = settings.payment_gateway == "fake"
    config = {
        "environment": settings.cashfree_environment,
        "gateway": settings.payment_gateway,
        "mode": settings.cashfree_environment.lower(),
        "sdkUrl": FAKE_SDK_URL if fake else CASHFREE_SDK_URL,
    }

    async def payment_config(request: Request) -> JSONResponse:
        return JSONResponse(config, headers=NO_STORE)

    return payment_config


def page_routes(settings: Settings) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route(path, _page(filename), methods=["GET", "HEAD"]) for path, filename in PAGES.items()
    ]
    routes.append(Route("/favicon.ico", _favicon, methods=["GET", "HEAD"]))
    routes.append(Route("/api/payment/config", _payment_config(settings), methods=["GET"]))
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"))
    return routes
