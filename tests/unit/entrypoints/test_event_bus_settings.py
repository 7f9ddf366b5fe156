"""EVENTS_URL picks the event bus, and `serve --workers N` refuses one that cannot be shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapters.events.broker import BrokerEventBus
from adapters.events.in_process import InProcessEventBus
from entrypoints import cli
from entrypoints.container import build_container
from entrypoints.settings import ConfigurationError, load_settings

PLANS_FILE = Path(__file__).resolve().parents[3] / "plans.toml"
CREDENTIALS = {
    "PAYMENT_GATEWAY": "cashfree",
    "CASHFREE_APP_ID": "TESTAPP",
    "CASHFREE_SECRET_KEY": "test-secret-key",
    "CASHFREE_BASE_URL": "http://127.0.0.1:9/pg",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("EVENTS_URL", "EVENTS_CHANNEL", "RATE_LIMITS_URL", "STORE_URL", "AUTH_MODE")
    for name in (*names, *CREDENTIALS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir("/")


@pytest.mark.parametrize(
    ("store_url", "events_url", "bus_url"),
    [
        ("sqlite:///data/checkout.db", "", "memory://"),
        ("mysql://root@db/shop", "", "memory://"),
        ("json:///var/shop/credits.json", "", "memory://"),
        ("postgresql://shop@db/shop", "", "postgresql://shop@db/shop"),
        ("postgresql+asyncpg://shop@db/shop", "", "postgresql+asyncpg://shop@db/shop"),
        ("postgresql://shop@db/shop", "memory://", "memory://"),
        ("sqlite:///data/checkout.db", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("mysql://root@db/shop", "postgresql://bus@db/bus", "postgresql://bus@db/bus"),
    ],
)
def test_the_bus_follows_events_url_else_a_postgresql_store(
    store_url: str, events_url: str, bus_url: str
) -> None:
    settings = load_settings(store_url=store_url, events_url=events_url)
    assert settings.event_bus_url == bus_url
    assert settings.shares_events is (bus_url != "memory://")


@pytest.mark.parametrize(
    ("events_url", "rate_limits_url", "counted_in"),
    [
        ("", "", "memory://"),
        ("postgresql://shop@db/shop", "", "memory://"),
        ("redis://127.0.0.1:6379/0", "", "redis://127.0.0.1:6379/0"),
        ("rediss://cache:6380/2", "", "rediss://cache:6380/2"),
        ("redis://127.0.0.1:6379/0", "memory://", "memory://"),
        ("postgresql://shop@db/shop", "redis://cache:6379/1", "redis://cache:6379/1"),
    ],
)
def test_rate_limits_are_counted_in_rate_limits_url_else_the_bus_redis(
    events_url: str, rate_limits_url: str, counted_in: str
) -> None:
    settings = load_settings(events_url=events_url, rate_limits_url=rate_limits_url)
    assert settings.rate_limits_store_url == counted_in
    counts = build_container(settings).rate_counts()
    assert counts.shared is (counted_in != "memory://")


@pytest.mark.parametrize(
    ("events_url", "kind"),
    [
        ("", InProcessEventBus),
        ("redis://127.0.0.1:6379/0", BrokerEventBus),
        ("postgresql://postgres@127.0.0.1/test", BrokerEventBus),
    ],
)
def test_the_container_builds_the_bus_without_connecting(events_url: str, kind: type) -> None:
    container = build_container(load_settings(store_url="memory://", events_url=events_url))
    bus = container.event_bus()
    assert isinstance(bus, kind)
    assert container.units_of_work()._publisher is bus
    if isinstance(bus, BrokerEventBus):
        assert not bus.connected
        assert events_url.split("://")[0] in bus.description


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"events_url": "kafka://user:hunter2@broker/shop"}, "EVENTS_URL"),
        ({"events_url": "redis-at-127.0.0.1"}, "EVENTS_URL"),
        ({"events_url": "memory://somewhere"}, "EVENTS_URL"),
        ({"events_channel": "Checkout-Events"}, "EVENTS_CHANNEL"),
        ({"rate_limits_url": "memcached://user:hunter2@cache"}, "RATE_LIMITS_URL"),
        ({"rate_limits_url": "memory://here"}, "RATE_LIMITS_URL"),
        ({"events_channel": "x" * 64}, "EVENTS_CHANNEL"),
    ],
)
def test_a_bad_bus_setting_is_one_line_naming_the_variable(
    overrides: dict[str, object], variable: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        load_settings(**overrides)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"invalid configuration: {variable}")
    assert "hunter2" not in message


class Uvicorn:
    def __init__(self) -> None:
        self.runs: list[dict[str, object]] = []

    def run(self, *args: object, **kwargs: object) -> None:
        self.runs.append(kwargs)


@pytest.fixture
def uvicorn(monkeypatch: pytest.MonkeyPatch) -> Uvicorn:
    recorder = Uvicorn()
    monkeypatch.setattr(cli.uvicorn, "run", recorder.run)
    monkeypatch.setattr(cli, "configure_logging", lambda *args: None)
    # serve hands generated values to its workers through the environment: keep a copy
    monkeypatch.setattr(os, "environ", os.environ.copy())
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PLANS_FILE", str(PLANS_FILE))
    return recorder


def test_several_workers_on_the_in_process_bus_are_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, uvicorn: Uvicorn, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORE_URL", "sqlite:////tmp/never-opened.db")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--workers", "2"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error
    assert "EVENTS_URL" in error
    assert uvicorn.runs == []


@pytest.mark.parametrize(
    "environment",
    [
        {"STORE_URL": "sqlite:////tmp/never-opened.db", "EVENTS_URL": "redis://127.0.0.1:6379/0"},
        {"STORE_URL": "postgresql://postgres@127.0.0.1/test"},
    ],
)
def test_several_workers_start_on_a_shared_bus(
    monkeypatch: pytest.MonkeyPatch, uvicorn: Uvicorn, environment: dict[str, str]
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    cli.main(["serve", "--workers", "2"])
    assert [run["workers"] for run in uvicorn.runs] == [2]


def test_one_worker_needs_no_shared_bus(monkeypatch: pytest.MonkeyPatch, uvicorn: Uvicorn) -> None:
    monkeypatch.setenv("STORE_URL", "sqlite:////tmp/never-opened.db")
    cli.main(["serve"])
    assert len(uvicorn.runs) == 1


def test_several_workers_get_the_keep_alive(
    monkeypatch: pytest.MonkeyPatch, uvicorn: Uvicorn
) -> None:
    monkeypatch.setenv("STORE_URL", "postgresql://postgres@127.0.0.1/test")
    monkeypatch.setenv("KEEP_ALIVE_SECONDS", "620")
    cli.main(["serve", "--workers", "2"])
    assert [(run["workers"], run["timeout_keep_alive"]) for run in uvicorn.runs] == [(2, 620)]
