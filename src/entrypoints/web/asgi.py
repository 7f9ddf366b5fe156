"""The app as `checkout serve` builds it: from settings, or from the environment alone
(how each of uvicorn's worker processes builds its own)."""

from __future__ import annotations

from starlette.applications import Starlette

from entrypoints.container import build_container, check_configuration
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings, load_settings
from entrypoints.web.app import create_app


def app_from_settings(settings: Settings) -> Starlette:
    """Logging configured, the container built over `settings` with its configuration
    checked (ConfigurationError: the store URL, the plan catalogue), and the app over that
    container (`app.state.container`)."""
    configure_logging(settings.log_format, settings.log_level)
    container = build_container(settings)
    check_configuration(container)
    return create_app(container)


def app_from_environment() -> Starlette:
    return app_from_settings(load_settings())
