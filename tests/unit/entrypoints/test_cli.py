"""`checkout serve` refuses to start on bad configuration, with one line on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints import cli


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test must never reach uvicorn, nor reconfigure the session's logging."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server must not start")

    monkeypatch.setattr(cli.uvicorn, "run", refuse)
    monkeypatch.setattr(cli, "configure_logging", lambda *args: None)
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
