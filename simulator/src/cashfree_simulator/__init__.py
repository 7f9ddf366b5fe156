"""A stateful simulator of Cashfree's Payment Gateway, for tests and offline development.

Build one with `build_simulator`, serve it with `create_simulator_app`, or use the pytest
fixtures (`fake_cashfree`, `fake_cashfree_server`) or the `cashfree-simulator` command.
"""

from cashfree_simulator.app import create_simulator_app
from cashfree_simulator.clock import Clock, SystemClock
from cashfree_simulator.errors import SimulatedFault, SimulatorError
from cashfree_simulator.simulator import CashfreeSimulator, build_simulator

__all__ = [
    "CashfreeSimulator",
    "Clock",
    "SimulatedFault",
    "SimulatorError",
    "SystemClock",
    "build_simulator",
    "create_simulator_app",
]
