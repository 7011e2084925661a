"""A TCP proxy on loopback that a test can cut, to make real connection failures between the service and Cassandra.

It runs its own event loop in a daemon thread, so a test may block (start a subprocess, use a sync client) while
the proxy keeps forwarding. `cut()` resets every open connection and stops listening, so new connections are refused
as if the node were gone; `resume()` listens again on the same address.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
CHUNK = 65536


class TcpProxy:
    def __init__(self, listen_host: str, listen_port: int, target_host: str, target_port: int) -> None:
        self.listen_host = listen_host
        self.target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0  # accepted so far
        self.port = listen_port
        self._run(self._listen())

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.listen_host, self.port, reuse_address=True)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, upstream_writer))
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer, client_writer),
            self._pipe(upstream_reader, client_writer, upstream_writer),
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, other: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            # Whichever side ends first ends both: a half-open proxy would hide the failure we want to show.
            for end in (writer, other):
                self._writers.discard(end)
                end.transport.abort()

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # RST: the driver sees the connection die at once
        self._writers.clear()

    def cut(self) -> None:
        """Reset every proxied connection and refuse new ones until `resume()`."""
        self._run(self._cut())

    def resume(self) -> None:
        """Accept connections again on the same address."""
        if self._server is None:
            self._run(self._listen())

    async def _shutdown(self) -> None:
        await self._cut()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def close(self) -> None:
        """Cut everything and stop the proxy's thread."""
        with contextlib.suppress(RuntimeError, TimeoutError):
            self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def start(listen_host: str, listen_port: int, target_host: str, target_port: int) -> TcpProxy:
    """Forward listen_host:listen_port (0: any free port, see `.port`) to target_host:target_port."""
    return TcpProxy(listen_host, listen_port, target_host, target_port)
