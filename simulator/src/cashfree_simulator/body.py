"""Request bodies as the simulator reads them: bounded in size, JSON with Decimal numbers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from cashfree_simulator import wire
from cashfree_simulator.errors import SimulatorError

MAX_BODY_BYTES = 64 * 1024


async def read_body(request: Request) -> bytes:
    """The raw body, refused with a 413 past `MAX_BODY_BYTES` before it is all read."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_BODY_BYTES:
            raise _too_large()
    return bytes(raw)


async def read_json(request: Request) -> Any:
    """The JSON body ({} when empty); numbers with a fraction become Decimal."""
    raw = await read_body(request)
    if not raw:
        return {}
    try:
        return wire.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SimulatorError(400, "request body is not valid JSON", "request_invalid") from exc


async def read_object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise SimulatorError(400, "request body must be a JSON object", "request_invalid")
    return body


def _too_large() -> SimulatorError:
    return SimulatorError(
        413, f"request body is larger than {MAX_BODY_BYTES} bytes", "request_too_large"
    )
