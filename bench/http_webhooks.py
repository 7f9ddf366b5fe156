"""Durable webhooks per second over real HTTP, by store, history and concurrency (issue 10).

What it measures, in one run on this machine:

1. Raw limits of the disk the stores write to: `os.fdatasync` after a ~200-byte append, and
   a plain `sqlite3` loop of durable commits (WAL, synchronous=FULL, one small insert per
   commit), each per second over ~2 s.
2. The anchor: a bare Starlette app (one POST route that reads the body and answers a small
   JSON) under uvicorn with our options (uvloop, httptools), driven by wrk like our server;
   and the same app on uvicorn's pure-Python stack (asyncio's loop, h11), the stack the
   issue's anchor figures were measured on. Both keep running through the whole bench:
   each is timed for --seconds at the start, and again for 2 s at the cell's connections
   just before every cell, and the cell's ratios (its rate, its CPU per request) are to
   those last figures. On a shared machine the cores' speed moves within minutes; a
   ratio to an anchor timed minutes earlier would move with it.
3. Our server as a real process (uvicorn on a free loopback port, the standalone Cashfree
   simulator as its gateway) per store (memory, json, sqlite, postgresql with 1 and with 2
   workers) and history (paid orders already stored): signed PAYMENT_SUCCESS_WEBHOOK bodies,
   one distinct ACTIVE order per request, driven by wrk at 1 connection (-t1 -c1) and at 16
   (-t2 -c16). After each wrk run every order is checked in the store: no order has two
   grants, only orders that were sent have one, and the grants added match the 2xx answers
   (up to the requests still in flight when wrk stopped). Server RSS after the run, and the
   server's CPU time (every process and thread of it) per 2xx, set against the anchor's per
   request (the uvloop anchor timed just before): unlike a rate it leaves out the cores'
   time spent in wrk and elsewhere, though a slower machine still spends more CPU on the
   same request. Its system part (the kernel's: sockets, syncs) has a column of its own.
4. create-order over HTTP (sequential, 1 connection): ours against the simulator's own
   create-order call, once before the webhooks (the outbox relay idle) and once right
   after them (the relay delivering their notifications); on JSON a row also says when
   the journal compacted during it. The simulator's call is timed back to back (the
   issue's "gateway's own time"), then again with the simulator left idle before each
   call for as long as our create-order spends around its own call, as our server calls
   it: on a shared machine a process idle that long is slower to answer.
5. RSS of the SQLite and PostgreSQL servers after 10,000 and after 20,000 webhooks.

History (paid orders with their grants and their delivered notifications) and the
measured orders are written through the store directly (bench/seeded_server.py,
which also serves our app exactly as `checkout serve` builds it); only the measured webhooks
go through HTTP. Every store but memory is seeded by a process of its own before the server
starts, so the server finds them stored as after a restart (the JSON journal loads them
from the snapshot the seed ends with; a webhook cell during which a compaction ran says so).
Requires wrk (Debian package `wrk`) and, for PostgreSQL, a server at
postgresql://postgres@127.0.0.1:5432/test (a throwaway database per run, dropped after).

    make bench
    .venv/bin/python bench/http_webhooks.py [--stores memory,json,sqlite,postgresql,postgresql2]
        [--history 1000,100000] [--connections 1,16] [--seconds 5] [--quick]
        [--src /path/to/other/checkout] [--profile [STORE]] [--no-rss-check]

`--src PATH` runs the servers from another tree (PYTHONPATH=PATH/src:PATH/simulator/src,
with that tree's bench/seeded_server.py) so a frozen copy can be compared with the working
tree. `--profile [STORE]` records the server with py-spy during that store's 16-connection
cell (SQLite when no store is named) and prints the top functions by self and by inclusive
time.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
APP_ID = "TESTbench0000000001"
SECRET = "cfsk_ma_test_bench_secret_000000000000"
ADMIN_TOKEN = "bench-admin-token"
WEBHOOK_PATH = "/api/payment/webhook"
ANCHOR_PATH = "/webhook"
# each anchor timed this long (at most --seconds) just before every cell
ANCHOR_BURST_SECONDS = 2.0
# Upper bounds of the rate to expect (webhooks/s) by store and connection count: the pool of
# distinct orders is sized at MARGIN times these times the seconds, so that wrk cannot run out
# of distinct bodies; if it does anyway, the cell is marked invalid.
EXPECTED_MAX_RATE = {
    "memory": {1: 9000, 16: 12000},
    "json": {1: 4000, 16: 6000},
    "sqlite": {1: 4000, 16: 6000},
    "postgresql": {1: 3000, 16: 5000},
    "postgresql2": {1: 3000, 16: 8000},
}
MARGIN = 1.5
RSS_TIMEOUT = 240.0
RSS_STALL = 15.0
CREATE_ORDERS = 300
WARM_UP = 20
START_TIMEOUT = 300.0
CUSTOMER = {
    "customerName": "Bench Buyer",
    "customerEmail": "buyer@example.com",
    "customerPhone": "9876543210",
}

WRK_SCRIPT = r"""
-- Each wrk thread sends its own slice of the pre-signed bodies (line i goes to thread
-- (i-1) % nthreads), one request per body; when its slice is used up it sends GET /health
-- and counts that as exhausted. done() prints one JSON line. ok counts the 2xx answers
-- to webhooks (their bodies say "success"), bad every answer that is not a 2xx; the 2xx
-- answers of those GET /health, which only happen in an invalid cell or after the RSS
-- check's pool is used up, count in neither.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads, wrap = args[1], tonumber(args[2]), args[3] == "wrap"
  target = args[4]
  mine = {}
  local index = 0
  for line in io.lines(path) do
    if index % nthreads == tid then
      local ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      mine[#mine + 1] = wrk.format("POST", target, {
        ["Content-Type"] = "application/json",
        ["x-webhook-timestamp"] = ts,
        ["x-webhook-signature"] = sig,
      }, body)
    end
    index = index + 1
  end
  health = wrk.format("GET", "/health")
  issued, ok, bad, exhausted, wrapping = 0, 0, 0, 0, wrap
  primed = tid ~= 0
