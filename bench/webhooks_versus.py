"""Two servers side by side, in alternating wrk bursts: which one spends less CPU per
webhook, or serves more webhooks a second, on a machine whose speed moves from one minute
to the next.

`bench/http_webhooks.py` measures one tree per run, and on a shared 2-core machine its rates
move by a third between runs minutes apart, so a change worth a few per cent is lost in
them. Here both servers run at once, each over its own store of the same kind, and the load
alternates between them in short bursts (signed success webhooks for distinct orders, wrk
at 16 connections) in the order A B, B A, A B, ..., so that a drift of the machine falls
on both. Each burst gives the server's CPU time per 2xx (all its processes and threads) and
its rate, and is checked exactly once like a cell of `http_webhooks.py`. The table gives
each one's median and range, and the medians of the rounds' ratios B / A.

A is this tree with `--history` paid orders. B is the tree named on the command line (this
tree when none is named) with `--history-b` paid orders (the same as A's when not given).
So two trees are compared over the same history, or one tree over two histories: issue 10's
rule that the rate with 100,000 paid orders stays at least 0.8 of the rate with 1,000 is
`--history 1000 --history-b 100000`, read off the rate ratio.

    .venv/bin/python bench/webhooks_versus.py [OTHER_TREE] [--stores memory,json,sqlite]
        [--rounds 8] [--seconds 2] [--history 1000] [--history-b N]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from http_webhooks import (
    EXPECTED_MAX_RATE,
    ROOT,
    WEBHOOK_PATH,
    Bench,
    Server,
    bench_session,
    drop_database,
    exactly_once,
    pool_size,
    prepare_store,
    run_wrk,
    start_server,
    start_simulator,
    write_bodies,
)

CONNECTIONS = 16


@dataclass
class Burst:
    rate: float
    cpu_us: float | None  # None: no 2xx answer to divide by
    check: str


def versus(bench: Bench, name: str, other: Path) -> dict[str, list[Burst]]:
    """Both servers' bursts on store kind `name`, round by round."""
    args = bench.args
    trees = {"A": ROOT, "B": other}
    histories = {"A": args.history, "B": args.history_b}
    per_burst = pool_size(name, [CONNECTIONS], args.seconds)[CONNECTIONS]
    servers: dict[str, Server] = {}
    bursts: dict[str, list[Burst]] = {label: [] for label in trees}
    try:
        for label, tree in trees.items():
            store = prepare_store(bench, name, f"{name}_{label}")
            prefix = f"{label.lower()}{secrets.token_hex(3)}_"
            servers[label] = start_server(
                bench, store, histories[label], per_burst * args.rounds, prefix, tree
            )
        granted: dict[str, set[str]] = {label: set() for label in trees}
        for round_ in range(args.rounds):
            for label in "AB" if round_ % 2 == 0 else "BA":
                server = servers[label]
                first = round_ * per_burst
                order_ids = [f"{server.prefix}a{n:07d}" for n in range(first, first + per_burst)]
                bodies = bench.work / f"bodies_{label}.txt"
                write_bodies(bodies, order_ids, 10_000_000 + first)
                result = run_wrk(
                    bench, server.proc, server.url, WEBHOOK_PATH, bodies, CONNECTIONS, args.seconds
                )
                check = exactly_once(server, order_ids, granted[label], result)
                if result.exhausted or sum(result.issued) >= len(order_ids):
                    check = "INVALID: distinct bodies exhausted"
                elif not result.ok:
                    check = "FAIL: no 2xx answer"
                bursts[label].append(Burst(result.rate, result.cpu_us, check))
            print(
                f"  {name} round {round_ + 1}: "
                + ", ".join(
                    f"{label} {b[-1].rate:,.0f}/s {b[-1].cpu_us or 0:,.0f} µs {b[-1].check}"
                    for label, b in bursts.items()
                ),
                flush=True,
            )
    finally:
        for server in servers.values():
            bench.stop(server.proc)
            if server.store.database:
                drop_database(bench, server.store.database)
    return bursts


def spread(values: list[float], digits: int = 0) -> str:
    """Median (least to most); n/a for no values."""
    if not values:
        return "n/a"
    median, least, most = statistics.median(values), min(values), max(values)
    return f"{median:,.{digits}f} ({least:,.{digits}f} to {most:,.{digits}f})"


def rows(name: str, bursts: dict[str, list[Burst]]) -> list[str]:
    out = []
    for label, mine in bursts.items():
        checks = {b.check for b in mine}
        cpu = [b.cpu_us for b in mine if b.cpu_us is not None]
        out.append(
            f"| {name} | {label} | {len(mine)} | {spread([b.rate for b in mine])} | "
            f"{spread(cpu)} | {'; '.join(sorted(checks))} |"
        )
    pairs = list(zip(bursts["A"], bursts["B"], strict=True))
    rates = [b.rate / a.rate for a, b in pairs if a.rate > 0]
    cpu_ratios = [
        b.cpu_us / a.cpu_us for a, b in pairs if a.cpu_us is not None and b.cpu_us is not None
    ]
    out.append(f"| {name} | B / A | | {spread(rates, 3)} | {spread(cpu_ratios, 3)} | |")
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "other", type=Path, nargs="?", default=ROOT, help="B's source tree (default: this one)"
    )
    parser.add_argument("--stores", default="memory,json,sqlite")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--history", type=int, default=1000, help="A's paid orders")
    parser.add_argument("--history-b", type=int, help="B's paid orders (default: A's)")
    args = parser.parse_args(argv)
    if args.history_b is None:
        args.history_b = args.history
    args.stores = [s for s in args.stores.split(",") if s]
    unknown = set(args.stores) - set(EXPECTED_MAX_RATE)
    if unknown:
        parser.error(f"unknown stores: {', '.join(sorted(unknown))}")
    if not (args.other / "bench" / "seeded_server.py").exists():
        parser.error(f"{args.other} has no bench/seeded_server.py to serve with")
    args.other = args.other.resolve()
    args.src = None  # start_server's default tree; each server here names its own
    return args


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk (Debian package `wrk`)")
        return 2
    began = time.perf_counter()
    print(f"# A: {ROOT}\n# B: {args.other}")
    print(
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {args.rounds} rounds of {args.seconds:g} s "
        f"bursts at {CONNECTIONS} connections, history A {args.history:,}, "
        f"B {args.history_b:,}\n"
    )
    table = [
        "| store | server | bursts | webhooks/s, median (range) | server CPU µs per webhook, "
        "median (range) | exactly-once |",
        "|---|---|---:|---:|---:|---|",
    ]
    try:
        with bench_session(args, dict(os.environ), "bench_versus_") as bench:
            start_simulator(bench)
            for name in args.stores:
                table += rows(name, versus(bench, name, args.other))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print("\n" + "\n".join(table))
    print(f"\ntotal time {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
