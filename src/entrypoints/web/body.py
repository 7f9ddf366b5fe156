"""Request bodies: 64 KiB at most (the seed took 10 MB), JSON with Decimal numbers.

A route that creates something from a browser may insist on `application/json`: a
cross-site form (urlencoded, multipart, text/plain) or a no-cors fetch can only send
other types (or none) without a CORS preflight, so they cannot create orders.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from starlette.requests import Request

from entrypoints.web.errors import HttpError

MAX_BODY_BYTES = 64 * 1024
JSON_MEDIA_TYPE = "application/json"


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw bytes as sent; 413 as soon as they exceed `limit`, without reading on."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise HttpError(413, f"Request body must be at most {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"Request body must be at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def require_json(request: Request) -> None:
    """415 unless the request says its body is `application/json` (any parameters)."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise HttpError(415, f"Send the request body as {JSON_MEDIA_TYPE}")


async def read_json_object(request: Request) -> dict[str, Any]:
    """A JSON object with numbers parsed as Decimal, or a 400 (nesting too deep for the
    parser, about 990 levels in 2 KB, included)."""
    raw = await read_body(request)
    try:
        value = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except (ValueError, RecursionError):
        raise HttpError(400, "Request body must be valid JSON") from None
    if not isinstance(value, dict):
        raise HttpError(400, "Request body must be a JSON object")
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


# Built once: `json.loads` with keywords builds a decoder and its scanner on every call.
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)
