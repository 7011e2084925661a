"""A TCP proxy on loopback, to put real network trouble between the service and Cassandra.

Two kinds of trouble, one proxy:

- cut: `cut()` resets every open connection and stops listening, so new connections are refused as if the node were
  gone; `resume()` listens again on the same address (tests/test_errors.py,
  tests/test_streaming.py; the tests import it from here).
- distance: with `delay` (seconds), requests pass at once and every answer from the target is held `delay`, in
  order, so each round trip takes `delay` longer: a database that is not on this machine (bench/tools/delay_proxy.py).

It runs its own event loop in a daemon thread, so a test may block (start a subprocess, use a sync client) while
the proxy keeps forwarding. Whichever side of a proxied connection ends first ends both (an answer still being
delayed is delivered first): a half-open proxy would hide the failure a test wants to show.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
CHUNK = 65536


class TcpProxy:
    def __init__(
        self,
        listen_host: str,
        listen_port: int,
        target_host: str,
        target_port: int,
        *,
        delay: float = 0.0,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    ) -> None:
        """Forward listen_host:listen_port (0: any free port, see `.port`) to target_host:target_port, answers
        held `delay` seconds. `loop_factory` makes the proxy's loop (bench/tools/delay_proxy.py passes uvloop's)."""
        self.listen_host = listen_host
        self.target = (target_host, target_port)
        self.delay = delay
        self._loop = loop_factory()
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
        for end in (client_writer, upstream_writer):  # small answers must not wait for Nagle
            with contextlib.suppress(OSError):
                end.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        answers = self._delayed if self.delay > 0 else self._pipe
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer, client_writer),
            answers(upstream_reader, client_writer, upstream_writer),
        )

    def _end(self, *writers: asyncio.StreamWriter) -> None:
        for end in writers:
            self._writers.discard(end)
            end.transport.abort()

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
            self._end(writer, other)

    async def _delayed(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, other: asyncio.StreamWriter
    ) -> None:
        """Like `_pipe`, but each chunk is written `delay` after it arrived, in order; so is the end."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def release() -> None:
            try:
                while True:
                    due, data = await queue.get()
                    if (wait := due - loop.time()) > 0:
                        await asyncio.sleep(wait)
                    if not data or writer.is_closing():  # the end, or the other side ended first
                        return
                    writer.write(data)
                    await writer.drain()
            except OSError:
                pass
            finally:
                self._end(writer, other)

        releaser = asyncio.ensure_future(release())
        try:
            while data := await reader.read(CHUNK):
                queue.put_nowait((loop.time() + self.delay, data))
        except (OSError, asyncio.IncompleteReadError):
            pass
        queue.put_nowait((loop.time() + self.delay, b""))
        await releaser

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
        # The aborted connections end their handlers by themselves (a delayed answer within `delay`); only what is
        # still running after that is cancelled (a cancelled handler makes Python 3.11's start_server log a traceback).
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self.delay + 2)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def close(self) -> None:
        """Cut everything and stop the proxy's thread."""
        with contextlib.suppress(RuntimeError, TimeoutError):
            self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def start(listen_host: str, listen_port: int, target_host: str, target_port: int, *, delay: float = 0.0) -> TcpProxy:
    """Forward listen_host:listen_port (0: any free port, see `.port`) to target_host:target_port."""
    return TcpProxy(listen_host, listen_port, target_host, target_port, delay=delay)