end

function request()
  if not primed then
    -- wrk calls request() once on thread 0 before the run, only to check the request
    -- (script_verify_request): that body is not sent, so it must not count as issued.
    primed = true
    return mine[1] or health
  end
  if issued >= #mine and not wrapping then
    exhausted = exhausted + 1
    return health
  end
  issued = issued + 1
  return mine[(issued - 1) % #mine + 1]
end

function response(status, headers, body)
  if status < 200 or status >= 300 then
    bad = bad + 1
  elseif body:find('"success"', 1, true) then
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local parts = {}
  for _, t in ipairs(threads) do
    parts[#parts + 1] = string.format(
      '{"tid":%d,"issued":%d,"ok":%d,"bad":%d,"exhausted":%d}',
      t:get("tid"), t:get("issued"), t:get("ok"), t:get("bad"), t:get("exhausted"))
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"threads":[%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ",")))
end
"""


# ---------------------------------------------------------------- processes and helpers


@dataclass
class Bench:
    args: argparse.Namespace
    work: Path
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    sim_url: str = ""
    profile: str = ""
    anchors: list[Anchor] = field(default_factory=list)

    def spawn(self, argv: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
        out = open(self.work / log, "ab")  # noqa: SIM115 - closed with the process's life
        proc = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGTERM the process's group, SIGKILL after 10 s."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.procs):
            self.stop(proc)


@contextlib.contextmanager
def bench_session(args: argparse.Namespace, env: dict[str, str], prefix: str) -> Iterator[Bench]:
    """A Bench working in a temporary directory; on the way out every process it started
    is stopped and every database it created dropped."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        bench = Bench(args, Path(tmp), env)
        try:
            yield bench
        finally:
            bench.stop_all()
            for database in list(bench.databases):
                drop_database(bench, database)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"server exited with {proc.returncode} before answering:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def rss_mb(pid: int) -> float:
    """VmRSS of the process and all its descendants (uvicorn's workers), in MB."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def process_cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU time of one process, all its threads, in s (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0, 0.0


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process, all its threads, in s (0 once it is gone)."""
    return sum(process_cpu_times(pid))


def cpu_times(pid: int) -> tuple[float, float]:
    """User and system CPU time of the process and all its descendants, all threads, in s."""
    times = [process_cpu_times(p) for p in [pid, *_descendants(pid)]]
    return sum(user for user, _ in times), sum(system for _, system in times)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process and all its descendants, all threads, in s."""
    return sum(cpu_times(pid))


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children[ppid].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


# ---------------------------------------------------------------- raw limits


def raw_limits(directory: Path, seconds: float = 2.0) -> tuple[float, float]:
    path = directory / "fdatasync.bin"
    record = b"x" * 199 + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            os.write(fd, record)
            os.fdatasync(fd)
            count += 1
        syncs = count / (time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()
    db = directory / "raw.db"
    connection = sqlite3.connect(db, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        value = "x" * 100
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            connection.execute("BEGIN")
            connection.execute("INSERT INTO t (v) VALUES (?)", (value,))
            connection.execute("COMMIT")
            count += 1
        commits = count / (time.perf_counter() - started)
    finally:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    return syncs, commits


# ---------------------------------------------------------------- webhook bodies and wrk


def webhook_line(order_id: str, payment_id: int, ts: str) -> tuple[str, str]:
    """(order id, "ts TAB signature TAB body") for a signed PAYMENT_SUCCESS_WEBHOOK."""
    from cashfree_simulator.wire import sign

    body = json.dumps(
        {
            "data": {
                "order": {"order_id": order_id, "order_amount": 100.0, "order_currency": "INR"},
                "payment": {
                    "cf_payment_id": payment_id,
                    "payment_status": "SUCCESS",
                    "payment_amount": 100.0,
                    "payment_currency": "INR",
                    "payment_message": "Transaction successful",
                    "payment_time": "2026-01-01T12:00:00+05:30",
                    "payment_group": "upi",
                    "bank_reference": f"{payment_id:012d}",
                },
            },
            "type": "PAYMENT_SUCCESS_WEBHOOK",
        },
        separators=(",", ":"),
    )
    return order_id, f"{ts}\t{sign(SECRET, ts, body.encode())}\t{body}"


def write_bodies(path: Path, order_ids: list[str], first_payment: int) -> None:
    ts = str(int(time.time() * 1000))
    with path.open("w") as out:
        for offset, order_id in enumerate(order_ids):
            out.write(webhook_line(order_id, first_payment + offset, ts)[1] + "\n")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    issued: list[int]  # per thread, in thread order
    ok: int
    bad: int
    exhausted: int
    cpu_us: float | None = None  # the server's CPU per 2xx, all its processes and threads
    system_us: float | None = None  # of which in the kernel (system calls: sockets, syncs)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def in_flight(self) -> int:
        return sum(self.issued) - self.ok - self.bad


def wrk_threads(connections: int) -> int:
    return 1 if connections == 1 else 2


def start_wrk(
    bench: Bench,
    url: str,
    path: str,
    bodies: Path,
    connections: int,
    seconds: float,
    *,
    wrap: bool = False,
) -> subprocess.Popen[bytes]:
    script = bench.work / "bench.lua"
    if not script.exists():
        script.write_text(WRK_SCRIPT)
    threads = wrk_threads(connections)
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
        "--",
        str(bodies),
        str(threads),
        "wrap" if wrap else "once",
        path,
    ]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish_wrk(proc: subprocess.Popen[bytes], timeout: float) -> WrkResult:
    out, _ = proc.communicate(timeout=timeout)
    text = out.decode(errors="replace")
    match = re.search(r"^WRKJSON (.*)$", text, re.M)
    if not match:
        raise RuntimeError(f"wrk gave no result:\n{text}")
    data = json.loads(match.group(1))
    threads = sorted(data["threads"], key=lambda t: t["tid"])
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        issued=[t["issued"] for t in threads],
        ok=sum(t["ok"] for t in threads),
        bad=sum(t["bad"] for t in threads),
        exhausted=sum(t["exhausted"] for t in threads),
    )


def run_wrk(
    bench: Bench,
    server: subprocess.Popen[bytes],
    url: str,
    path: str,
    bodies: Path,
    connections: int,
    seconds: float,
    **kw: Any,
) -> WrkResult:
    """wrk against `server`, with the server's CPU time per 2xx (`cpu_us`): unlike requests
    per second, it leaves out the time the cores spent in wrk and elsewhere."""
    user, system = cpu_times(server.pid)
    proc = start_wrk(bench, url, path, bodies, connections, seconds, **kw)
    try:
        result = finish_wrk(proc, seconds + 60)
        if result.ok:
            user_after, system_after = cpu_times(server.pid)
            spent = user_after - user + system_after - system
            result.cpu_us = spent / result.ok * 1e6
            result.system_us = (system_after - system) / result.ok * 1e6
        return result
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def issued_orders(order_ids: list[str], result: WrkResult) -> set[str]:
    """The orders wrk sent: thread t sent the first issued[t] of lines t, t+n, t+2n, ..."""
    n = len(result.issued)
    sent: set[str] = set()
    for tid, count in enumerate(result.issued):
        sent.update(order_ids[tid::n][:count])
    return sent


# ---------------------------------------------------------------- the anchor


def anchor_server(port: int, stack: str) -> None:
    """The bare Starlette app: one POST route that reads the body, a small JSON answer;
    on uvicorn with uvloop and httptools (our server's stack) or with asyncio's loop and
    h11 (uvicorn's pure-Python defaults, the stack the issue's anchor figures came from)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def webhook(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"success": True, "status": "received"})

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route(ANCHOR_PATH, webhook, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
    loop, http = ("uvloop", "httptools") if stack == "ours" else ("asyncio", "h11")
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        access_log=False,
        log_level="warning",
        loop=loop,
        http=http,
    )


