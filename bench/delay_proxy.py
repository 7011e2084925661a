"""A TCP proxy that delays every answer from Cassandra by a fixed time: a database that is not on this machine.

Usage: python -m bench.delay_proxy LISTEN_PORT TARGET_PORT DELAY_MS (on 127.0.0.1). Requests pass at once;
answers are held DELAY_MS, in order, so each round trip to Cassandra takes DELAY_MS longer.
"""

from __future__ import annotations

import asyncio
import socket
import sys

import uvloop

CHUNK = 65536


async def _forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def _delayed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def release() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                writer.close()
                return
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            writer.write(data)

    releaser = asyncio.ensure_future(release())
    try:
        while data := await reader.read(CHUNK):
            queue.put_nowait((loop.time() + delay, data))
    except OSError:
        pass
    queue.put_nowait((loop.time() + delay, b""))
    await releaser


async def main(listen_port: int, target_port: int, delay_ms: float) -> None:
    async def accept(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target_port)
        for end in (client_writer, upstream_writer):  # small answers must not wait for Nagle
            end.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(
            _forward(client_reader, upstream_writer), _delayed(upstream_reader, client_writer, delay_ms / 1000)
        )

    server = await asyncio.start_server(accept, "127.0.0.1", listen_port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])))
