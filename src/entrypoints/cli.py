"""The `checkout` command: `checkout serve` runs the service, `checkout fake-gateway`
runs the Cashfree simulator on its own for other shops' integration tests, `checkout
reconcile` brings every open order in line with the gateway once and prints what changed,
`checkout backfill-references` asks the gateway for the bank's references of payments and
refunds settled before they were kept, `checkout db upgrade|current` migrates or shows
STORE_URL's SQL schema, `checkout store copy|import-seed` moves data between stores or in
from the checkout seed's credits.json."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import uvicorn

from entrypoints.logs import configure_logging
from entrypoints.settings import ConfigurationError, Settings, load_settings

if TYPE_CHECKING:
    from application.ports import Store
    from application.use_cases.backfill_references import BackfillRun
    from application.use_cases.reconcile import ReconcileRun
    from entrypoints.container import Container


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for the service, however many workers (and for the HTTP bench's
    launcher, which serves the app as this command does)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "access_log": False,
        "log_level": "warning",
    }


def serve(host: str | None, port: int | None, workers: int = 1) -> None:
    from entrypoints.web.asgi import app_from_settings

    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    settings = _settings(**overrides)
    try:
        app = app_from_settings(settings)
        if workers > 1:
            _check_shareable(settings)
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    print(f"Checkout service on {settings.public_url}  (gateway: {settings.payment_gateway})")
    # A token the operator chose stays theirs: only one made here is shown, once.
    if settings.admin_token_generated:
        print(f"Admin token (generated): {settings.admin_token.get_secret_value()}", flush=True)
    else:
        print("Admin token: from ADMIN_TOKEN", flush=True)
    if workers == 1:
        uvicorn.run(app, **server_options(settings))
        return
    # Every worker builds its own app from the environment: hand it what was generated, and
    # a fresh directory where the workers' metrics meet (one scrape reaches one worker).
    metrics_directory = tempfile.mkdtemp(prefix="checkout-metrics-")
    os.environ.update(
        ADMIN_TOKEN=settings.admin_token.get_secret_value(),
        HOST=settings.host,
        PORT=str(settings.port),
        PROMETHEUS_MULTIPROC_DIR=metrics_directory,
    )
    try:
        uvicorn.run(
            "entrypoints.web.asgi:app_from_environment",
            factory=True,
            workers=workers,
            **server_options(settings),
        )
    finally:
        shutil.rmtree(metrics_directory, ignore_errors=True)


def _check_shareable(settings: Settings) -> None:
    """Several workers must share their state through the store, the gateway and the
    event bus."""
    if settings.store_url.lower().startswith("memory:"):
        raise ConfigurationError("--workers > 1 needs a shared store: STORE_URL is memory://")
    if settings.is_fake:
        raise ConfigurationError(
            "--workers > 1 needs a shared gateway: run `checkout fake-gateway` and set "
            "PAYMENT_GATEWAY=cashfree with CASHFREE_BASE_URL pointing at it"
        )
    if not settings.shares_events:
        raise ConfigurationError(
            "--workers > 1 needs a shared event bus: set EVENTS_URL=redis://host:port/db "
            "(or use a PostgreSQL STORE_URL)"
        )


FAKE_GATEWAY_DESCRIPTION = (
    "Run the Cashfree simulator on its own: Cashfree's /pg API, the hosted checkout, "
    "cashfree.js, signed webhooks and the /control scenario API, on one port, for other "
    "shops' tests or for `checkout serve --workers N` (set CASHFREE_BASE_URL to its address "
    "and PAYMENT_GATEWAY=cashfree). Credentials: CASHFREE_APP_ID and CASHFREE_SECRET_KEY, "
    "generated and printed when unset; FAKE_WEBHOOK_TIME_SCALE divides the webhook retry "
    "schedule; KEEP_ALIVE_SECONDS is how long an idle connection stays open. Open its "
    "address in a browser for links to the docs."
)


def fake_gateway(host: str, port: int) -> None:
    """The `cashfree-simulator` command, with this service's credentials and settings."""
    from cashfree_simulator.cli import serve as serve_simulator

    # The simulator alone is a test double by design: it listens where it is told.
    settings = _settings(
        payment_gateway="fake", cashfree_environment="SANDBOX", allow_public_fake=True
    )
    configure_logging(settings.log_format, settings.log_level)
    serve_simulator(
        host,
        port,
        settings.cashfree_app_id,
        settings.cashfree_secret_key.get_secret_value(),
        webhook_time_scale=settings.fake_webhook_time_scale,
        keep_alive_seconds=settings.keep_alive_seconds,
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
    from entrypoints.container import start_for_command, stop

    await start_for_command(container)
    try:
        return await container.reconciler().run_once()
    finally:
        await stop(container)


def format_backfill(run: BackfillRun) -> str:
    """A line a kind, and the failures and time."""
    seconds = (run.finished_at - run.started_at).total_seconds()
    return "\n".join(
        [
            f"payments: asked {run.payments_asked}, now referenced {run.payments_filled}",
            f"refunds:  asked {run.refunds_asked}, now referenced {run.refunds_filled}",
            f"failed {run.failed} in {seconds:.2f}s",
        ]
    )


async def _backfill(container: Container, limit: int | None) -> BackfillRun:
    from entrypoints.container import start_for_command, stop

    await start_for_command(container)
    try:
        return await container.backfill_references().execute(limit)
    finally:
        await stop(container)


def backfill_references(limit: int | None) -> None:
    """One walk through the store's payments and refunds without the bank's reference."""
    from entrypoints.container import build_container

    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)
    run = asyncio.run(_backfill(build_container(settings), limit))
    print(format_backfill(run))
    if run.failed:
        raise SystemExit(1)


