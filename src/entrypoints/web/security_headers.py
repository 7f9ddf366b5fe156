"""Security headers on every answer of the app (pages, API, static files, the simulator).

A pure ASGI middleware like `RequestContextMiddleware`: it adds each header the answer does
not already carry, so a route that sets its own policy keeps it. The simulator's hosted
checkout does: it is framed by the checkout page (the modal flow) and says
`frame-ancestors *`, while everything else here refuses to be framed.

The Content-Security-Policy allows scripts from this origin only (no inline script, no
eval) plus, with the real gateway, the origins Cashfree documents for its JS SDK
(`sdk.cashfree.com` for the script, its checkout hosts for frames, connections and the
redirect form). In fake mode the simulator is served from this origin under
/_fake-cashfree, so 'self' covers its `cashfree.js` and checkout frame.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.settings import Settings

# Cashfree's documented CSP sources for Cashfree.js v3 (script, frames, connections).
CASHFREE_SDK_ORIGIN = "https://sdk.cashfree.com"
CASHFREE_CHECKOUT_ORIGINS = (
    "https://api.cashfree.com",
    "https://sandbox.cashfree.com",
    "https://payments.cashfree.com",
    "https://payments-test.cashfree.com",
)
HSTS_SECONDS = 365 * 24 * 3600


def content_security_policy(settings: Settings) -> str:
    """The page policy for this gateway; see the module docstring."""
    scripts = ["'self'"]
    gateway = ["'self'"]
    styles = ["'self'"]
    if not settings.is_fake:
        scripts.append(CASHFREE_SDK_ORIGIN)
        gateway += [CASHFREE_SDK_ORIGIN, *CASHFREE_CHECKOUT_ORIGINS]
        # Cashfree documents no style sources for its modal: inline styles are allowed with
        # the real SDK (never inline script).
        styles.append("'unsafe-inline'")
    gateway_sources = " ".join(gateway)
    directives = (
        "default-src 'self'",
        f"script-src {' '.join(scripts)}",
        f"style-src {' '.join(styles)}",
        "img-src 'self' data:",
        f"connect-src {gateway_sources}",
        f"frame-src {gateway_sources}",
        f"form-action {gateway_sources}",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    )
    return "; ".join(directives)


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    headers = {
        "content-security-policy": content_security_policy(settings),
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
    }
    if settings.public_url.startswith("https://"):
        headers["strict-transport-security"] = f"max-age={HSTS_SECONDS}"
    return [(name.encode(), value.encode()) for name, value in headers.items()]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = list(message.get("headers", ()))
                names = {name.lower() for name, _ in present}
                missing = [header for header in self.headers if header[0] not in names]
                message["headers"] = [*present, *missing]
            await send(message)

        await self.app(scope, receive, send_with_headers)
