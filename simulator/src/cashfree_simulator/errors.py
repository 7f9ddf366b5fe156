"""The errors the simulated Cashfree answers with, in Cashfree's `{message, code, type}` shape."""

from __future__ import annotations

from typing import Any

INVALID_REQUEST = "invalid_request_error"


class SimulatorError(Exception):
    """A refusal the /pg API turns into an HTTP status and a Cashfree error body."""

    def __init__(self, status: int, message: str, code: str, type_: str = INVALID_REQUEST) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.type = type_

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "code": self.code, "type": self.type}


def invalid(field: str, problem: str, code: str | None = None) -> SimulatorError:
    """A 400 in Cashfree's "field : problem" wording."""
    return SimulatorError(400, f"{field} : {problem}", code or f"{field}_invalid")


def not_found(what: str) -> SimulatorError:
    return SimulatorError(404, f"{what.capitalize()} not found", f"{what}_not_found")


class SimulatedFault(Exception):
    """An injected failure: the caller sees a 5xx, a timeout or a reset connection."""

    def __init__(self, kind: str, endpoint: str) -> None:
        super().__init__(f"simulated {kind} on {endpoint}")
        self.kind = kind
        self.endpoint = endpoint