@dataclass
class Anchor:
    """A bare Starlette server kept running through the whole bench, so that it can be
    timed again just before each cell: on a shared machine the speed of the cores moves
    within minutes, and a ratio to an anchor timed at the start would move with it."""

    stack: str  # "ours" (uvloop, httptools) or "h11"
    proc: subprocess.Popen[bytes]
    url: str
    bodies: Path


def start_anchor(bench: Bench, stack: str) -> Anchor:
    port = free_port()
    command = [sys.executable, str(Path(__file__)), "--anchor-server", str(port)]
    log = f"anchor_{stack}.log"
    proc = bench.spawn([*command, "--anchor-stack", stack], dict(bench.env), log)
    wait_http(f"http://127.0.0.1:{port}/health", proc, 30, bench.work / log)
    bodies = bench.work / "anchor_bodies.txt"
    if not bodies.exists():
        write_bodies(bodies, [f"anchor_{i:05d}" for i in range(2000)], 1)
    return Anchor(stack, proc, f"http://127.0.0.1:{port}", bodies)


def measure_anchor(bench: Bench, anchor: Anchor, connections: int, seconds: float) -> WrkResult:
    return run_wrk(
        bench, anchor.proc, anchor.url, ANCHOR_PATH, anchor.bodies, connections, seconds, wrap=True
    )


def anchors_just_before(bench: Bench, connections: int) -> dict[str, WrkResult]:
    """Each anchor timed for a short burst at `connections`, for the cell about to run."""
    seconds = min(ANCHOR_BURST_SECONDS, bench.args.seconds)
    return {a.stack: measure_anchor(bench, a, connections, seconds) for a in bench.anchors}


# ---------------------------------------------------------------- stores


@dataclass
class StoreRun:
    name: str
    kind: str  # memory | json | sqlite | postgresql
    workers: int
    url: str
    database: str = ""


def prepare_store(bench: Bench, name: str, tag: str) -> StoreRun:
    kind = "postgresql" if name.startswith("postgresql") else name
    workers = 2 if name == "postgresql2" else 1
    if kind == "memory":
        return StoreRun(name, kind, workers, "memory://")
    if kind == "json":
        return StoreRun(name, kind, workers, f"json://{bench.work / f'credits_{tag}.json'}")
    if kind == "sqlite":
        return StoreRun(name, kind, workers, f"sqlite:///{bench.work / f'checkout_{tag}.db'}")
    database = asyncio.run(create_database(f"bench_{tag}_"))
    bench.databases.append(database)
    return StoreRun(name, kind, workers, database_url(database), database)


def database_url(database: str) -> str:
    """PG_URL with `database` in place of its own."""
    return PG_URL.rsplit("/", 1)[0] + f"/{database}"


async def create_database(prefix: str) -> str:
    """A new, empty PostgreSQL database: `prefix` and a random suffix."""
    database = f"{prefix}{secrets.token_hex(4)}"
    await _pg(f'CREATE DATABASE "{database}"')
    return database


