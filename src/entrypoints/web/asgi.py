"""The app as uvicorn's worker processes build it: each from the environment alone."""

from __future__ import annotations

from starlette.applications import Starlette

from entrypoints.container import build_container
from entrypoints.logs import configure_logging
from entrypoints.settings import load_settings
from entrypoints.web.app import create_app


def app_from_environment() -> Starlette:
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(build_container(settings))
