"""The real app under uvicorn on a free loopback port, in a background thread.

Shared by the web checkout's integration tests, the browser tests and the failure
detection benchmark: each gets a fresh store in a temporary directory.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from dependency_injector import providers
from starlette.applications import Starlette
from starlette.types import ASGIApp

from application.ports import Store
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from entrypoints.web.app import create_app

ADMIN_TOKEN = "test-admin-token-for-web-checkout"
START_TIMEOUT_SECONDS = 10.0


@dataclass
class LiveServer:
    base_url: str
    container: Container
    admin_token: str = ADMIN_TOKEN

    @property
    def fake_url(self) -> str:
        return f"{self.base_url}/_fake-cashfree"


def build_app(settings: Settings) -> tuple[Starlette, Container]:
    container = build_container(settings)
    return create_app(container), container


@contextmanager
def served(app: ASGIApp, sock: socket.socket | None = None) -> Iterator[str]:
    """`app` under uvicorn in a background thread, on `sock` or a free loopback port;
    yields its base URL and stops it on exit."""
    sock = sock or free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def live_server(
    store_dir: Path, store: Store | None = None, **settings: Any
) -> Iterator[LiveServer]:
    """Serve the app in fake mode; `settings` override Settings fields (e.g. intervals);
    `store`, when given, replaces the one STORE_URL names (a private PostgreSQL schema)."""
    sock = free_socket()
    port = sock.getsockname()[1]
    values: dict[str, Any] = {
        "payment_gateway": "fake",
        "cashfree_environment": "SANDBOX",
        "store_url": f"sqlite:///{store_dir / 'checkout.db'}",
        "admin_token": ADMIN_TOKEN,
        "host": "127.0.0.1",
        "port": port,
        "log_level": "WARNING",
        **settings,
    }
    app, container = build_app(Settings(**values))
    if store is not None:
        container.store.override(providers.Object(store))
    with served(app, sock) as base_url:
        yield LiveServer(base_url=base_url, container=container)