async def remove_database(database: str) -> None:
    await _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def throwaway_database(prefix: str) -> AsyncIterator[tuple[str, str]]:
    """A new PostgreSQL database, its URL and name; dropped on the way out."""
    database = await create_database(prefix)
    try:
        yield database_url(database), database
    finally:
        await remove_database(database)


async def _pg(statement: str, url: str = PG_URL) -> list[Any]:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=5)
    try:
        return list(await connection.fetch(statement))
    finally:
        await connection.close()


def drop_database(bench: Bench, database: str) -> None:
    with contextlib.suppress(Exception):
        asyncio.run(remove_database(database))
    if database in bench.databases:
        bench.databases.remove(database)


def start_simulator(bench: Bench) -> None:
    """The standalone Cashfree simulator, every server's gateway (`bench.sim_url`)."""
    sim_port = free_port()
    bench.sim_url = f"http://127.0.0.1:{sim_port}"
    sim_env = {**bench.env, "CASHFREE_APP_ID": APP_ID, "CASHFREE_SECRET_KEY": SECRET}
    sim = bench.spawn(
        [str(BIN / "cashfree-simulator"), "--port", str(sim_port)], sim_env, "simulator.log"
    )
    wait_http(f"{bench.sim_url}/pg/orders/none", sim, 30, bench.work / "simulator.log")


def tree_path(tree: Path) -> str:
    """PYTHONPATH that runs the service and the simulator from `tree`."""
    return f"{tree / 'src'}:{tree / 'simulator' / 'src'}"


def server_env(bench: Bench, store: StoreRun, port: int) -> dict[str, str]:
    env = dict(bench.env)
    env.update(
        STORE_URL=store.url,
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="WARNING",
        ADMIN_TOKEN=ADMIN_TOKEN,
        PAYMENT_GATEWAY="cashfree",
        CASHFREE_APP_ID=APP_ID,
        CASHFREE_SECRET_KEY=SECRET,
        CASHFREE_BASE_URL=f"{bench.sim_url}/pg",
        CASHFREE_ENVIRONMENT="SANDBOX",
        PLANS_FILE=str(ROOT / "plans.toml"),
        WEBHOOK_TOLERANCE_SECONDS="86400",
        RECONCILE_INTERVAL_SECONDS="3600",
        DB_AUTO_MIGRATE="1",
        # one load generator on one address: the per-client limits would measure themselves
        RATE_LIMIT_CREATE_ORDER="",
    )
    return env


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    store: StoreRun
    prefix: str
    seed_seconds: float


def start_server(
    bench: Bench,
    store: StoreRun,
    history: int,
    active: int,
    prefix: str,
    tree: Path | None = None,
) -> Server:
    """The server of `tree` (default: --src, else this tree) over `store`, seeded."""
    port = free_port()
    env = server_env(bench, store, port)
    env.update(BENCH_PREFIX=prefix, BENCH_HISTORY=str(history), BENCH_ACTIVE=str(active))
    if tree is not None:
        env["PYTHONPATH"] = tree_path(tree)
    log = f"server_{prefix}.log"
    tree = (tree or bench.args.src or ROOT).resolve()  # its launcher serves as its tree does
    seeder = [sys.executable, str(tree / "bench" / "seeded_server.py")]
    started = time.perf_counter()
    if store.kind == "memory":  # its orders live in the serving process only
        proc = bench.spawn(seeder, env, log)
    else:
        # Seeded by a process of its own, then served: the server finds the orders stored,
        # as it would after a restart (the JSON journal loads them at start-up).
        seed = subprocess.run(
            seeder, env={**env, "BENCH_SEED_ONLY": "1"}, capture_output=True, timeout=START_TIMEOUT
        )
        if seed.returncode:
            raise RuntimeError(f"seeding failed: {seed.stdout.decode()}{seed.stderr.decode()}")
        if store.workers == 1:
            proc = bench.spawn(seeder, {**env, "BENCH_HISTORY": "0", "BENCH_ACTIVE": "0"}, log)
        else:
            serve = [str(BIN / "checkout"), "serve", "--host", "127.0.0.1", "--port", str(port)]
            proc = bench.spawn([*serve, "--workers", str(store.workers)], env, log)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/health", proc, START_TIMEOUT, bench.work / log)
    if store.workers > 1:  # every worker up: a few more answers
        time.sleep(1.0)
    return Server(proc, url, store, prefix, time.perf_counter() - started)


def supports_workers(bench: Bench) -> bool:
    out = subprocess.run(
        [str(BIN / "checkout"), "serve", "--help"], env=bench.env, capture_output=True, timeout=60
    )
    return b"--workers" in out.stdout


def grants(server: Server) -> list[str]:
    """Order ids of every ledger grant of the measured orders, one per stored grant row."""
    like = f"{server.prefix}a%"
    store = server.store
    if store.kind == "sqlite":
        path = store.url.removeprefix("sqlite:///")
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            rows = connection.execute(
                "SELECT order_id FROM credit_entries WHERE order_id LIKE ?", (like,)
            ).fetchall()
        finally:
            connection.close()
        return [r[0] for r in rows]
    if store.kind == "postgresql":
        rows = asyncio.run(
            _pg(f"SELECT order_id FROM credit_entries WHERE order_id LIKE '{like}'", store.url)
        )
        return [r[0] for r in rows]
    response = httpx.get(f"{server.url}/_bench/grants", timeout=120)
    response.raise_for_status()
    return [order_id for order_id, _ in response.json() if order_id.startswith(like[:-1])]


