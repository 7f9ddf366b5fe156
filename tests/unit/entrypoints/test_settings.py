from decimal import Decimal
from pathlib import Path

import pytest

from entrypoints.settings import ConfigurationError, load_settings

ACADEMY_NAMES = ("CF_CLIENT_ID", "CF_SECRET", "CF_ENV")
JWT_SECRET = "a-jwt-secret-of-at-least-32-bytes!"
LIVE = {"cashfree_environment": "PRODUCTION", "cashfree_app_id": "a", "cashfree_secret_key": "s"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "CASHFREE_APP_ID",
        "CASHFREE_SECRET_KEY",
        "CASHFREE_ENVIRONMENT",
        "PAYMENT_GATEWAY",
        "ADMIN_TOKEN",
        *ACADEMY_NAMES,
        "AUTH_MODE",
        "JWT_SECRET",
        "PLANS_FILE",
        "REFERRAL_COMMISSION_RATE",
        "NOTIFY_WEBHOOK_URL",
        "NOTIFY_WEBHOOK_SECRET",
        "OUTBOX_INTERVAL_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir("/")


def test_defaults_run_offline_with_generated_credentials() -> None:
    settings = load_settings()
    assert settings.payment_gateway == "fake"
    assert settings.cashfree_app_id and settings.cashfree_secret_key.get_secret_value()
    assert settings.admin_token_generated
    assert settings.store_url == "sqlite:///data/checkout.db"
    assert settings.notify_url == "http://127.0.0.1:8000/api/payment/webhook"
    assert settings.return_url == "http://127.0.0.1:8000/return?order_id={order_id}"
    assert settings.sdk_url == "/_fake-cashfree/cashfree.js"


def test_credentials_select_the_real_gateway_and_environment_picks_the_url() -> None:
    settings = load_settings(cashfree_app_id="app", cashfree_secret_key="secret")
    assert settings.payment_gateway == "cashfree"
    assert settings.gateway_base_url == "https://sandbox.cashfree.com/pg"
    live = load_settings(
        cashfree_app_id="app", cashfree_secret_key="secret", cashfree_environment="PRODUCTION"
    )
    assert live.gateway_base_url == "https://api.cashfree.com/pg"
    assert live.log_format == "json"
    custom = load_settings(
        cashfree_app_id="a", cashfree_secret_key="s", cashfree_base_url="http://127.0.0.1:8090/pg/"
    )
    assert custom.gateway_base_url == "http://127.0.0.1:8090/pg"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("STORE_URL", "memory://")
    monkeypatch.setenv("ADMIN_TOKEN", "given-token")
    settings = load_settings()
    assert settings.port == 9001
    assert settings.store_url == "memory://"
    assert settings.admin_token.get_secret_value() == "given-token"
    assert not settings.admin_token_generated


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"port": 0}, "PORT"),
        ({"cashfree_environment": "LIVE"}, "CASHFREE_ENVIRONMENT"),
        ({"payment_gateway": "stripe"}, "PAYMENT_GATEWAY"),
        ({"payment_gateway": "cashfree"}, "CASHFREE_APP_ID"),
        ({"cashfree_environment": "PRODUCTION"}, "PAYMENT_GATEWAY=fake"),
        ({"public_url": "ftp://shop"}, "PUBLIC_URL"),
        ({"log_format": "xml"}, "LOG_FORMAT"),
        ({"auth_mode": "oauth"}, "AUTH_MODE"),
        ({"auth_mode": "jwt"}, "JWT_SECRET is required"),
        ({"auth_mode": "jwt", "jwt_secret": "too-short"}, "JWT_SECRET must be at least 32"),
        ({"referral_commission_rate": "1.01"}, "REFERRAL_COMMISSION_RATE"),
        ({"referral_commission_rate": "-0.1"}, "REFERRAL_COMMISSION_RATE"),
        ({"referral_commission_rate": "ten"}, "REFERRAL_COMMISSION_RATE"),
        ({"notify_webhook_url": "https://hooks.example"}, "NOTIFY_WEBHOOK_SECRET"),
        ({"notify_webhook_url": "hooks", "notify_webhook_secret": "s"}, "NOTIFY_WEBHOOK_URL"),
        ({"outbox_interval_seconds": 0}, "OUTBOX_INTERVAL_SECONDS"),
        ({**LIVE, "admin_token": "x" * 31}, "ADMIN_TOKEN must be at least 32 characters"),
        ({"host": "0.0.0.0"}, "ALLOW_PUBLIC_FAKE=1"),
        ({"rate_limit_create_order": "lots"}, "RATE_LIMIT_CREATE_ORDER"),
        ({"rate_limit_status": "often"}, "RATE_LIMIT_STATUS"),
        ({"rate_limit_streams_per_client": 0}, "RATE_LIMIT_STREAMS_PER_CLIENT"),
        ({"max_open_streams": 0}, "MAX_OPEN_STREAMS"),
    ],
)
def test_invalid_configuration_is_one_line_naming_the_variable(
    overrides: dict[str, object], variable: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        load_settings(**overrides)
    message = str(info.value)
    assert "\n" not in message
    assert variable in message


def test_production_takes_a_long_admin_token_or_generates_one() -> None:
    assert load_settings(**LIVE, admin_token="x" * 32).admin_token.get_secret_value()
    generated = load_settings(**LIVE)
    assert generated.admin_token_generated
    assert len(generated.admin_token.get_secret_value()) >= 32


def test_rate_limit_settings() -> None:
    settings = load_settings()
    assert settings.rate_limit_create_order == "30/minute"
    assert settings.rate_limit_status == "120/minute"
    assert settings.rate_limit_streams_per_client == 10
    assert settings.max_open_streams == 1000
    assert load_settings(rate_limit_create_order=" ").rate_limit_create_order == ""
    assert load_settings(rate_limit_status="").rate_limit_status == ""
    assert load_settings(host="0.0.0.0", allow_public_fake=True).host == "0.0.0.0"
    assert load_settings(host="0.0.0.0", **LIVE).host == "0.0.0.0"


def test_secrets_do_not_print() -> None:
    settings = load_settings(cashfree_app_id="app", cashfree_secret_key="very-secret-value")
    assert "very-secret-value" not in repr(settings)
    assert "very-secret-value" not in str(settings.model_dump())


def test_accounts_and_notification_defaults() -> None:
    settings = load_settings()
    assert settings.plans_file == Path("plans.toml")
    assert settings.auth_mode == "none"
    assert settings.referral_commission_rate == Decimal("0.10")
    assert isinstance(settings.referral_commission_rate, Decimal)
    assert settings.notify_webhook_url == ""
    assert settings.outbox_interval_seconds == 1.0


def test_accounts_settings_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLANS_FILE", "/etc/shop/plans.toml")
    monkeypatch.setenv("AUTH_MODE", "jwt")
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("REFERRAL_COMMISSION_RATE", "0.125")
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", "https://hooks.example/in")
    monkeypatch.setenv("NOTIFY_WEBHOOK_SECRET", "whsec_c2VjcmV0")
    monkeypatch.setenv("OUTBOX_INTERVAL_SECONDS", "0.25")
    settings = load_settings()
    assert settings.plans_file == Path("/etc/shop/plans.toml")
    assert settings.auth_mode == "jwt"
    assert settings.jwt_secret.get_secret_value() == JWT_SECRET
    assert settings.referral_commission_rate == Decimal("0.125")
    assert settings.notify_webhook_url == "https://hooks.example/in"
    assert settings.outbox_interval_seconds == 0.25
    assert JWT_SECRET not in repr(settings)
    assert "whsec_c2VjcmV0" not in str(settings.model_dump())


def test_academy_names_are_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CF_CLIENT_ID", "academy-app")
    monkeypatch.setenv("CF_SECRET", "academy-secret")
    monkeypatch.setenv("CF_ENV", "PRODUCTION")
    settings = load_settings()
    assert settings.cashfree_app_id == "academy-app"
    assert settings.cashfree_secret_key.get_secret_value() == "academy-secret"
    assert settings.cashfree_environment == "PRODUCTION"
    assert settings.payment_gateway == "cashfree"


def test_our_names_win_over_the_academy_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CF_CLIENT_ID", "academy-app")
    monkeypatch.setenv("CF_SECRET", "academy-secret")
    monkeypatch.setenv("CF_ENV", "PRODUCTION")
    monkeypatch.setenv("CASHFREE_APP_ID", "our-app")
    monkeypatch.setenv("CASHFREE_SECRET_KEY", "our-secret")
    monkeypatch.setenv("CASHFREE_ENVIRONMENT", "SANDBOX")
    settings = load_settings()
    assert settings.cashfree_app_id == "our-app"
    assert settings.cashfree_secret_key.get_secret_value() == "our-secret"
    assert settings.cashfree_environment == "SANDBOX"


def test_a_bad_academy_value_names_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CF_ENV", "LIVE")
    with pytest.raises(ConfigurationError, match=r"CASHFREE_ENVIRONMENT \(or CF_ENV\)"):
        load_settings()


def test_gateway_deadline_and_status_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    assert (defaults.cashfree_deadline_seconds, defaults.status_gateway_wait_seconds) == (15, 2)
    monkeypatch.setenv("CASHFREE_DEADLINE_SECONDS", "4.5")
    monkeypatch.setenv("STATUS_GATEWAY_WAIT_SECONDS", "0")
    settings = load_settings()
    assert (settings.cashfree_deadline_seconds, settings.status_gateway_wait_seconds) == (4.5, 0)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CASHFREE_DEADLINE_SECONDS", "0"),
        # an order still CREATED after a minute is taken for an orphan by the reconciler
        ("CASHFREE_DEADLINE_SECONDS", "60"),
        ("STATUS_GATEWAY_WAIT_SECONDS", "-1"),
    ],
)
def test_gateway_deadline_and_status_wait_out_of_range_stop_start_up(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        load_settings()


@pytest.mark.parametrize("url", ["postgresql://shop@127.0.0.1/db", "mysql://shop@127.0.0.1/db"])
def test_db_pool_size_sizes_each_process_pool(url: str) -> None:
    """DEPLOYMENT.md's connection arithmetic rests on it: at most DB_POOL_SIZE, none beyond
    (building the engine opens no connection)."""
    from entrypoints.container import build_container

    store = build_container(load_settings(store_url=url, db_pool_size=3)).store()
    pool = store._engine.sync_engine.pool  # type: ignore[attr-defined]
    assert (pool.size(), pool._max_overflow) == (3, 0)


def test_db_pool_size_must_be_positive() -> None:
    with pytest.raises(ConfigurationError, match="DB_POOL_SIZE"):
        load_settings(db_pool_size=0)


def test_keep_alive_outlasts_pooled_clients_and_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above a load balancer's usual 60 s idle timeout and httpx's 5 s, so they close an
    idle connection before the server does."""
    assert load_settings().keep_alive_seconds == 75
    monkeypatch.setenv("KEEP_ALIVE_SECONDS", "620")
    assert load_settings().keep_alive_seconds == 620


@pytest.mark.parametrize("value", ["0", "3601", "soon"])
def test_keep_alive_out_of_range_stops_start_up(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("KEEP_ALIVE_SECONDS", value)
    with pytest.raises(ConfigurationError, match="KEEP_ALIVE_SECONDS"):
        load_settings()
