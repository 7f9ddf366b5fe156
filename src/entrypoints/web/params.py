"""Ids and paging as the routes take them from paths, query strings and bodies.

Every id a client sends is checked here before any store sees it: printable text of a
bounded length, so no NUL (PostgreSQL refuses it), unpaired surrogate (no UTF-8 encoder
takes it) or control character ever reaches a query or a log line. Paging takes ASCII
digits only, and an offset no database chokes on (SQLite's integers stop at 2^63).
"""

from __future__ import annotations

from starlette.requests import Request

from entrypoints.web.errors import HttpError
from entrypoints.web.schemas import MAX_ORDER_ID, MAX_PATH_ID, MIN_ORDER_ID

MAX_PAGE = 500
MAX_SEARCH = 254
"""The longest search text: an e-mail address's limit, longer than any id."""
MAX_OFFSET = 1_000_000_000
DEFAULT_PAGE = 100


def is_printable_id(value: object, shortest: int, longest: int) -> bool:
    """Whether `value` is text of `shortest` to `longest` printable characters."""
    return isinstance(value, str) and shortest <= len(value) <= longest and value.isprintable()


def is_storable_text(value: str) -> bool:
    """Free text (a note) every store can keep: no NUL and no unpaired surrogate."""
    if "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def order_id(value: object) -> str:
    """An order id from a path or a body: 3 to 64 printable characters, else 400."""
    if not is_printable_id(value, MIN_ORDER_ID, MAX_ORDER_ID):
        raise HttpError(
            400, f"order_id must be {MIN_ORDER_ID} to {MAX_ORDER_ID} printable characters"
        )
    assert isinstance(value, str)
    return value


def path_order_id(request: Request) -> str:
    return order_id(request.path_params["order_id"])


def path_id(request: Request, name: str) -> str:
    """A customer or agent id from the path: 1 to 100 printable characters, not blank."""
    value = request.path_params[name]
    if not is_printable_id(value, 1, MAX_PATH_ID) or not value.strip():
        raise HttpError(400, f"{name} must be 1 to {MAX_PATH_ID} printable characters")
    assert isinstance(value, str)
    return value


def search_text(request: Request) -> str:
    """The query parameter `q`, stripped: 1 to 254 printable characters, else 400."""
    raw = request.query_params.get("q", "")
    text = raw.strip()
    if not is_printable_id(text, 1, MAX_SEARCH):
        raise HttpError(
            400,
            f"q must be 1 to {MAX_SEARCH} printable characters: an order id, a payment id, "
            "a customer id, an e-mail or a phone number",
        )
    return text


def paging(request: Request, limit: str = "limit", offset: str = "offset") -> tuple[int, int]:
    """The query parameters named `limit` (1 to 500, default 100) and `offset` (0 to
    10^9, default 0)."""
    try:
        size = _whole_number(request, limit, DEFAULT_PAGE)
        start = _whole_number(request, offset, 0)
    except ValueError:
        raise HttpError(400, f"{limit} and {offset} must be whole numbers") from None
    if not 1 <= size <= MAX_PAGE or not 0 <= start <= MAX_OFFSET:
        raise HttpError(400, f"{limit} must be 1 to {MAX_PAGE} and {offset} 0 to {MAX_OFFSET}")
    return size, start


def _whole_number(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # ASCII digits only, and few of them: `int` also reads Arabic-Indic digits, ' 5', '1_0'.
    if not (0 < len(raw) <= 12 and raw.isascii() and raw.isdigit()):
        raise ValueError(name)
    return int(raw)