def exactly_once(server: Server, order_ids: list[str], before: set[str], result: WrkResult) -> str:
    """ok when no order has two grants, only sent orders gained one, and the grants added
    equal the 2xx answers (plus at most the requests in flight when wrk stopped)."""
    time.sleep(0.5)  # requests in flight when wrk stopped finish on the server
    rows = grants(server)
    counts = collections.Counter(rows)
    doubled = sum(1 for c in counts.values() if c > 1)
    added = set(counts) - before
    sent = issued_orders(order_ids, result)
    stray = len(added - sent)
    problems = []
    if doubled:
        problems.append(f"{doubled} orders with 2+ grants")
    if stray:
        problems.append(f"{stray} grants for unsent orders")
    if not result.ok <= len(added) <= result.ok + max(0, result.in_flight):
        problems.append(f"{len(added)} grants for {result.ok} 2xx")
    before.update(added)
    return "ok" if not problems else "FAIL: " + "; ".join(problems)


# ---------------------------------------------------------------- create-order


def create_order_latency(server_url: str, sim_url: str, count: int) -> tuple[list[float], ...]:
    """Sequential create-orders: ours, the simulator's own back to back, and the
    simulator's own paced like ours; the first WARM_UP of each are not counted."""
    ours = []
    with httpx.Client(base_url=server_url, timeout=30) as client:
        for _ in range(count + WARM_UP):
            started = time.perf_counter()
            response = client.post("/api/payment/create-order", json={"amount": "100", **CUSTOMER})
            ours.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    ours = ours[WARM_UP:]
    back_to_back = direct_create_orders(sim_url, count)
    idle = max(0.0, pct(ours, 0.5) - pct(back_to_back, 0.5)) / 1000
    return ours, back_to_back, direct_create_orders(sim_url, count, idle)


GATEWAY_HEADERS = {
    "x-client-id": APP_ID,
    "x-client-secret": SECRET,
    "x-api-version": "2025-01-01",
    "content-type": "application/json",
    "accept": "application/json",
}


