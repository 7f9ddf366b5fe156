"""Real processes for multi-process tests: the standalone Cashfree simulator and `checkout
serve` servers sharing one store through STORE_URL, as they run in production.

Each process gets a free loopback port, runs in its own session (so it and only it is
signalled) with its output in a log file under the test's directory (a pipe nobody reads
would block it), and is killed at the end if the test has not stopped it. Servers speak
to the simulator over HTTP (PAYMENT_GATEWAY=cashfree, CASHFREE_BASE_URL), with the same
credentials, so orders made through one server are known to the gateway every server
asks; the simulator's webhooks are dropped, and tests deliver signed ones themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from cashfree_simulator import wire

APP_ID = "TESTprocesses000001"
SECRET = "cfsk_ma_test_processes_secret_0000000"
ADMIN_TOKEN = "processes-admin-token-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BIN = Path(sys.executable).parent
PLANS_FILE = Path(__file__).resolve().parents[2] / "plans.toml"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
CUSTOMER = {
    "customerName": "Asha Rao",
    "customerEmail": "asha@example.com",
    "customerPhone": "9876543210",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Process:
    """One process this test started: where it listens and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path
    ready_path: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Wait until it answers `ready_path`; fail with its log if it exits or hangs."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not self.running:
                    raise AssertionError(
                        f"{self.name} exited with {self.popen.returncode}:\n{self.output()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(self.url + self.ready_path).status_code == 200:
                        return
                time.sleep(0.05)
        raise AssertionError(f"{self.name} did not answer within {timeout:g} s:\n{self.output()}")

    async def ready(self) -> None:
        await asyncio.to_thread(self.wait_ready)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine loses the process."""
        if self.running:
            self._signal(signal.SIGKILL)
            self.popen.wait(STOP_TIMEOUT_SECONDS)

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown), SIGKILL if it takes too long."""
        if not self.running:
            return
        self._signal(signal.SIGTERM)
        try:
            self.popen.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def events(self) -> list[dict[str, Any]]:
        """Its JSON log lines (LOG_FORMAT=json), in order."""
        events = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    events.append(json.loads(line))
        return events

    def _signal(self, sig: signal.Signals) -> None:
        """Signal its session (its own, see `_spawn`), never a reaped process's id."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)


def _spawn(
    name: str, argv: list[str], env: dict[str, str], work: Path, port: int, ready: str
) -> Process:
    work.mkdir(parents=True, exist_ok=True)
    log = work / f"{name}.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(
            argv,
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(name, popen, port, log, ready)


def _environment(**variables: str) -> dict[str, str]:
    """The runner's environment (PATH, locale) without any of the service's settings."""
    keep = {
        k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    }
    return {**keep, **variables}


def start_simulator(work: Path, *options: str, name: str = "simulator") -> Process:
    """`cashfree-simulator` with our credentials; `options` add to its command line."""
    port = free_port()
    env = _environment(CASHFREE_APP_ID=APP_ID, CASHFREE_SECRET_KEY=SECRET)
    argv = [str(BIN / "cashfree-simulator"), "--port", str(port), *options]
    return _spawn(name, argv, env, work, port, "/control/faults")


def start_server(
    work: Path,
    name: str,
    store_url: str,
    simulator: Process,
    *options: str,
    **settings: str,
) -> Process:
    """`checkout serve` on `store_url` against the simulator; `options` add to its command
    line (e.g. "--workers", "2"); `settings` add or override environment variables (e.g.
    RECONCILE_INTERVAL_SECONDS="0.5")."""
    port = free_port()
    variables = {
        "STORE_URL": store_url,
        "PAYMENT_GATEWAY": "cashfree",
        "CASHFREE_BASE_URL": f"{simulator.url}/pg",
        "CASHFREE_APP_ID": APP_ID,
        "CASHFREE_SECRET_KEY": SECRET,
        "DB_AUTO_MIGRATE": "1",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "PLANS_FILE": str(PLANS_FILE),
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
        # every order and poll of these tests comes from one address: the test's own
        "RATE_LIMIT_CREATE_ORDER": "",
        "RATE_LIMIT_STATUS": "",
    }
    env = _environment(**{**variables, **settings})
    argv = [str(BIN / "checkout"), "serve", "--port", str(port), *options]
    return _spawn(name, argv, env, work, port, "/health")


@dataclass
class Processes:
    """Every process a test started, stopped at the end whatever happened."""

    work: Path
    started: list[Process] = field(default_factory=list)

    def server(
        self, name: str, store_url: str, simulator: Process, *options: str, **settings: str
    ) -> Process:
        process = start_server(self.work, name, store_url, simulator, *options, **settings)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()


@contextlib.contextmanager
def processes(work: Path) -> Iterator[Processes]:
    started = Processes(work)
    try:
        yield started
    finally:
        started.stop_all()


async def all_ready(servers: Iterable[Process]) -> None:
    await asyncio.gather(*(server.ready() for server in servers))


async def create_orders(server: Process, count: int, concurrency: int = 8) -> list[str]:
    """`count` orders made through the server's create-order API (the gateway knows them)."""
    limit = asyncio.Semaphore(concurrency)

    async def create(client: httpx.AsyncClient) -> str:
        async with limit:
            response = await client.post(
                f"{server.url}/api/payment/create-order", json={"amount": "299.00", **CUSTOMER}
            )
        assert response.status_code == 200, response.text
        order_id: str = response.json()["order_id"]
        return order_id

    async with httpx.AsyncClient(timeout=30.0) as client:
        return list(await asyncio.gather(*(create(client) for _ in range(count))))


async def pay_at_gateway(
    simulator: Process, order_ids: list[str], concurrency: int = 16
) -> dict[str, dict[str, Any]]:
    """A SUCCESS attempt on each order at the simulator (its webhook dropped): the payment
    entity per order, for webhooks that report exactly what the gateway knows."""
    limit = asyncio.Semaphore(concurrency)

    async def pay(client: httpx.AsyncClient, order_id: str) -> tuple[str, dict[str, Any]]:
        async with limit:
            response = await client.post(
                f"{simulator.url}/control/orders/{order_id}/attempts", json={"outcome": "SUCCESS"}
            )
        assert response.status_code == 200, response.text
        payment: dict[str, Any] = wire.loads(response.content)
        return order_id, payment

    async with httpx.AsyncClient(timeout=30.0) as client:
        mode = await client.post(f"{simulator.url}/control/webhooks/mode", json={"mode": "drop"})
        assert mode.status_code == 200, mode.text
        return dict(await asyncio.gather(*(pay(client, order_id) for order_id in order_ids)))


def success_webhook(payment: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """A PAYMENT_SUCCESS_WEBHOOK for the gateway's payment entity, signed as Cashfree signs
    (base64 HMAC-SHA256 of timestamp + body with the client secret)."""
    body = wire.dumps(
        {
            "data": {
                "order": {
                    "order_id": payment["order_id"],
                    "order_amount": payment["order_amount"],
                    "order_currency": payment["payment_currency"],
                },
                "payment": {
                    "cf_payment_id": int(payment["cf_payment_id"]),
                    "payment_status": payment["payment_status"],
                    "payment_amount": payment["payment_amount"],
                    "payment_currency": payment["payment_currency"],
                    "payment_message": payment["payment_message"],
                    "payment_time": payment["payment_time"],
                    "payment_group": payment["payment_group"],
                },
            },
            "event_time": payment["payment_time"],
            "type": "PAYMENT_SUCCESS_WEBHOOK",
        }
    )
    timestamp = str(int(time.time() * 1000))
    headers = {
        "content-type": "application/json",
        "x-webhook-timestamp": timestamp,
        "x-webhook-signature": wire.sign(SECRET, timestamp, body),
        "x-webhook-version": "2025-01-01",
    }
    return body, headers


async def grants(server: Process) -> list[str]:
    """The order id of every ledger grant in the store, as the admin API lists them."""
    order_ids: list[str] = []
    page = 500
    async with httpx.AsyncClient(timeout=30.0, headers=ADMIN) as client:
        while True:
            response = await client.get(
                f"{server.url}/api/payment/credits",
                params={"limit": page, "offset": len(order_ids)},
            )
            assert response.status_code == 200, response.text
            payments = response.json()["data"]["payments"]
            order_ids += [payment["orderId"] for payment in payments]
            if len(payments) < page:
                return order_ids


def timestamp(event: dict[str, Any]) -> datetime:
    """When a JSON log line was written (structlog's ISO timestamp, UTC)."""
    return datetime.fromisoformat(str(event["timestamp"]))
