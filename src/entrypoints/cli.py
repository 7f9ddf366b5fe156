"""The `checkout` command: `checkout serve` runs the service, `checkout fake-gateway`
runs the Cashfree simulator on its own for other shops' integration tests, `checkout
reconcile` brings every open order in line with the gateway once and prints what changed."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import uvicorn

from entrypoints.logs import configure_logging
from entrypoints.settings import ConfigurationError, Settings, load_settings

if TYPE_CHECKING:
    from application.use_cases.reconcile import ReconcileRun
    from entrypoints.container import Container


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def serve(host: str | None, port: int | None, workers: int = 1) -> None:
    from entrypoints.container import build_container, check_plans
    from entrypoints.web.app import create_app

    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    settings = _settings(**overrides)
    configure_logging(settings.log_format, settings.log_level)
    container = build_container(settings)
    try:
        check_plans(container)
        if workers > 1:
            _check_shareable(settings)
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    print(f"Checkout service on {settings.public_url}  (gateway: {settings.payment_gateway})")
    source = "generated" if settings.admin_token_generated else "from ADMIN_TOKEN"
    print(f"Admin token ({source}): {settings.admin_token.get_secret_value()}", flush=True)
    if workers == 1:
        uvicorn.run(
            create_app(container),
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_level="warning",
        )
        return
    # Every worker builds its own container from the environment: hand it what was generated.
    os.environ.update(
        ADMIN_TOKEN=settings.admin_token.get_secret_value(),
        HOST=settings.host,
        PORT=str(settings.port),
    )
    uvicorn.run(
        "entrypoints.web.asgi:app_from_environment",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="warning",
    )


def _check_shareable(settings: Settings) -> None:
    """Several workers must share their state through the store and the gateway."""
    if settings.store_url.lower().startswith("memory:"):
        raise ConfigurationError("--workers > 1 needs a shared store: STORE_URL is memory://")
    if settings.is_fake:
        raise ConfigurationError(
            "--workers > 1 needs a shared gateway: run `checkout fake-gateway` and set "
            "PAYMENT_GATEWAY=cashfree with CASHFREE_BASE_URL pointing at it"
        )


def fake_gateway(host: str, port: int) -> None:
    """The `cashfree-simulator` command, with this service's credentials and settings."""
    from cashfree_simulator.cli import serve as serve_simulator

    settings = _settings(payment_gateway="fake", cashfree_environment="SANDBOX")
    configure_logging(settings.log_format, settings.log_level)
    serve_simulator(
        host,
        port,
        settings.cashfree_app_id,
        settings.cashfree_secret_key.get_secret_value(),
        webhook_time_scale=settings.fake_webhook_time_scale,
    )


def format_run(run: ReconcileRun) -> str:
    """A run as a table (kind, id, before -> after) and a summary line."""
    rows = [("KIND", "ID", "BEFORE -> AFTER")] + [
        (c.kind, c.id, f"{c.before} -> {c.after}") for c in run.changes
    ]
    kind_width = max(len(r[0]) for r in rows)
    id_width = max(len(r[1]) for r in rows)
    lines = [f"{k:<{kind_width}}  {i:<{id_width}}  {t}" for k, i, t in rows]
    if not run.changes:
        lines.append("(nothing changed)")
    seconds = (run.finished_at - run.started_at).total_seconds()
    lines.append(
        f"checked {run.checked}, changed {len(run.changes)}, failed {run.failed} in {seconds:.2f}s"
    )
    return "\n".join(lines)


async def _reconcile_once(container: Container) -> ReconcileRun:
    from entrypoints.container import start, stop

    await start(container)
    try:
        return await container.reconciler().run_once()
    finally:
        await stop(container)


def reconcile() -> None:
    """One reconciliation run now, whatever the background task's schedule."""
    from entrypoints.container import build_container

    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)
    run = asyncio.run(_reconcile_once(build_container(settings)))
    print(format_run(run))
    if run.failed:
        raise SystemExit(1)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="checkout", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the payment service")
    serve_cmd.add_argument("--host", help="interface to bind (HOST, default 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, help="port (PORT, default 8000)")
    serve_cmd.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    fake_cmd = commands.add_parser("fake-gateway", help="run the Cashfree simulator alone")
    fake_cmd.add_argument("--host", default="127.0.0.1")
    fake_cmd.add_argument("--port", type=int, default=8090)
    commands.add_parser(
        "reconcile", help="check every open order with the gateway once; print what changed"
    )
    args = parser.parse_args(argv)
    if args.command == "serve":
        if args.workers < 1:
            parser.error("--workers must be at least 1")
        serve(args.host, args.port, args.workers)
    elif args.command == "reconcile":
        reconcile()
    else:
        fake_gateway(args.host, args.port)


if __name__ == "__main__":
    main()
