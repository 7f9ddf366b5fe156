import pytest

from entrypoints.settings import ConfigurationError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CASHFREE_APP_ID", "CASHFREE_SECRET_KEY", "PAYMENT_GATEWAY", "ADMIN_TOKEN"):
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


def test_secrets_do_not_print() -> None:
    settings = load_settings(cashfree_app_id="app", cashfree_secret_key="very-secret-value")
    assert "very-secret-value" not in repr(settings)
    assert "very-secret-value" not in str(settings.model_dump())
