"""pytest fixtures that give any project the Cashfree simulator (entry point `fake_cashfree`).

`fake_cashfree` runs it in-process (an httpx client over ASGI, no socket) for tests that
call Cashfree from Python; `fake_cashfree_server` serves it with uvicorn on a free
127.0.0.1 port in a background thread, for SDKs, other processes and browsers. Both are
fresh for every test and configured by one overridable fixture, `fake_cashfree_settings`
(credentials, where webhooks go, how fast their retries run).
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from cashfree_simulator.app import create_simulator_app
from cashfree_simulator.simulator import CashfreeSimulator, build_simulator, generate_credentials

HAS_PYTEST_ASYNCIO = importlib.util.find_spec("pytest_asyncio") is not None

T = TypeVar("T")

API_VERSION = "2025-01-01"
IN_PROCESS_BASE_URL = "http://fake-cashfree.test"
START_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class FakeCashfreeSettings:
    """How a test's simulator is set up; override the `fake_cashfree_settings` fixture.

    `webhook_transport` carries webhooks (None: real HTTP to each order's notify_url; an
    `httpx.ASGITransport(app=...)` delivers them into an app in-process).
    `webhook_time_scale` divides Cashfree's 2/10/30-minute retry schedule.
    """

    app_id: str
    secret: str = field(repr=False)
    webhook_transport: httpx.AsyncBaseTransport | None = None
    webhook_time_scale: float = 1.0


def generated_settings() -> FakeCashfreeSettings:
    """Fresh test credentials, shaped like Cashfree's sandbox ones."""
    app_id, secret = generate_credentials()
    return FakeCashfreeSettings(app_id=app_id, secret=secret)


@dataclass
class _Running:
    """A simulator, its app, and the webhook client lent to it (if any) to close after it."""

    simulator: CashfreeSimulator
    app: Starlette
    webhook_client: httpx.AsyncClient | None

    async def aclose(self) -> None:
        await self.simulator.aclose()
        if self.webhook_client is not None:
            await self.webhook_client.aclose()


def _start(settings: FakeCashfreeSettings) -> _Running:
    webhook_client = None
    if settings.webhook_transport is not None:
        webhook_client = httpx.AsyncClient(transport=settings.webhook_transport, timeout=10.0)
    simulator = build_simulator(
        settings.app_id,
        settings.secret,
        webhook_client=webhook_client,
        webhook_time_scale=settings.webhook_time_scale,
    )
    return _Running(simulator, create_simulator_app(simulator), webhook_client)


def api_headers(settings: FakeCashfreeSettings) -> dict[str, str]:
    """The headers Cashfree's /pg API requires."""
    return {
        "x-client-id": settings.app_id,
        "x-client-secret": settings.secret,
        "x-api-version": API_VERSION,
    }


@dataclass
class FakeCashfree:
    """The simulator in-process: `client` is pre-authenticated, `simulator` the scenario API."""

    simulator: CashfreeSimulator
    app: Starlette
    client: httpx.AsyncClient
    settings: FakeCashfreeSettings

    @property
    def app_id(self) -> str:
        return self.settings.app_id

    @property
    def secret(self) -> str:
        return self.settings.secret

    @property
    def headers(self) -> dict[str, str]:
        return api_headers(self.settings)


class FakeCashfreeServer:
    """The simulator served by uvicorn on 127.0.0.1 in a thread with its own event loop.

    The simulator lives on that loop: call its async scenario methods through `run`
    (from synchronous code) or `arun` (from a coroutine), or use the /control HTTP API.
    """

    def __init__(self, settings: FakeCashfreeSettings) -> None:
        self.settings = settings
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._server: uvicorn.Server | None = None
        self._simulator: CashfreeSimulator | None = None
        self._thread = threading.Thread(target=self._serve, name="fake-cashfree", daemon=True)

    @property
    def app_id(self) -> str:
        return self.settings.app_id

    @property
    def secret(self) -> str:
        return self.settings.secret

    @property
    def api_url(self) -> str:
        """What a Cashfree client uses as its base URL (Cashfree's `.../pg`)."""
        return f"{self.base_url}/pg"

    @property
    def headers(self) -> dict[str, str]:
        return api_headers(self.settings)

    @property
    def simulator(self) -> CashfreeSimulator:
        if self._simulator is None:
            raise RuntimeError("the simulator server is not running")
        return self._simulator

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_SECONDS):
            raise RuntimeError("the simulator server did not start in time")
        if self._failure is not None:
            raise RuntimeError("the simulator server failed to start") from self._failure

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(START_TIMEOUT_SECONDS)
        self._socket.close()
        if not self._thread.is_alive():
            self._loop.close()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a scenario coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(START_TIMEOUT_SECONDS)

    async def arun(self, work: Coroutine[Any, Any, T]) -> T:
        """`run` for async tests: the test's own loop keeps running while it waits."""
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), START_TIMEOUT_SECONDS)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start(), which runs on the test's thread
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        running = _start(self.settings)
        config = uvicorn.Config(
            running.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._simulator, self._server = running.simulator, server
        serving = asyncio.create_task(server.serve(sockets=[self._socket]))
        try:
            while not server.started:
                if serving.done():
                    serving.result()
                    raise RuntimeError("uvicorn stopped before it started")
                await asyncio.sleep(0.005)
            self._ready.set()
            await serving
        finally:
            await running.aclose()


@pytest.fixture
def fake_cashfree_settings() -> FakeCashfreeSettings:
    """Generated credentials, real HTTP webhooks; override in a conftest to change them."""
    return generated_settings()


@pytest.fixture
def fake_cashfree_server(
    fake_cashfree_settings: FakeCashfreeSettings,
) -> Iterator[FakeCashfreeServer]:
    """The simulator on a free 127.0.0.1 port: `.base_url`, `.app_id`, `.secret`, `.simulator`."""
    server = FakeCashfreeServer(fake_cashfree_settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _in_process(settings: FakeCashfreeSettings) -> AsyncIterator[FakeCashfree]:
    running = _start(settings)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app),
        base_url=IN_PROCESS_BASE_URL,
        headers=api_headers(settings),
    )
    try:
        yield FakeCashfree(running.simulator, running.app, client, settings)
    finally:
        await client.aclose()
        await running.aclose()


if HAS_PYTEST_ASYNCIO:
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def fake_cashfree(
        fake_cashfree_settings: FakeCashfreeSettings,
    ) -> AsyncIterator[FakeCashfree]:
        """The simulator in-process: `.simulator`, `.app`, `.client` (httpx over ASGI)."""
        async for fake in _in_process(fake_cashfree_settings):
            yield fake

else:  # pragma: no cover - exercised only in projects without pytest-asyncio

    @pytest.fixture
    def fake_cashfree() -> None:
        """The in-process simulator is async; it needs pytest-asyncio installed."""
        pytest.fail("the fake_cashfree fixture needs pytest-asyncio; fake_cashfree_server does not")
