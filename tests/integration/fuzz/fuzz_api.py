"""Fuzz the live API with schemathesis against its own /openapi.json.

`make fuzz` runs this module with the full budget; `test_fuzz.py` runs the same with a
small one. The server is the real app under uvicorn (fake gateway, a fresh SQLite store,
AUTH_MODE=jwt so the customer routes are reached too); admin routes get the admin token,
customer routes a customer's JWT, and a few paid and failed orders, a refund and a
subscription are in the store before the run, so the admin lists have items to check.
Webhooks are signed by `hooks.py` as Cashfree signs them, so their bodies are fuzzed too.

Checks: no 5xx, and every answer's status, content type, headers and body as described.
The figures come from schemathesis's NDJSON report: every request it sent, by status.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt
import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/, as bench/ does

from integration.fuzz import hooks
from integration.web_checkout.live_server import LiveServer, live_server

JWT_SECRET = "fuzz-jwt-secret-0123456789abcdef0123"
CASHFREE_SECRET = "fuzz-cashfree-secret"
HOOKS = "integration.fuzz.hooks"
TESTS_DIR = Path(__file__).resolve().parents[2]
CUSTOMER_ID = "fuzz_customer"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
CUSTOMER_ROUTES = r"^/api/payment/(me|create-order|verify|orders/\{order_id\}/cancel)"
PLANS = """
[[plans]]
id = "premium-monthly"
name = "Premium, monthly"
price = "299.00"
credits = 2
period = "monthly"
kind = "premium"
"""


@dataclass
class FuzzResult:
    requests: int = 0
    seconds: float = 0.0
    failures: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    # schemathesis's own errors (a phase that could not generate its cases): the run was
    # not the whole run, whatever the checks say
    tool_errors: int = 0
    output: str = ""

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def customer_token() -> str:
    claims = {"sub": CUSTOMER_ID, "exp": int(time.time()) + 3600, "referral_agent": "agent_1"}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def _seed(server: LiveServer) -> None:
    """A paid plan, a paid and partly refunded order, an open order with a failed attempt."""
    customer = {"Authorization": f"Bearer {customer_token()}"}
    admin = {"Authorization": f"Bearer {server.admin_token}"}
    person = {
        "customerName": "Asha Rao",
        "customerEmail": "asha@example.com",
        "customerPhone": "+91 98765 43210",
    }
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        orders = []
        for body in ({"planId": "premium-monthly"}, {"amount": "499.00"}, {"amount": "120"}):
            answer = http.post(
                "/api/payment/create-order", json={**body, **person}, headers=customer
            )
            answer.raise_for_status()
            orders.append(answer.json()["order_id"])
        control = f"{server.fake_url}/control/orders"
        for order_id, outcome in zip(orders, ("SUCCESS", "SUCCESS", "FAILED"), strict=True):
            http.post(
                f"{control}/{order_id}/attempts", json={"outcome": outcome}
            ).raise_for_status()
        refund = {"amount": "100.00", "reason": "partly unused", "refund_id": "refund_seed"}
        http.post(f"/api/payment/orders/{orders[1]}/refunds", json=refund, headers=admin)


def _config(directory: Path, admin_token: str) -> Path:
    config = directory / "schemathesis.toml"
    config.write_text(
        f'headers = {{ Authorization = "Bearer {admin_token}" }}\n'
        "[[operations]]\n"
        f"include-path-regex = '{CUSTOMER_ROUTES}'\n"
        f'headers = {{ Authorization = "Bearer {customer_token()}" }}\n',
        encoding="utf-8",
    )
    return config


def _read_report(report_dir: Path, result: FuzzResult) -> None:
    for report in report_dir.glob("*.ndjson"):
        for line in report.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if "NonFatalError" in event or "FatalError" in event:
                result.tool_errors += 1
            finished = event.get("ScenarioFinished")
            if finished is None:
                continue
            recorder = finished["recorder"]
            for interaction in recorder.get("interactions", {}).values():
                response = interaction.get("response")
                result.requests += 1
                result.operations[recorder["label"]] += 1
                result.statuses[response["status_code"] if response else 0] += 1
            for checks in recorder.get("checks", {}).values():
                result.failures += sum(1 for check in checks if check["status"] == "failure")


def run_fuzz(max_examples: int, seed: int, workers: int = 2) -> FuzzResult:
    """Serve the app, fuzz it, and count what was sent and what failed."""
    result = FuzzResult()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        plans = directory / "plans.toml"
        plans.write_text(PLANS, encoding="utf-8")
        with live_server(
            directory,
            auth_mode="jwt",
            jwt_secret=JWT_SECRET,
            cashfree_app_id="FUZZAPP",
            cashfree_secret_key=CASHFREE_SECRET,
            plans_file=plans,
            fake_webhook_time_scale=10_000,
        ) as server:
            _seed(server)
            command = [
                str(Path(sys.executable).with_name("schemathesis")),
                "--config-file",
                str(_config(directory, server.admin_token)),
                "run",
                f"{server.base_url}/openapi.json",
                "--checks",
                ",".join(CHECKS),
                "--max-examples",
                str(max_examples),
                "--seed",
                str(seed),
                "--workers",
                str(workers),
                "--request-timeout",
                "10",
                "--report",
                "ndjson",
                "--report-dir",
                str(directory / "report"),
                "--no-color",
            ]
            started = time.perf_counter()
            environment = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), *sys.path]),
                "SCHEMATHESIS_HOOKS": HOOKS,
                hooks.SECRET_VARIABLE: CASHFREE_SECRET,
            }
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                check=False,
                env=environment,
                cwd=directory,  # schemathesis keeps a cache in its working directory
            )
            result.seconds = time.perf_counter() - started
            result.output = done.stdout + done.stderr
        _read_report(directory / "report", result)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=60, help="per operation and phase")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--min-requests", type=int, default=2000)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    result = run_fuzz(args.max_examples, args.seed)
    print(result.output[-6000:])
    print("\n| figure | value |\n|---|---|")
    print(f"| requests | {result.requests} |")
    print(f"| operations | {len(result.operations)} |")
    print(f"| seconds | {result.seconds:.0f} |")
    print(f"| 5xx answers | {result.server_errors} |")
    print(f"| failed checks | {result.failures} |")
    print(f"| schemathesis errors (a phase cut short; run again) | {result.tool_errors} |")
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(result.statuses.items()))
    print(f"| answers by status | {statuses} |")
    ok = result.failures == 0 and result.server_errors == 0 and result.tool_errors == 0
    return 0 if ok and result.requests >= args.min_requests else 1


if __name__ == "__main__":
    sys.exit(main())
