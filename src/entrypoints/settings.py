"""Configuration from the environment (and .env), with the seed's variable names.

Invalid configuration stops start-up with one line naming the variable (see
`load_settings`); secrets are `SecretStr` so they never print by accident.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Literal

import limits
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

SANDBOX_URL = "https://sandbox.cashfree.com/pg"
PRODUCTION_URL = "https://api.cashfree.com/pg"
SDK_URL = "https://sdk.cashfree.com/js/v3/cashfree.js"
FAKE_MOUNT = "/_fake-cashfree"
# HS256 keys shorter than its 256-bit hash are brute-forceable (RFC 7518 section 3.2).
MIN_JWT_SECRET_BYTES = 32
POSTGRES_SCHEMES = ("postgresql", "postgres")
REDIS_SCHEMES = ("redis", "rediss")
EVENTS_SCHEMES = ("memory", *POSTGRES_SCHEMES, *REDIS_SCHEMES)
# LISTEN/NOTIFY channel and Redis channel alike: a plain PostgreSQL identifier.
EVENTS_CHANNEL = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# An operator token guards refunds and every customer's data: in PRODUCTION it must be long
# enough not to be guessed (the generated one has 32 characters).
MIN_PRODUCTION_ADMIN_TOKEN = 32
ACADEMY_ALIASES = {
    "CASHFREE_APP_ID": "CASHFREE_APP_ID (or CF_CLIENT_ID)",
    "CASHFREE_SECRET_KEY": "CASHFREE_SECRET_KEY (or CF_SECRET)",
    "CASHFREE_ENVIRONMENT": "CASHFREE_ENVIRONMENT (or CF_ENV)",
}


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_url(
    variable: str, url: str, schemes: tuple[str, ...], expected: str, with_driver: bool = False
) -> None:
    """A URL setting of one of `schemes` (`with_driver`: also "scheme+driver://");
    memory:// takes no path. The error names the setting, never the URL (it may hold a
    password)."""
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    kind = scheme.split("+", 1)[0] if with_driver else scheme
    if not separator or kind not in schemes:
        raise ValueError(f"{variable} must be {expected}")
    if scheme == "memory" and rest:
        raise ValueError(f"{variable} memory:// takes no path")


def _is_webhook_secret(value: str) -> bool:
    """Standard Webhooks secrets are base64 (usually `whsec_`-prefixed), as the signing
    package expects: anything else would fail only at the first delivery."""
    raw = value.removeprefix("whsec_")
    try:
        return bool(base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True))
    except (binascii.Error, ValueError):
        return False


class ConfigurationError(Exception):
    """One readable line about the variable that is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    # The academy's names (CF_*) are accepted too; ours win when both are set.
    cashfree_app_id: str = Field(
        "", validation_alias=AliasChoices("cashfree_app_id", "cf_client_id")
    )
    cashfree_secret_key: SecretStr = Field(
        SecretStr(""), validation_alias=AliasChoices("cashfree_secret_key", "cf_secret")
    )
    cashfree_environment: Literal["SANDBOX", "PRODUCTION"] = Field(
        "SANDBOX", validation_alias=AliasChoices("cashfree_environment", "cf_env")
    )
    cashfree_base_url: str = ""
    cashfree_api_version: str = "2025-01-01"
    cashfree_connect_timeout: float = Field(3.0, gt=0)
    cashfree_read_timeout: float = Field(10.0, gt=0)
    # One gateway call, retries included, in either gateway (see adapters.gateway.deadline);
    # under the reconciler's minute of grace for an order still being created.
    cashfree_deadline_seconds: float = Field(15.0, gt=0, lt=60)
    # How long GET /api/payment/status waits for its gateway check before answering.
    status_gateway_wait_seconds: float = Field(2.0, ge=0)
    payment_gateway: Literal["fake", "cashfree", ""] = ""
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # How long an idle HTTP connection stays open. Above the idle timeout of whatever sends
    # requests over pooled connections (a load balancer's is often 60 s, httpx's 5 s), so
    # the client, never the server, closes it: a request sent just as the server closes
    # meets a reset. uvicorn's own default is 5 s.
    keep_alive_seconds: int = Field(75, ge=1, le=3600)
    public_url: str = ""
    return_url: str = ""
    notify_url: str = ""
    store_url: str = "sqlite:///data/checkout.db"
    # Unset: migrate at start-up on SQLite, not on PostgreSQL or MariaDB (see adapters.store.url).
    db_auto_migrate: bool | None = None
    # PostgreSQL/MariaDB: the most connections one process opens (each kept once opened).
    db_pool_size: int = Field(20, ge=1, le=200)
    admin_token: SecretStr = SecretStr("")
    log_format: Literal["json", "console", ""] = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    webhook_tolerance_seconds: int = Field(300, ge=1)
    watch_interval_seconds: float = Field(1.0, gt=0)
    fake_webhook_time_scale: float = Field(1.0, gt=0)
    plans_file: Path = Path("plans.toml")
    auth_mode: Literal["none", "jwt"] = "none"
    jwt_secret: SecretStr = SecretStr("")
    referral_commission_rate: Decimal = Field(Decimal("0.10"), ge=0, le=1)
    notify_webhook_url: str = ""
    notify_webhook_secret: SecretStr = SecretStr("")
    outbox_interval_seconds: float = Field(1.0, gt=0)
    reconcile_interval_seconds: float = Field(60.0, gt=0)
    # Unset: PostgreSQL LISTEN/NOTIFY when the store is PostgreSQL, else in-process.
    events_url: str = ""
    events_channel: str = "checkout_events"
    leader_lease_seconds: float = Field(3.0, gt=0)
    metrics_token: SecretStr = SecretStr("")
    allow_public_fake: bool = False
    # limits' notation ("30/minute", "5 per second"); empty turns the limit off.
    rate_limit_create_order: str = "30/minute"
    rate_limit_status: str = "120/minute"
    rate_limit_streams_per_client: int = Field(10, ge=1)
    # Unset: the event bus's Redis when EVENTS_URL is one, else this process's memory.
    rate_limits_url: str = ""
    max_open_streams: int = Field(1000, ge=1)
    admin_token_generated: bool = Field(False, exclude=True)

    @field_validator("rate_limit_create_order", "rate_limit_status")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value.strip():
            try:
                limits.parse(value)
            except ValueError:
                raise ValueError(
                    'must be a rate such as "30/minute" (or empty for no limit)'
                ) from None
        return value.strip()

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        has_credentials = bool(self.cashfree_app_id and self.cashfree_secret_key.get_secret_value())
        if not self.payment_gateway:
            self.payment_gateway = "cashfree" if has_credentials else "fake"
        if self.payment_gateway == "cashfree" and not has_credentials:
            raise ValueError(
                "CASHFREE_APP_ID and CASHFREE_SECRET_KEY are required when PAYMENT_GATEWAY=cashfree"
            )
        if self.payment_gateway == "fake" and self.cashfree_environment == "PRODUCTION":
            raise ValueError("PAYMENT_GATEWAY=fake cannot run with CASHFREE_ENVIRONMENT=PRODUCTION")
        if self.payment_gateway == "fake" and not has_credentials:
            self.cashfree_app_id = f"TEST{secrets.token_hex(8)}"
            self.cashfree_secret_key = SecretStr(f"cfsk_ma_test_{secrets.token_hex(16)}")
        if not self.admin_token.get_secret_value():
            self.admin_token = SecretStr(secrets.token_urlsafe(24))
            self.admin_token_generated = True
        if (
            self.cashfree_environment == "PRODUCTION"
            and len(self.admin_token.get_secret_value()) < MIN_PRODUCTION_ADMIN_TOKEN
        ):
            raise ValueError(
                f"ADMIN_TOKEN must be at least {MIN_PRODUCTION_ADMIN_TOKEN} characters "
                "in PRODUCTION"
            )
        if self.payment_gateway == "fake" and not (
            self.allow_public_fake or is_loopback(self.host)
        ):
            raise ValueError(
                f"HOST={self.host} would expose the built-in Cashfree simulator, whose "
                "control API marks orders paid and whose delivery log shows customers' "
                "data: bind to 127.0.0.1, or set ALLOW_PUBLIC_FAKE=1"
            )
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        self.public_url = self.public_url.rstrip("/")
        if not self.return_url:
            self.return_url = f"{self.public_url}/return?order_id={{order_id}}"
        if not self.notify_url:
            self.notify_url = f"{self.public_url}/api/payment/webhook"
        if not self.log_format:
            self.log_format = "json" if self.cashfree_environment == "PRODUCTION" else "console"
        for name in ("public_url", "return_url", "notify_url"):
            if not getattr(self, name).startswith(("http://", "https://")):
                raise ValueError(f"{name.upper()} must be an http(s) URL")
        self._check_accounts()
        self._check_events()
        self._check_rate_limits()
        return self

    def _check_accounts(self) -> None:
        """Customer authentication and the outbound notification webhook."""
        if self.auth_mode == "jwt":
            secret = self.jwt_secret.get_secret_value().encode()
            if not secret:
                raise ValueError("JWT_SECRET is required when AUTH_MODE=jwt")
            if len(secret) < MIN_JWT_SECRET_BYTES:
                raise ValueError(f"JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes")
        if self.notify_webhook_url:
            if not self.notify_webhook_url.startswith(("http://", "https://")):
                raise ValueError("NOTIFY_WEBHOOK_URL must be an http(s) URL")
            if not self.notify_webhook_secret.get_secret_value():
                raise ValueError("NOTIFY_WEBHOOK_SECRET is required when NOTIFY_WEBHOOK_URL is set")
            if not _is_webhook_secret(self.notify_webhook_secret.get_secret_value()):
                raise ValueError(
                    "NOTIFY_WEBHOOK_SECRET must be base64 (optionally whsec_-prefixed)"
                )

    def _check_events(self) -> None:
        """The event bus: a URL of a kind we have, and a channel every broker accepts."""
        if self.events_url:
            _check_url(
                "EVENTS_URL",
                self.events_url,
                EVENTS_SCHEMES,
                "memory://, redis://host:port/db or postgresql://...",
                with_driver=True,
            )
        if not EVENTS_CHANNEL.fullmatch(self.events_channel):
            raise ValueError(
                "EVENTS_CHANNEL must be 1 to 63 lower-case letters, digits or _, "
                "not starting with a digit"
            )

    def _check_rate_limits(self) -> None:
        if self.rate_limits_url:
            schemes = ("memory", *REDIS_SCHEMES)
            _check_url(
                "RATE_LIMITS_URL",
                self.rate_limits_url,
                schemes,
                "memory:// or redis://host:port/db",
            )

    @property
    def rate_limits_store_url(self) -> str:
        """RATE_LIMITS_URL; unset, EVENTS_URL when it is a Redis, else memory://."""
        if self.rate_limits_url:
            return self.rate_limits_url
        scheme = self.events_url.partition("://")[0].lower()
        return self.events_url if scheme in REDIS_SCHEMES else "memory://"

    @property
    def event_bus_url(self) -> str:
        """EVENTS_URL; unset, the PostgreSQL store's database, else memory:// (in-process)."""
        if self.events_url:
            return self.events_url
        scheme = self.store_url.partition("://")[0].lower().split("+", 1)[0]
        return self.store_url if scheme in POSTGRES_SCHEMES else "memory://"

    @property
    def shares_events(self) -> bool:
        """Whether events reach other processes (several workers or instances need it)."""
        return not self.event_bus_url.lower().startswith("memory:")

    @property
    def gateway_base_url(self) -> str:
        """Where the real adapter sends requests: CASHFREE_BASE_URL, else by environment."""
        if self.cashfree_base_url:
            return self.cashfree_base_url.rstrip("/")
        return PRODUCTION_URL if self.cashfree_environment == "PRODUCTION" else SANDBOX_URL

    @property
    def is_fake(self) -> bool:
        return self.payment_gateway == "fake"

    @property
    def sdk_url(self) -> str:
        return f"{FAKE_MOUNT}/cashfree.js" if self.is_fake else SDK_URL


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; a ConfigurationError names the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]).upper()
        where = ACADEMY_ALIASES.get(where, where)
        message = first["msg"].removeprefix("Value error, ")
        line = f"{where}: {message}" if where else message
        raise ConfigurationError(f"invalid configuration: {line}") from None
