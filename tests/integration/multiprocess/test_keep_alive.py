"""How long `checkout serve` and `cashfree-simulator` keep an idle connection open
(KEEP_ALIVE_SECONDS, `--keep-alive`; 75 s by default). uvicorn's own 5 s equals httpx's
pool idle timeout and is under a load balancer's usual 60 s: a pooled client could send a
request on a connection at the moment the server closed it and meet a reset."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ..processes import Process, all_ready, processes, start_simulator

# Past uvicorn's own 5 s, so a server still on it would have closed the idle connection.
IDLE_SECONDS = 6.5
ANSWER_TIMEOUT_SECONDS = 5.0


class Connection:
    """One keep-alive HTTP/1.1 connection, asked for a path at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def to(cls, process: Process) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", process.port))

    async def status_of(self, path: str) -> int:
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await self.writer.drain()
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), ANSWER_TIMEOUT_SECONDS)
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(":", 1) for line in lines[1:] if line)
        length = int(headers["content-length"])
        await asyncio.wait_for(self.reader.readexactly(length), ANSWER_TIMEOUT_SECONDS)
        return int(lines[0].split()[1])

    async def closed_by_peer(self) -> bool:
        """Whether the other end has closed it (end of stream waiting, nothing else)."""
        try:
            return await asyncio.wait_for(self.reader.read(1), 0.5) == b""
        except TimeoutError:
            return False

    def close(self) -> None:
        self.writer.close()


async def test_idle_connections_stay_open_for_the_keep_alive_and_close_after_it(
    simulator: Process, tmp_path: Path
) -> None:
    with processes(tmp_path) as started:
        short_simulator = start_simulator(tmp_path / "short", "--keep-alive", "1", name="short")
        started.started.append(short_simulator)
        servers = {
            "default": started.server("default", "memory://", simulator),
            "short": started.server("short", "memory://", simulator, KEEP_ALIVE_SECONDS="1"),
        }
        await all_ready([*servers.values(), short_simulator])
        paths = {"server": "/health", "simulator": "/control/faults"}
        targets = {
            ("server", "default"): servers["default"],
            ("server", "short"): servers["short"],
            ("simulator", "default"): simulator,
            ("simulator", "short"): short_simulator,
        }
        connections = {key: await Connection.to(process) for key, process in targets.items()}
        try:
            for (kind, _), connection in connections.items():
                assert await connection.status_of(paths[kind]) == 200
            await asyncio.sleep(IDLE_SECONDS)
            for (kind, keep_alive), connection in connections.items():
                if keep_alive == "short":
                    assert await connection.closed_by_peer(), f"{kind} kept it past 1 s"
                else:
                    assert not await connection.closed_by_peer(), f"{kind} closed it"
                    assert await connection.status_of(paths[kind]) == 200
        finally:
            for connection in connections.values():
                connection.close()
