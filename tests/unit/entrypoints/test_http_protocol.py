"""The server's HTTP protocol: a response's head and body leave in one write, a streamed
response's head does not wait for its first chunk, nothing held is lost at a close."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

from entrypoints.web.http_protocol import HTTP_PROTOCOL, HeldWrites, OneWriteHttpToolsProtocol

GET = b"GET /answer HTTP/1.1\r\nHost: example.test\r\n\r\n"


class RecordingTransport(asyncio.Transport):
    """Each write as it reached the socket, and whether the connection was closed."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def answer(scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse({"status": "received"})(scope, receive, send)


def connected(app: Any) -> tuple[OneWriteHttpToolsProtocol, RecordingTransport]:
    config = Config(app=app, lifespan="off", log_level="warning")
    protocol = OneWriteHttpToolsProtocol(
        config=config, server_state=ServerState(), app_state={}, _loop=asyncio.get_running_loop()
    )
    transport = RecordingTransport()
    protocol.connection_made(transport)
    return protocol, transport


async def turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_uvicorn_finds_the_protocol_by_its_import_path() -> None:
    config = Config(app=answer, http=HTTP_PROTOCOL)
    config.load()
    assert config.http_protocol_class is OneWriteHttpToolsProtocol


async def test_a_response_leaves_in_one_write() -> None:
    protocol, transport = connected(answer)
    protocol.data_received(GET)
    await turns()
    assert len(transport.writes) == 1
    written = transport.writes[0]
    assert written.startswith(b"HTTP/1.1 200 OK\r\n")
    assert written.endswith(b'\r\n\r\n{"status":"received"}')
    assert not transport.closed


async def test_each_response_on_a_kept_alive_connection_leaves_in_one_write() -> None:
    protocol, transport = connected(answer)
    protocol.data_received(GET)
    await turns()
    protocol.data_received(GET)
    await turns()
    assert len(transport.writes) == 2
    assert all(w.endswith(b'{"status":"received"}') for w in transport.writes)


async def test_a_streamed_response_sends_its_head_before_its_first_chunk() -> None:
    first_chunk = asyncio.Event()

    async def stream(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        await first_chunk.wait()
        await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": False})

    protocol, transport = connected(stream)
    protocol.data_received(GET)
    await turns()
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"data: 1" not in transport.writes[0]
    first_chunk.set()
    await turns()
    assert b"data: 1" in b"".join(transport.writes[1:])


async def test_a_closed_connection_sends_what_was_held_before_it_closes() -> None:
    protocol, transport = connected(answer)
    protocol.data_received(GET.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    await turns()
    assert transport.closed
    assert len(transport.writes) == 1
    assert transport.writes[0].endswith(b'{"status":"received"}')


async def test_held_writes_leave_together_at_the_end_of_the_loops_turn() -> None:
    transport = RecordingTransport()
    held = HeldWrites(transport, asyncio.get_running_loop())
    held.write(b"head ")
    held.write(bytearray(b"body"))
    assert transport.writes == []
    assert held.get_write_buffer_size() == len(b"head body")
    await turns(1)
    assert transport.writes == [b"head body"]
    assert held.get_write_buffer_size() == 0


async def test_held_bytes_past_the_bound_leave_at_once() -> None:
    transport = RecordingTransport()
    held = HeldWrites(transport, asyncio.get_running_loop())
    held.write(b"head ")
    held.write(b"x" * (64 * 1024))
    assert transport.writes == [b"head " + b"x" * (64 * 1024)]


async def test_an_aborted_connection_drops_what_was_held() -> None:
    transport = RecordingTransport()
    held = HeldWrites(transport, asyncio.get_running_loop())
    held.write(b"never sent")
    held.abort()
    await turns(1)
    assert transport.aborted
    assert transport.writes == []


@pytest.mark.parametrize("closing", ["close", "write_eof"])
async def test_closing_flushes_first(closing: str) -> None:
    transport = RecordingTransport()
    transport.write_eof = lambda: transport.writes.append(b"<eof>")  # type: ignore[method-assign]
    held = HeldWrites(transport, asyncio.get_running_loop())
    held.write(b"last words")
    getattr(held, closing)()
    assert transport.writes[0] == b"last words"
