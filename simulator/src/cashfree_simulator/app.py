"""The one factory of the simulator's Starlette app: /pg, /control, hosted checkout, cashfree.js."""

from __future__ import annotations

from starlette.applications import Starlette

from cashfree_simulator.checkout_pages import checkout_routes
from cashfree_simulator.http_app import bad_url, control_routes, pg_routes
from cashfree_simulator.simulator import CashfreeSimulator

DEFAULT_HANG_SECONDS = 30.0


def create_simulator_app(
    simulator: CashfreeSimulator, *, hang_seconds: float = DEFAULT_HANG_SECONDS
) -> Starlette:
    """Every face of `simulator` over HTTP; a "timeout" fault answers after `hang_seconds`.

    Mount it anywhere: the hosted pages find their assets under the mount's root path.
    The app has no lifespan; whoever built the simulator closes it (`simulator.aclose()`).
    """
    return Starlette(
        routes=[
            *pg_routes(simulator, hang_seconds),
            *control_routes(simulator),
            *checkout_routes(simulator),
        ],
        exception_handlers={404: bad_url, 405: bad_url},
    )
