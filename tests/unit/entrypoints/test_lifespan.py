"""The app's lifespan starts and stops every resource the container owns, once each.

The container is built from real settings with its lifecycled Singletons overridden by
recorders, so the test sees exactly what the lifespan opened and closed, and in which order.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from dependency_injector import providers
from starlette.applications import Starlette

from entrypoints.container import Container, build_container
from entrypoints.web.app import create_app

from .offline import offline_settings


class Recorder:
    """Stands in for anything with a lifecycle; writes each call to a shared log."""

    description = "recorder"

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def open(self) -> None:
        self.log.append(f"{self.name}.open")

    async def close(self) -> None:
        self.log.append(f"{self.name}.close")

    async def aclose(self) -> None:
        self.log.append(f"{self.name}.aclose")

    def reports(self) -> Recorder:
        """As a store: the reconciler is built with its reports, read only when it runs."""
        return self

    def leader_lease(self, name: str, holder: str) -> RecordingLease:
        """As a store: a lease this lone instance always holds."""
        return RecordingLease(self.log)


class RecordingLease:
    """Always held; writes its release to the shared log."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def hold(self, now: datetime, until: datetime) -> bool:
        return True

    async def release(self) -> None:
        self.log.append("lease.release")


def _container(gateway: str, log: list[str]) -> Container:
    settings = offline_settings(payment_gateway=gateway)
    container = build_container(settings)
    for name in ("store", "gateway", "order_watcher", "webhook_http_client"):
        getattr(container, name).override(providers.Object(Recorder(name, log)))
    return container


def _refuse(what: str) -> Callable[[], Any]:
    def build() -> Any:
        raise AssertionError(f"{what} must not be built")

    return build


async def _run_lifespan(app: Starlette, log: list[str]) -> None:
    async with app.router.lifespan_context(app):
        log.append("serving")


async def test_fake_mode_starts_and_stops_every_resource_once() -> None:
    log: list[str] = []
    container = _container("fake", log)
    container.simulator.override(providers.Object(Recorder("simulator", log)))
    container.simulator_app.override(providers.Object(Starlette()))
    app = create_app(container)

    await _run_lifespan(app, log)

    assert sorted(log) == sorted(
        [
            "store.open",
            "serving",
            "order_watcher.aclose",
            "simulator.aclose",
            "webhook_http_client.aclose",
            "gateway.aclose",
            "lease.release",
            "store.close",
        ]
    )
    assert log[:2] == ["store.open", "serving"]
    assert log.index("simulator.aclose") < log.index("webhook_http_client.aclose")
    assert log.index("order_watcher.aclose") < log.index("gateway.aclose")
    for user in ("order_watcher", "simulator", "webhook_http_client"):
        assert log.index(f"{user}.aclose") < log.index("store.close")
    assert log.index("lease.release") < min(log.index("gateway.aclose"), log.index("store.close"))


async def test_cashfree_mode_never_builds_the_simulator() -> None:
    log: list[str] = []
    container = _container("cashfree", log)
    container.simulator.override(providers.Callable(_refuse("the simulator")))
    container.simulator_app.override(providers.Callable(_refuse("the simulator app")))
    app = create_app(container)

    await _run_lifespan(app, log)

    assert log[:2] == ["store.open", "serving"]
    assert sorted(log[2:]) == [
        "gateway.aclose",
        "lease.release",
        "order_watcher.aclose",
        "store.close",
    ]
    assert log.index("order_watcher.aclose") < log.index("store.close")
    assert log.index("lease.release") < log.index("store.close")


async def test_each_lifespan_restarts_what_the_last_one_stopped() -> None:
    log: list[str] = []
    container = _container("cashfree", log)
    app = create_app(container)

    await _run_lifespan(app, log)
    await _run_lifespan(app, log)

    assert log.count("store.open") == log.count("store.close") == 2
    assert log.count("gateway.aclose") == 2


async def test_a_failed_start_stops_what_had_started() -> None:
    log: list[str] = []
    container = _container("cashfree", log)

    class BrokenStore(Recorder):
        async def open(self) -> None:
            raise OSError("disk on fire")

    container.store.override(providers.Object(BrokenStore("store", log)))
    app = create_app(container)

    with pytest.raises(OSError, match="disk on fire"):
        await _run_lifespan(app, log)

    assert log == ["gateway.aclose"], "what started is stopped; the store never opened"
    resources = list(container.traverse(types=[providers.Resource]))
    assert resources
    assert not any(resource.initialized for resource in resources)


async def test_what_was_allocated_to_start_is_kept_out_of_collections_while_serving() -> None:
    container = _container("cashfree", [])
    app = create_app(container)
    frozen_while_serving: list[int] = []

    async with app.router.lifespan_context(app):
        frozen_while_serving.append(gc.get_freeze_count())

    assert frozen_while_serving[0] > 0
    assert gc.get_freeze_count() == 0, "stopping hands everything back to the collector"


async def test_what_a_full_collection_leaves_while_serving_is_frozen_too() -> None:
    """The next full collection walks only what was allocated since the last one."""
    container = _container("cashfree", [])
    app = create_app(container)
    kept = [[n] for n in range(1000)]
    callbacks = list(gc.callbacks)

    async with app.router.lifespan_context(app):
        before = gc.get_freeze_count()
        kept.extend([n] for n in range(1000, 3000))
        gc.collect()
        after_full = gc.get_freeze_count()
        gc.collect(1)
        after_young = gc.get_freeze_count()

    assert after_full >= before + 2000
    assert after_young == after_full, "only a full collection freezes"
    assert gc.get_freeze_count() == 0
    assert gc.callbacks == callbacks, "stopping stops the freezing"
