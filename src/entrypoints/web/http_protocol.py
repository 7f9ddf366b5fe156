"""uvicorn's httptools protocol, with each response's head and body sent in one write.

uvicorn writes a response's status line and headers when the app sends
`http.response.start`, and its body in a second write: two `send()` system calls and two
TCP segments for every small JSON answer, and the client is woken for each. Here a
connection's writes are held and leave together: when the response completes, before the
connection closes, or at the end of the event loop's turn, so a streamed response (the
dashboard's events) never waits on its first event for its head. Held bytes are bounded:
past `_HOLD_AT_MOST` they leave at once. Bare Starlette under wrk (16 connections) answers
about a fifth more requests per second this way; see docs/PERFORMANCE.md.

`checkout serve` runs it by its import path (`HTTP_PROTOCOL`), which uvicorn's `http`
option takes, so every worker process builds it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HTTP_PROTOCOL = "entrypoints.web.http_protocol:OneWriteHttpToolsProtocol"

_HOLD_AT_MOST = 64 * 1024


class HeldWrites(asyncio.Transport):
    """A transport whose writes wait for `flush`: called by the protocol when a response
    completes, by `close` and `write_eof`, by itself at the end of the loop's turn, and by
    a write that makes the held bytes exceed `_HOLD_AT_MOST`."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_size = 0
        self._flush_soon: asyncio.Handle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        self._held.append(bytes(data))
        self._held_size += len(data)
        if self._held_size > _HOLD_AT_MOST:
            self.flush()
        elif self._flush_soon is None:
            self._flush_soon = self._loop.call_soon(self.flush)

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Send what is held, in one write."""
        if self._flush_soon is not None:
            self._flush_soon.cancel()
            self._flush_soon = None
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held = []
        self._held_size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        if self._flush_soon is not None:
            self._flush_soon.cancel()
            self._flush_soon = None
        self._held = []
        self._held_size = 0
        self._transport.abort()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def get_write_buffer_size(self) -> int:
        return self._held_size + self._transport.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over `HeldWrites`, flushed as each response ends."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.held_writes = HeldWrites(transport, self.loop)
        super().connection_made(self.held_writes)

    def on_response_complete(self) -> None:
        self.held_writes.flush()
        super().on_response_complete()
