"""`checkout serve` stopped with SIGTERM while a customer's event stream is open: the stream
ends as a complete response (the page's EventSource reconnects, to another instance behind
a balancer), and the server logs no error for it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from ..processes import CUSTOMER, Process, processes

STEP_TIMEOUT = 10.0


async def test_sigterm_ends_an_open_event_stream_cleanly(
    tmp_path: Path, simulator: Process
) -> None:
    with processes(tmp_path) as started:
        server = started.server("server", f"sqlite:///{tmp_path / 'shop.db'}", simulator)
        await server.ready()
        async with httpx.AsyncClient(timeout=STEP_TIMEOUT) as client:
            created = await client.post(
                f"{server.url}/api/payment/create-order", json={"amount": "299.00", **CUSTOMER}
            )
            order_id = created.json()["order_id"]
            url = f"{server.url}/api/payment/events/{order_id}"
            async with client.stream("GET", url) as response:
                lines = response.aiter_lines()
                assert await asyncio.wait_for(anext(lines), STEP_TIMEOUT) == "event: status"
                stopping = asyncio.create_task(asyncio.to_thread(server.stop))
                # to the end of the body; a cut-off chunked body raises RemoteProtocolError
                rest = [line async for line in lines]
                await stopping
        assert rest, "the stream's first event was not read to its end"
        assert not server.running
        assert "without completing response" not in server.output()
