"""`checkout serve` refuses to start on bad configuration, with one line on stderr."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from cashfree_simulator import cli as simulator_cli
from entrypoints import cli
from entrypoints.web import asgi


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test must never reach uvicorn, nor reconfigure the session's logging."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server must not start")

    monkeypatch.setattr(cli.uvicorn, "run", refuse)
    monkeypatch.setattr(cli, "configure_logging", lambda *args: None)
    monkeypatch.setattr(asgi, "configure_logging", lambda *args: None)
    monkeypatch.setenv("STORE_URL", "memory://")
    monkeypatch.delenv("AUTH_MODE", raising=False)


def test_a_malformed_plans_file_stops_serve_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plans = tmp_path / "plans.toml"
    plans.write_text('[[plans]]\nid = "gold"\nname = "Gold"\nprice = "abc"\n', encoding="utf-8")
    monkeypatch.setenv("PLANS_FILE", str(plans))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error
    assert error.startswith("invalid configuration: PLANS_FILE: ")
    assert 'plan "gold": price' in error


def test_a_missing_plans_file_stops_serve(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLANS_FILE", str(tmp_path / "absent.toml"))
    with pytest.raises(SystemExit):
        cli.main(["serve"])
    assert "absent.toml: cannot read" in capsys.readouterr().err


def test_jwt_mode_without_a_secret_stops_serve(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_MODE", "jwt")
    monkeypatch.delenv("JWT_SECRET", raising=False)
    with pytest.raises(SystemExit):
        cli.main(["serve"])
    assert capsys.readouterr().err.strip() == (
        "invalid configuration: JWT_SECRET is required when AUTH_MODE=jwt"
    )


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """uvicorn.run records what it was given instead of serving."""
    apps: list[object] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda app, **kwargs: apps.append(app))
    return apps


def test_a_supplied_admin_token_is_never_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], started: list[object]
) -> None:
    monkeypatch.setenv("ADMIN_TOKEN", "operator-chosen-token-0123456789abcdef")
    cli.main(["serve"])
    assert started
    out = capsys.readouterr().out
    assert "operator-chosen-token-0123456789abcdef" not in out
    assert "Admin token: from ADMIN_TOKEN" in out


def test_a_generated_admin_token_is_printed_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], started: list[object]
) -> None:
    monkeypatch.delenv("ADMIN_TOKEN", raising=False)
    cli.main(["serve"])
    lines = [line for line in capsys.readouterr().out.splitlines() if "Admin token" in line]
    assert len(lines) == 1
    assert lines[0].startswith("Admin token (generated): ")
    assert len(lines[0].removeprefix("Admin token (generated): ")) >= 32


def test_a_short_admin_token_stops_serve_in_production(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASHFREE_ENVIRONMENT", "PRODUCTION")
    monkeypatch.setenv("CASHFREE_APP_ID", "app")
    monkeypatch.setenv("CASHFREE_SECRET_KEY", "secret")
    monkeypatch.setenv("ADMIN_TOKEN", "short-token")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve"])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "invalid configuration: ADMIN_TOKEN must be at least 32 characters in PRODUCTION"
    )
    assert "short-token" not in captured.out + captured.err


@pytest.mark.parametrize(
    "url", ["bogus://x", "postgresql://user:hunter2@db.internal:port/db", "sqlite://", "memory"]
)
def test_an_invalid_store_url_stops_serve_with_one_line_before_the_banner(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    monkeypatch.setenv("STORE_URL", url)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve"])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    error = captured.err.strip()
    assert "\n" not in error
    assert error.startswith("invalid configuration: STORE_URL")
    assert "hunter2" not in error
    assert captured.out == ""


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "shop.example"])
def test_the_built_in_simulator_refuses_a_public_interface(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    monkeypatch.delenv("ALLOW_PUBLIC_FAKE", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--host", host])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error
    assert f"HOST={host}" in error
    assert "ALLOW_PUBLIC_FAKE=1" in error


def test_allow_public_fake_lets_the_simulator_listen_anywhere(
    monkeypatch: pytest.MonkeyPatch, started: list[object]
) -> None:
    monkeypatch.setenv("ALLOW_PUBLIC_FAKE", "1")
    cli.main(["serve", "--host", "0.0.0.0"])
    assert started


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_the_built_in_simulator_may_listen_on_loopback(
    monkeypatch: pytest.MonkeyPatch, started: list[object], host: str
) -> None:
    monkeypatch.delenv("ALLOW_PUBLIC_FAKE", raising=False)
    cli.main(["serve", "--host", host])
    assert started


def test_fake_gateway_help_says_what_it_runs_and_its_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["fake-gateway", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Run the Cashfree simulator on its own" in text
    assert "--host HOST interface to bind (default: 127.0.0.1)" in text
    assert "--port PORT port to listen on (default: 8090)" in text
    assert "CASHFREE_APP_ID" in text and "FAKE_WEBHOOK_TIME_SCALE" in text


@pytest.mark.parametrize(
    ("command", "module"), [(["serve"], cli), (["fake-gateway"], simulator_cli)]
)
def test_keep_alive_seconds_reaches_uvicorn(
    monkeypatch: pytest.MonkeyPatch, command: list[str], module: ModuleType
) -> None:
    given: list[dict[str, object]] = []
    monkeypatch.setattr(module.uvicorn, "run", lambda app, **kwargs: given.append(kwargs))
    monkeypatch.setenv("KEEP_ALIVE_SECONDS", "620")
    cli.main(command)
    assert [kwargs["timeout_keep_alive"] for kwargs in given] == [620]
