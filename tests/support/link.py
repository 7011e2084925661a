"""A TCP link between the driver and the real node that a test can hold, end with EOF, reset, refuse, or wrap in TLS.

Like bench/harness/proxy.py it runs on its own loop in a daemon thread, so the test's own loop (the one doing the
driver's IO) is never the one forwarding. What it adds: `hold()` keeps the node's answers back (a hung node, seen
from the driver), `eof()` closes every connection cleanly (FIN), `reset()` aborts it (RST, via SO_LINGER 0), and a
TLS server side that records the SNI names clients sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
CHUNK = 65536


class Link:
    def __init__(self, target_host: str, target_port: int, *, tls: ssl.SSLContext | None = None) -> None:
        self.target = (target_host, target_port)
        self.tls = tls
        self.host = "127.0.0.1"
        self.port = 0
        self.accepted = 0
        self.bytes_up = 0  # client -> node, so far
        self.server_names: list[str | None] = []  # SNI per TLS handshake
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="test-link", daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._open = asyncio.Event()
        self._run(self._set_open())
        if tls is not None:
            tls.sni_callback = self._sni
        self._run(self._listen())

    def _sni(self, _sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        self.server_names.append(name)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    async def _set_open(self) -> None:
        self._open.set()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port, reuse_address=True, ssl=self.tls)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            node_reader, node_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        pair = (client_writer, node_writer)
        self._pairs.add(pair)
        try:
            await asyncio.gather(
                self._pipe(client_reader, node_writer, up=True),
                self._pipe(node_reader, client_writer, up=False),
            )
        finally:
            self._pairs.discard(pair)
            for writer in pair:
                writer.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, up: bool) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, ssl.SSLError):
            while data := await reader.read(CHUNK):
                if up:
                    self.bytes_up += len(data)
                else:
                    await self._open.wait()  # hold(): the node's answers wait here
                writer.write(data)
                await writer.drain()
        for end in self._pairs_of(writer):
            end.transport.abort()

    def _pairs_of(self, writer: asyncio.StreamWriter) -> tuple[asyncio.StreamWriter, ...]:
        return next((pair for pair in self._pairs if writer in pair), ())

    # ---- what a test does ---------------------------------------------------------------------------------------

    def hold(self) -> None:
        """Keep every answer from the node back until `release()`: requests time out, heartbeats fail."""
        self._run(self._hold())

    async def _hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._run(self._set_open())

    def eof(self) -> None:
        """Close every connection cleanly towards the driver (FIN after what was already sent)."""
        self._run(self._eof())

    async def _eof(self) -> None:
        for client, node in list(self._pairs):
            node.transport.abort()
            if client.can_write_eof():
                client.write_eof()
            else:  # TLS: close_notify, then FIN
                client.close()

    def reset(self) -> None:
        """Abort every connection with an RST (SO_LINGER 0), as a crashed host's kernel would."""
        self._run(self._reset())

    async def _reset(self) -> None:
        for client, node in list(self._pairs):
            raw = client.get_extra_info("socket")
            if raw is not None:
                with contextlib.suppress(OSError):
                    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.transport.abort()
            node.transport.abort()

    def refuse(self) -> None:
        """Reset everything and stop listening: the node is gone until `accept()`."""
        self._run(self._refuse())

    async def _refuse(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await self._reset()

    def accept(self) -> None:
        if self._server is None:
            self._run(self._listen())

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError):
            self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _shutdown(self) -> None:
        await self._refuse()
        self._open.set()
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
