"""The `Metrics` port in Prometheus' text format, with a registry of its own.

Each container owns one, so several apps in one process (as in the tests) never share or
double-register series. Open event streams are counted as they open and close; the outbox
backlog is read from the store when /metrics is scraped.

With `checkout serve --workers N` a scrape reaches one worker of N, so every worker writes
its figures to the directory PROMETHEUS_MULTIPROC_DIR names (prometheus-client's
multiprocess mode, which `serve` sets up) and any worker's /metrics reads them all: counts
and histograms summed over the workers (those of a worker that died included, as counters
must), open streams summed over the live workers, the backlog the latest one read.
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"

WEBHOOK_RESULTS = ("applied", "duplicate", "refused", "ignored")
# A gateway call takes tens to hundreds of milliseconds; retries and timeouts take seconds.
GATEWAY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A durable commit takes one disk sync (about 0.1 to 1 ms) plus the wait for its group.
COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PrometheusMetrics:
    def __init__(self) -> None:
        # prometheus-client chose where values live when it was imported, from this variable
        self._shared = os.environ.get(MULTIPROCESS_DIRECTORY) or None
        if self._shared:
            self._forget_dead_workers(self._shared)
        self.registry = CollectorRegistry()
        registry = self.registry
        self._created = Counter("checkout_orders_created", "Orders created.", registry=registry)
        self._paid = Counter("checkout_orders_paid", "Orders paid.", registry=registry)
        self._failed = Counter(
            "checkout_payments_failed",
            "Failed payment attempts by reason (the attempt's status), and orders the "
            "gateway refused to open (CREATION_FAILED).",
            ["reason"],
            registry=registry,
        )
        self._webhooks = Counter(
            "checkout_webhooks",
            "Webhooks answered, by result: applied, duplicate, refused, ignored.",
            ["result"],
            registry=registry,
        )
        self._webhook_results = {
            result: self._webhooks.labels(result) for result in WEBHOOK_RESULTS
        }
        self._gateway = Histogram(
            "checkout_gateway_call_seconds",
            "Calls to the payment gateway by endpoint and status (ok or the error's class).",
            ["endpoint", "status"],
            buckets=GATEWAY_BUCKETS,
            registry=registry,
        )
        self._commits = Histogram(
            "checkout_store_commit_seconds",
            "Time a unit of work's commit takes to be durable.",
            buckets=COMMIT_BUCKETS,
            registry=registry,
        )
        self._streams = Gauge(
            "checkout_event_streams_open",
            "Order event streams open now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._backlog = Gauge(
            "checkout_outbox_backlog",
            "Notifications not delivered yet.",
            registry=registry,
            multiprocess_mode="mostrecent",
        )

    @staticmethod
    def _forget_dead_workers(directory: str) -> None:
        """Drop the live gauges of workers that are gone (killed, so they could not say so):
        a worker that replaces one must not count its streams."""
        for path in Path(directory).glob("gauge_live*_*.db"):
            pid = path.stem.rpartition("_")[2]
            if pid.isdigit() and not _alive(int(pid)):
                mark_process_dead(int(pid), directory)  # type: ignore[no-untyped-call]

    def order_created(self) -> None:
        self._created.inc()

    def order_paid(self) -> None:
        self._paid.inc()

    def payment_failed(self, reason: str) -> None:
        self._failed.labels(reason).inc()

    def webhook(self, result: str) -> None:
        """Counted on every webhook: the labelled child is looked up once, at start."""
        counter = self._webhook_results.get(result) or self._webhooks.labels(result)
        counter.inc()

    def gateway_call(self, endpoint: str, status: str, seconds: float) -> None:
        self._gateway.labels(endpoint, status).observe(seconds)

    def store_commit(self, seconds: float) -> None:
        self._commits.observe(seconds)

    def open_streams(self, count: int) -> None:
        self._streams.set(count)

    def outbox_backlog(self, count: int) -> None:
        self._backlog.set(count)

    def render(self) -> tuple[bytes, str]:
        """The exposition body and its content type: every worker's figures when shared."""
        if self._shared is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        registry = CollectorRegistry()
        MultiProcessCollector(registry, self._shared)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST

    async def aclose(self) -> None:
        """A worker stopping takes its open streams out of the shared sum."""
        if self._shared is not None:
            mark_process_dead(os.getpid(), self._shared)  # type: ignore[no-untyped-call]
