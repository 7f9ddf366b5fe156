"""`cashfree-simulator`: Cashfree's Payment Gateway API, hosted checkout and cashfree.js on
one local port, for integration tests and offline development.

Credentials come from CASHFREE_APP_ID and CASHFREE_SECRET_KEY, or are generated and
printed. Point a Cashfree client at the printed API base; script outcomes, faults and
webhooks through /control.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

import uvicorn

from cashfree_simulator.app import create_simulator_app
from cashfree_simulator.simulator import build_simulator, generate_credentials

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8090
# An idle connection's life: above a pooling client's idle timeout (httpx's 5 s, also
# uvicorn's own default), so the client closes first
DEFAULT_KEEP_ALIVE_SECONDS = 75


def serve(
    host: str,
    port: int,
    app_id: str,
    secret: str,
    *,
    webhook_time_scale: float = 1.0,
    keep_alive_seconds: int = DEFAULT_KEEP_ALIVE_SECONDS,
) -> None:
    """Run one simulator until interrupted, after printing where it is and its credentials."""
    simulator = build_simulator(app_id, secret, webhook_time_scale=webhook_time_scale)
    app = create_simulator_app(simulator)
    print(f"Cashfree simulator on http://{host}:{port}  (API base: http://{host}:{port}/pg)")
    print(f"CASHFREE_APP_ID={app_id}")
    print(f"CASHFREE_SECRET_KEY={secret}", flush=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        timeout_keep_alive=keep_alive_seconds,
        access_log=False,
        log_level="warning",
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="cashfree-simulator",
        description=__doc__,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="interface to bind")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument(
        "--webhook-time-scale",
        type=float,
        default=1.0,
        help="divides Cashfree's 2/10/30-minute webhook retry schedule",
    )
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=DEFAULT_KEEP_ALIVE_SECONDS,
        metavar="SECONDS",
        help="how long an idle connection stays open: above your client's pool idle timeout, "
        "so the client closes it first and never sends on a connection being closed",
    )
    args = parser.parse_args(argv)
    if args.webhook_time_scale <= 0:
        parser.error("--webhook-time-scale must be positive")
    if args.keep_alive < 1:
        parser.error("--keep-alive must be at least 1 second")
    app_id, secret = generate_credentials()
    app_id = os.environ.get("CASHFREE_APP_ID") or app_id
    secret = os.environ.get("CASHFREE_SECRET_KEY") or secret
    serve(
        args.host,
        args.port,
        app_id,
        secret,
        webhook_time_scale=args.webhook_time_scale,
        keep_alive_seconds=args.keep_alive,
    )


if __name__ == "__main__":
    main()