def reconcile() -> None:
    """One reconciliation run now, whatever the background task's schedule."""
    from entrypoints.container import build_container

    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)
    run = asyncio.run(_reconcile_once(build_container(settings)))
    print(format_run(run))
    if run.failed:
        raise SystemExit(1)


class Upgrade(Protocol):
    """What `checkout db upgrade` did (the SQL store's migrations report it)."""

    before: str | None
    after: str
    stamped: bool


class Migrations(Protocol):
    """A SQL store's `migrations` (see adapters.store.sql.schema): the CLI reaches the
    store through the container only, so it names the part it uses here."""

    def head(self) -> str: ...

    async def current(self) -> str | None: ...

    async def upgrade(self) -> Upgrade: ...


def format_upgrade(upgrade: Upgrade) -> str:
    if upgrade.stamped:
        before = "none (tables from before migrations, stamped)"
    elif upgrade.before == upgrade.after:
        return f"schema already at head: {upgrade.after}"
    else:
        before = upgrade.before or "none"
    return f"schema upgraded: {before} -> {upgrade.after}"


def format_current(revision: str | None, head: str) -> str:
    if revision == head:
        return f"{revision} (head)"
    return f"{revision or 'none'} (not head: this version needs {head}; run `checkout db upgrade`)"


async def _db(migrations: Migrations, action: str) -> str:
    if action == "upgrade":
        return format_upgrade(await migrations.upgrade())
    return format_current(await migrations.current(), migrations.head())


async def _run_and_close(store: Store, work: Awaitable[str]) -> str:
    try:
        return await work
    finally:
        await store.close()


def db(action: str) -> None:
    """Upgrade STORE_URL's SQL schema to this version's head, or print its revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from entrypoints.container import build_container

    settings = _settings()
    try:
        store = build_container(settings).store()
    except ValueError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    migrations: Migrations | None = getattr(store, "migrations", None)
    if migrations is None:
        scheme = settings.store_url.partition("://")[0]
        print(
            f"migrations apply to SQL stores only; STORE_URL is {scheme}:// (nothing to do)",
            file=sys.stderr,
        )
        raise SystemExit(2)
    try:
        print(asyncio.run(_run_and_close(store, _db(migrations, action))))
    except ValueError as exc:  # the schema's refusals: one line that says what to do
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None
    except (SQLAlchemyError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"{store.description}: {reason}", file=sys.stderr)
        raise SystemExit(1) from None


def _store_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    store_cmd = commands.add_parser("store", help="move data between stores")
    actions = store_cmd.add_subparsers(dest="action", required=True)
    copy_cmd = actions.add_parser(
        "copy", help="copy every record from one store to another, then verify the copy"
    )
    copy_cmd.add_argument("--from", dest="source", required=True, metavar="URL")
    copy_cmd.add_argument("--to", dest="target", required=True, metavar="URL")
    copy_cmd.add_argument(
        "--merge",
        action="store_true",
        help="copy into a store that holds data: what it holds under the same keys is kept",
    )
    copy_cmd.add_argument("--batch-size", type=int, default=500, help="records per transaction")
    seed_cmd = actions.add_parser(
        "import-seed", help="import the checkout seed's credits.json (again: adds nothing)"
    )
    seed_cmd.add_argument("path", type=Path, help="the seed's data/credits.json")
    seed_cmd.add_argument("--to", dest="target", metavar="URL", help="default: STORE_URL")


def store(args: argparse.Namespace) -> None:
    """`checkout store copy|import-seed` (entrypoints.store_commands)."""
    from entrypoints import store_commands

    settings = _settings()
    if args.action == "copy":
        if args.batch_size < 1:
            print("--batch-size must be at least 1", file=sys.stderr)
            raise SystemExit(2)
        store_commands.copy(
            settings, args.source, args.target, merge=args.merge, batch_size=args.batch_size
        )
    else:
        store_commands.import_seed(settings, args.path, args.target)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="checkout", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the payment service")
    serve_cmd.add_argument("--host", help="interface to bind (HOST, default 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, help="port (PORT, default 8000)")
    serve_cmd.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    fake_cmd = commands.add_parser(
        "fake-gateway",
        help="run the Cashfree simulator alone",
        description=FAKE_GATEWAY_DESCRIPTION,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    fake_cmd.add_argument("--host", default="127.0.0.1", help="interface to bind")
    fake_cmd.add_argument("--port", type=int, default=8090, help="port to listen on")
    commands.add_parser(
        "reconcile", help="check every open order with the gateway once; print what changed"
    )
    backfill_cmd = commands.add_parser(
        "backfill-references",
        help="ask the gateway for the bank's references (UTR, ARN) missing from history",
    )
    backfill_cmd.add_argument(
        "--limit", type=int, help="at most this many payments and this many refunds"
    )
    db_cmd = commands.add_parser("db", help="the SQL store's schema (STORE_URL)")
    db_actions = db_cmd.add_subparsers(dest="action", required=True)
    db_actions.add_parser("upgrade", help="migrate the schema to this version's head")
    db_actions.add_parser("current", help="print the schema's revision and whether it is head")
    _store_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "serve":
        if args.workers < 1:
            parser.error("--workers must be at least 1")
        serve(args.host, args.port, args.workers)
    elif args.command == "reconcile":
        reconcile()
    elif args.command == "backfill-references":
        if args.limit is not None and args.limit < 1:
            parser.error("--limit must be at least 1")
        backfill_references(args.limit)
    elif args.command == "db":
        db(args.action)
    elif args.command == "store":
        store(args)
    else:
        fake_gateway(args.host, args.port)


if __name__ == "__main__":
    main()