def gateway_order(i: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and headers of a CreateOrder call made straight to the simulator."""
    body = {
        "order_id": f"direct_{secrets.token_hex(6)}_{i}",
        "order_amount": 100.0,
        "order_currency": "INR",
        "customer_details": {
            "customer_id": "cus_direct",
            "customer_name": "Bench Buyer",
            "customer_email": "buyer@example.com",
            "customer_phone": "9876543210",
        },
        "order_meta": {
            "return_url": "http://127.0.0.1/return?order_id={order_id}",
            "notify_url": "http://127.0.0.1/api/payment/webhook",
        },
    }
    headers = {**GATEWAY_HEADERS, "x-request-id": str(i), "x-idempotency-key": body["order_id"]}
    return body, headers


def direct_create_orders(sim_url: str, count: int, idle: float = 0.0) -> list[float]:
    """The simulator's own create-order time, ms, sequential, from a blocking client, each
    call `idle` seconds after the last answer; the first WARM_UP are not counted."""
    times = []
    with httpx.Client(base_url=f"{sim_url}/pg", timeout=30) as client:
        for i in range(count + WARM_UP):
            body, headers = gateway_order(i)
            started = time.perf_counter()
            response = client.post("/orders", json=body, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            if idle:
                time.sleep(idle)
    return times[WARM_UP:]


def snapshot_generation(store: StoreRun) -> int:
    """The JSON store's snapshot generation (0 before its first), from the file's head."""
    path = Path(store.url.removeprefix("json://"))
    try:
        with open(path, "rb") as snapshot:
            head = snapshot.read(64)
    except FileNotFoundError:
        return 0
    found = re.search(rb'"generation":(\d+)', head)
    return int(found.group(1)) if found else 0


def compacting(store: StoreRun) -> bool:
    """A JSON store's compaction is writing its new snapshot now."""
    return Path(store.url.removeprefix("json://") + ".tmp").exists()


def compaction_watch(store: StoreRun) -> Callable[[], bool]:
    """Started before a measurement, called after it: whether a JSON store's compaction
    ran meanwhile (its thread takes up to a third of the interpreter, which the
    measurement then includes). Always False for the other stores."""
    if store.kind != "json":
        return lambda: False
    before = snapshot_generation(store)
    busy = compacting(store)
    return lambda: busy or compacting(store) or snapshot_generation(store) != before


def create_order_row(bench: Bench, server: Server, store: StoreRun, relay: str) -> str:
    """One row of the create-order table. Measured twice per store: before the webhook
    storm, and right after it while the outbox relay delivers the storm's notifications
    (its units of work then share the store, and on SQLite and JSON its syncs, with ours).
    On JSON the row says when a compaction ran during it."""
    compacted = compaction_watch(store)
    ours, gateway, paced = create_order_latency(server.url, bench.sim_url, CREATE_ORDERS)
    if compacted():
        relay += "; the journal compacting"
    return (
        f"| {store.name} | {relay} | {len(ours)} | {pct(ours, 0.5):.2f} | {pct(ours, 0.99):.2f} | "
        f"{pct(gateway, 0.5):.2f} | {pct(gateway, 0.99):.2f} | "
        f"{pct(ours, 0.5) - pct(gateway, 0.5):+.2f} | {pct(paced, 0.5):.2f} | "
        f"{pct(ours, 0.5) - pct(paced, 0.5):+.2f} |"
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---------------------------------------------------------------- profile


IDLE_FRAME = "Runner.run (asyncio/runners.py)"


def profile_tops(raw: Path, top: int = 20) -> str:
    """Top functions by self and by inclusive time, in percent of the event-loop thread's
    samples; other threads (aiosqlite's worker, executors) are summarised apart."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    other: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    main_total = other_total = detached = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        raw_frames = [f for f in stack.split(";") if f]
        raw_frames = [f for f in raw_frames if not f.startswith(("process ", "thread "))]
        frames = [_frame(f) for f in raw_frames]
        if not frames:
            continue
        if any(f.startswith("Thread._bootstrap ") for f in frames):
            other_total += count
            other[frames[-1]] += count
            continue
        main_total += count
        if not frames[0].startswith("<module> "):
            detached += count
        own[frames[-1]] += count
        packages[_package(raw_frames[-1], frames[-1])] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not main_total:
        return "(py-spy recorded no samples)\n"

    def name(frame: str) -> str:
        if frame == IDLE_FRAME:
            return f"`{frame}` (event loop waiting, or in uvloop's C code)"
        return f"`{frame}`"

    lines = [
        f"py-spy samples: {main_total} on the event-loop thread, {other_total} on other "
        f"threads ({100 * other_total / main_total:.0f}% of the loop's); percentages are of "
        "the event-loop thread's samples.",
        f"{100 * detached / main_total:.0f}% of the loop's samples are stacks py-spy shows "
        "without their callers (SQLAlchemy's greenlets run its sync code on the loop thread "
        "as separate stacks), so callers above `greenlet_spawn` are undercounted in the "
        "inclusive column by up to that much.",
        "",
        "| self % | function |",
        "|---:|---|",
    ]
    lines += [f"| {100 * n / main_total:.1f} | {name(f)} |" for f, n in own.most_common(top)]
    lines += ["", "| inclusive % | function |", "|---:|---|"]
    lines += [f"| {100 * n / main_total:.1f} | {name(f)} |" for f, n in inclusive.most_common(top)]
    lines += ["", "| self % by package | package |", "|---:|---|"]
    lines += [f"| {100 * n / main_total:.1f} | {p} |" for p, n in packages.most_common()]
    lines += ["", "| other threads: self % of their samples | function |", "|---:|---|"]
    lines += [f"| {100 * n / max(1, other_total):.1f} | `{f}` |" for f, n in other.most_common(5)]
    return "\n".join(lines) + "\n"


OURS = ("domain", "application", "adapters", "entrypoints", "cashfree_simulator")


def _package(raw_frame: str, frame: str) -> str:
    """Which code a frame belongs to: ours (by layer), the standard library, or a package
    (py-spy prints paths from the import root, e.g. `uvicorn/protocols/http/...`)."""
    if frame == IDLE_FRAME:
        return "event loop waiting / uvloop C code"
    where = raw_frame.rpartition("(")[2].rstrip(")").rpartition(":")[0] or raw_frame
    top = where.lstrip("/").split("/")[0].removesuffix(".py")
    if "site-packages/" in where:
        top = where.split("site-packages/", 1)[1].split("/")[0].removesuffix(".py")
    if top in OURS:
        return f"ours: {top}"
    if top in sys.stdlib_module_names:
        return f"stdlib: {top}"
    return top or "other"


def _frame(frame: str) -> str:
    """`function (path/file.py:123)` -> `function (file.py)`: lines of one function merged."""
    match = re.match(r"^(.*) \((.*?)(?::\d+)?\)$", frame.strip())
    if not match:
        return frame.strip()
    name, where = match.groups()
    parts = Path(where).parts
    short = "/".join(parts[-2:]) if len(parts) >= 2 else where
    return f"{name} ({short})"


# ---------------------------------------------------------------- the matrix


@dataclass
class Cell:
    store: str
    workers: int
    history: int
    connections: int
    result: WrkResult | None
    check: str
    rss: float
    note: str = ""
    load: float = 0.0
    anchors: dict[str, WrkResult] = field(default_factory=dict)  # by stack, timed just before


def pool_size(store: str, connections: list[int], seconds: float) -> dict[int, int]:
    rates = EXPECTED_MAX_RATE[store]
    return {c: int(rates.get(c, max(rates.values())) * seconds * MARGIN) + 100 for c in connections}


def measure_store(
    bench: Bench, name: str, history: int, out: list[Cell], creates: list[str]
) -> None:
    args = bench.args
    tag = f"{name}_{history}"
    prefix = f"b{secrets.token_hex(3)}_"
    sizes = pool_size(name, args.connections, args.seconds)
    active = sum(sizes.values())
    store = prepare_store(bench, name, tag)
    server: Server | None = None
    try:
        server = start_server(bench, store, history, active, prefix)
        print(
            f"  {name} history {history:,}: seeded {history:,} paid + {active:,} active "
            f"in {server.seed_seconds:.0f} s",
            flush=True,
        )
        before: set[str] = set()
        first = 0
        measure_creates = history == min(args.history) and store.workers == 1 and args.create_orders
        if measure_creates:
            creates.append(create_order_row(bench, server, store, "idle"))
        for connections in args.connections:
            order_ids = [f"{prefix}a{n:07d}" for n in range(first, first + sizes[connections])]
            bodies = bench.work / f"bodies_{tag}_{connections}.txt"
            write_bodies(bodies, order_ids, 10_000_000 + first)
            first += sizes[connections]
            profiling = (
                args.profile == name
                and connections == max(args.connections)
                and history == min(args.history)
            )
            anchors = anchors_just_before(bench, connections)
            spy = None
            if profiling:
                spy_out = bench.work / "profile.raw"
                spy = subprocess.Popen(
                    [
                        str(BIN / "py-spy"),
                        "record",
                        "--rate",
                        "250",
                        "--format",
                        "raw",
                        "-d",
                        str(max(1, round(args.seconds))),
                        "-p",
                        str(server.proc.pid),
                        "-o",
                        str(spy_out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            compacted = compaction_watch(store)
            result = run_wrk(
                bench, server.proc, server.url, WEBHOOK_PATH, bodies, connections, args.seconds
            )
            if spy is not None:
                spy.wait(timeout=args.seconds + 60)
                kept = Path(tempfile.gettempdir()) / f"bench_profile_{time.strftime('%H%M%S')}.raw"
                shutil.copy(bench.work / "profile.raw", kept)
                bench.profile = f"raw py-spy output kept in {kept}\n\n" + profile_tops(kept)
            check = exactly_once(server, order_ids, before, result)
            note = "profiled" if profiling else ""
            if result.exhausted or sum(result.issued) >= len(order_ids):
                note = "INVALID: distinct bodies exhausted"
            if compacted():
                note = "; ".join(filter(None, (note, "the journal compacting")))
            out.append(
                Cell(
                    name,
                    store.workers,
                    history,
                    connections,
                    result,
                    check,
                    rss_mb(server.proc.pid),
                    note,
                    os.getloadavg()[0],
                    anchors,
                )
            )
            bodies.unlink(missing_ok=True)
            print(f"    {connections} conn: {result.rate:,.0f}/s {check} {note}", flush=True)
        if measure_creates:
            creates.append(create_order_row(bench, server, store, "draining the webhooks' backlog"))
    finally:
        if server is not None:
            bench.stop(server.proc)
        if store.database:
            drop_database(bench, store.database)


def rss_check(bench: Bench, name: str) -> str:
    """RSS after 10,000 and after 20,000 webhooks (--rss-step) at 16 connections, history
    1,000; the run is timed by the store reaching the count, then wrk is stopped."""
    store = prepare_store(bench, name, f"rss_{name}")
    prefix = f"r{secrets.token_hex(3)}_"
    size = bench.args.rss_step
    server: Server | None = None
    try:
        server = start_server(bench, store, 1000, 2 * size, prefix)
        rss = [rss_mb(server.proc.pid)]
        rates = []
        for step in range(2):
            order_ids = [f"{prefix}a{n:07d}" for n in range(step * size, (step + 1) * size)]
            bodies = bench.work / f"rss_{name}_{step}.txt"
            write_bodies(bodies, order_ids, 20_000_000 + step * size)
            target = (step + 1) * size
            started = time.perf_counter()
            proc = start_wrk(bench, server.url, WEBHOOK_PATH, bodies, 16, RSS_TIMEOUT)
            try:
                done, progress = 0, time.perf_counter()
                while proc.poll() is None and time.perf_counter() - started < RSS_TIMEOUT:
                    count = len(grants(server))
                    if count > done:
                        done, progress = count, time.perf_counter()
                    if done >= target or time.perf_counter() - progress > RSS_STALL:
                        break
                    time.sleep(0.25)
                elapsed = time.perf_counter() - started
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
                finish_wrk(proc, 60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            rates.append(size / elapsed)
            rss.append(rss_mb(server.proc.pid))
            bodies.unlink(missing_ok=True)
            if done < target:
                return f"| {name} | {rss[0]:.0f} | incomplete ({done:,} of {target:,}) | | |"
        return (
            f"| {name} | {rss[0]:.0f} | {rss[1]:.0f} | {rss[2]:.0f} | {rss[2] - rss[1]:+.0f} | "
            f"{rates[0]:,.0f} / {rates[1]:,.0f} |"
        )
    finally:
        if server is not None:
            bench.stop(server.proc)
        if store.database:
            drop_database(bench, store.database)


def table(cells: list[Cell]) -> str:
    """One row per cell; its ratios are to the anchors timed just before it."""
    lines = [
        "| store | workers | history | connections | webhooks/s | p50 ms | p99 ms | "
        "anchor just before /s | ratio to it | h11 anchor just before /s | ratio to it | "
        "server CPU µs | of which system µs | CPU ratio to the anchor | non-2xx | exactly-once "
        "| RSS MB | load 1m | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:"
        "|---|",
    ]

    def against(rate: float, base: WrkResult | None) -> str:
        if base is None or not base.rate:
            return "? | ?"
        return f"{base.rate:,.0f} | {rate / base.rate:.3f}"

    def cpu_ratio(cpu_us: float | None, base: WrkResult | None) -> str:
        if cpu_us and base and base.cpu_us:
            return f"{base.cpu_us / cpu_us:.3f}"
        return "?"

    for c in cells:
        r = c.result
        if r is None:
            lines.append(
                f"| {c.store} | {c.workers} | {c.history:,} | {c.connections} | "
                f"n/a | | | | | | | | | | | | | | {c.note} |"
            )
            continue
        ours, h11 = c.anchors.get("ours"), c.anchors.get("h11")
        non2xx = r.bad + r.errors
        lines.append(
            f"| {c.store} | {c.workers} | {c.history:,} | {c.connections} | {r.rate:,.0f} | "
            f"{r.p50_ms:.2f} | {r.p99_ms:.2f} | {against(r.rate, ours)} | "
            f"{against(r.rate, h11)} | {_us(r.cpu_us)} | {_us(r.system_us)} | "
            f"{cpu_ratio(r.cpu_us, ours)} | {non2xx} | {c.check} | "
            f"{c.rss:.0f} | {c.load:.1f} | {c.note} |"
        )
    return "\n".join(lines)


def _us(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )

    def csv(text: str) -> list[str]:
        return [t.strip() for t in text.split(",") if t.strip()]

    parser.add_argument(
        "--stores", type=csv, default=csv("memory,json,sqlite,postgresql,postgresql2")
    )
    parser.add_argument("--history", type=csv, default=["1000", "100000"])
    parser.add_argument("--connections", type=csv, default=["1", "16"])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--src", type=Path, help="run the servers from this source tree")
    parser.add_argument(
        "--profile", nargs="?", const="sqlite", help="py-spy this store's 16-conn cell"
    )
    parser.add_argument("--quick", action="store_true", help="history 1000 only, 3 s per cell")
    parser.add_argument("--no-rss-check", dest="rss_check", action="store_false")
    parser.add_argument("--no-create-order", dest="create_orders", action="store_false")
    parser.add_argument(
        "--rss-step", type=int, default=10_000, help="webhooks per RSS reading (2 readings)"
    )
    parser.add_argument("--anchor-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--anchor-stack", choices=["ours", "h11"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = set(args.stores) - set(EXPECTED_MAX_RATE)
    if unknown:
        parser.error(f"unknown stores: {', '.join(sorted(unknown))}")
    if args.quick:
        args.history, args.seconds = ["1000"], 3.0
    args.history = [int(h) for h in args.history]
    args.connections = [int(c) for c in args.connections]
    return args


def main() -> int:
    args = parse_args()
    if args.anchor_server:
        anchor_server(args.anchor_server, args.anchor_stack)
        return 0
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk (Debian package `wrk`)")
        return 2
    began = time.perf_counter()
    env = dict(os.environ)
    src = (args.src or ROOT).resolve()
    if args.src:
        env["PYTHONPATH"] = tree_path(src)
    try:
        with bench_session(args, env, "bench_http_") as bench:
            return run(bench, src, began)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run(bench: Bench, src: Path, began: float) -> int:
    args = bench.args
    print(f"# HTTP webhooks bench: servers from {src}")
    cpu = platform.processor() or platform.machine()
    print(
        f"machine: {os.cpu_count()} cores ({cpu}), {platform.python_implementation()} "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}, "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}"
    )
    print(f"wrk -t1 -c1 / -t2 -c16, {args.seconds:g} s per cell; data in {bench.work}\n")
    syncs, commits = raw_limits(bench.work)
    print("| raw limit of this disk | per second |\n|---|---:|")
    print(f"| os.fdatasync after a 200-byte append | {syncs:,.0f} |")
    print(
        f"| sqlite3 durable commits (WAL, synchronous=FULL, one insert each) | {commits:,.0f} |\n"
    )

    start_simulator(bench)
    bench.anchors = [start_anchor(bench, "ours"), start_anchor(bench, "h11")]
    at_start = {
        a.stack: {c: measure_anchor(bench, a, c, args.seconds) for c in args.connections}
        for a in bench.anchors
    }
    for c, r in at_start["ours"].items():
        print(f"  anchor {c} conn: {r.rate:,.0f}/s, p50 {r.p50_ms:.2f} ms", flush=True)
    workers_ok = supports_workers(bench)
    cells: list[Cell] = []
    creates: list[str] = []
    for name in args.stores:
        for history in args.history:
            if name == "postgresql2" and not workers_ok:
                for c in args.connections:
                    note = "not available: this tree's `checkout serve` has no --workers"
                    cells.append(Cell(name, 2, history, c, None, "", 0.0, note))
                continue
            try:
                measure_store(bench, name, history, cells, creates)
            except Exception as exc:  # one store failing must not lose the others
                print(f"  {name} history {history}: FAILED {exc}", flush=True)
                for c in args.connections:
                    cells.append(
                        Cell(
                            name,
                            2 if name == "postgresql2" else 1,
                            history,
                            c,
                            None,
                            "",
                            0.0,
                            f"failed: {str(exc).splitlines()[0][:80]}",
                        )
                    )

    rss_rows = []
    if args.rss_check:
        for name in ("sqlite", "postgresql"):
            if name in args.stores:
                try:
                    rss_rows.append(rss_check(bench, name))
                except Exception as exc:
                    rss_rows.append(f"| {name} | failed: {str(exc).splitlines()[0][:80]} | | | | |")
                print(f"  rss check {name} done", flush=True)

    print("\n## Signed success webhooks over HTTP (wrk), distinct orders\n")
    print(
        f"| anchor: bare Starlette | connections | requests/s, {args.seconds:g} s at the start | "
        "p50 ms | p99 ms | server CPU µs | requests/s just before the cells, lowest to highest |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for stack, name in (("ours", "uvloop, httptools"), ("h11", "asyncio, h11")):
        for c, r in at_start[stack].items():
            later = sorted(
                cell.anchors[stack].rate
                for cell in cells
                if cell.connections == c and stack in cell.anchors
            )
            spread = f"{later[0]:,.0f} to {later[-1]:,.0f}" if later else "none"
            print(
                f"| uvicorn ({name}) + Starlette | {c} | {r.rate:,.0f} | {r.p50_ms:.2f} | "
                f"{r.p99_ms:.2f} | {_us(r.cpu_us)} | {spread} |"
            )
    print()
    print(table(cells))
    if creates:
        print(f"\n## create-order over HTTP, 1 connection, {CREATE_ORDERS} sequential requests\n")
        print(
            "| store | background | requests | ours p50 ms | ours p99 ms | gateway p50 ms | "
            "gateway p99 ms | p50 above gateway ms | gateway p50 ms, paced like ours | "
            "p50 above the paced gateway ms |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        print("\n".join(creates))
    if rss_rows:
        print("\n## Server RSS under webhooks (history 1,000, 16 connections)\n")
        print(
            "| store | RSS MB at start | after 10,000 | after 20,000 | growth 10k->20k | "
            "webhooks/s per 10k |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        print("\n".join(rss_rows))
    if bench.profile:
        print(f"\n## py-spy profile: our server, {args.profile}, 16 connections\n")
        print(bench.profile)
    print(f"\ntotal time {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
