"""uvicorn's httptools protocol with the bounds it lacks: a deadline for a request's headers, a connection cap that
sheds idle connections first, a reset for answers nobody takes, and a way for the app to reset its connection.

uvicorn arms no timer until a response is complete: a connection that sends nothing, or trickles its headers,
holds a descriptor for ever, and with `limit_concurrency` set every such connection also counts against the cap
that decides uvicorn's own 503. Here:

- a connection must deliver a request's headers within HEADER_TIMEOUT of connecting (or of the first byte of its
  next request); otherwise it is closed, with a 408 if part of a request had arrived;
- at the connection limit (uvicorn's `limit_concurrency`, MAX_CONNECTIONS) a new connection first closes the
  oldest connection that is still waiting for its headers, or idle between requests; only when every connection is
  busy is the newcomer let through to uvicorn's 503, and past the limit plus a tenth it is refused at once, so
  descriptors stay bounded;
- an answer that is complete but that the client takes no bytes of for STREAM_IDLE_TIMEOUT is dropped with a reset
  (closing would wait for the buffer to drain, for ever);
- `scope["app.abort"]` resets the connection: how a stream that is cut (`app.streaming.PageStream`) frees its
  socket at once instead of waiting for a client that does not read.

`python -m app` selects it; under a plain uvicorn pass `--http app.server.protocol:GuardedHttpToolsProtocol`. Its
knobs are the app's own settings, read from the lifespan state once per server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import weakref
from dataclasses import dataclass, field
from typing import Any, cast

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from app.config import Settings, load_settings
from app.metrics import CONNECTIONS_CLOSED

ABORT_KEY = "app.abort"
LINGER_NOT = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() resets the connection
_TIMEOUT_BODY = b'{"error":"request_timeout","detail":"the request headers did not arrive in time (HEADER_TIMEOUT)"}'
REQUEST_TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_TIMEOUT_BODY), _TIMEOUT_BODY)
)


@dataclass
class _Server:
    """What the connections of one server share: their bounds, and who is waiting for headers, oldest first."""

    header_timeout: float
    write_idle_timeout: float
    limit: int
    waiting: dict[GuardedHttpToolsProtocol, None] = field(default_factory=dict)

    @property
    def hard_limit(self) -> int:
        return self.limit + self.limit // 10 + 1

    @classmethod
    def of(cls, config: Config, app_state: dict[str, Any]) -> _Server:
        settings = getattr(app_state.get("backend"), "settings", None)
        if not isinstance(settings, Settings):
            settings = load_settings()
        limit = config.limit_concurrency or settings.connection_limit
        return cls(settings.header_timeout, settings.stream_idle_timeout, limit)


_SERVERS: weakref.WeakKeyDictionary[ServerState, _Server] = weakref.WeakKeyDictionary()


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        shared = _SERVERS.get(server_state)
        if shared is None:
            shared = _SERVERS[server_state] = _Server.of(config, app_state)
        self._shared = shared
        self._deadline: asyncio.TimerHandle | None = None
        self._write_watch: asyncio.TimerHandle | None = None
        self._heard = False  # bytes of the awaited request have arrived (a 408 is owed, not a silent close)

    # ---- the connection cap -----------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        shared = self._shared
        if len(self.connections) >= shared.limit:
            victim = next(iter(shared.waiting), None)
            if victim is not None:
                victim._close("evicted")
            elif len(self.connections) > shared.hard_limit:
                CONNECTIONS_CLOSED.labels("refused").inc()
                transport.abort()
                return
        self._await_headers()

    # ---- the header deadline ----------------------------------------------------------------------------------

    def _await_headers(self) -> None:
        self._shared.waiting[self] = None
        if self._deadline is None:
            self._heard = False
            self._deadline = self.loop.call_later(self._shared.header_timeout, self._close, "header_timeout")

    def _stop_waiting(self) -> None:
        self._shared.waiting.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _close(self, reason: str) -> None:
        self._stop_waiting()
        if self.transport.is_closing():
            return
        CONNECTIONS_CLOSED.labels(reason).inc()
        if self._heard:
            self.transport.write(REQUEST_TIMEOUT_ANSWER)
            self.transport.close()
            self.loop.call_later(1.0, self.abort)  # a peer that does not take even that is reset
        else:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self._heard = True
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        cast(dict[str, Any], self.scope)[ABORT_KEY] = self.abort
        if self._deadline is None:  # the next request on a kept-alive connection: its headers get the same bound
            self._await_headers()
            self._heard = True

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)
        super().on_response_complete()
        if self.transport.is_closing():
            if self.transport.get_write_buffer_size():
                self._watch_write(self.transport.get_write_buffer_size())
        elif not pipelined:
            self._heard = False
            self._shared.waiting[self] = None  # idle between requests: uvicorn's keep-alive bounds it, we may evict

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        if self._write_watch is not None:
            self._write_watch.cancel()
            self._write_watch = None
        super().connection_lost(exc)

    # ---- answers nobody takes -----------------------------------------------------------------------------------

    def timeout_keep_alive_handler(self) -> None:
        if self.transport.is_closing():
            return
        pending = self.transport.get_write_buffer_size()
        self.transport.close()
        if pending:
            self._watch_write(pending)

    def _watch_write(self, pending: int) -> None:
        self._write_watch = self.loop.call_later(self._shared.write_idle_timeout, self._check_write, pending)

    def _check_write(self, before: int) -> None:
        self._write_watch = None
        pending = self.transport.get_write_buffer_size()
        if not pending:
            return
        if pending < before:
            self._watch_write(pending)
            return
        CONNECTIONS_CLOSED.labels("write_stalled").inc()
        self.abort()

    def abort(self) -> None:
        """Reset the connection now: whatever is still buffered for the client, here or in the kernel, is dropped.

        A plain `transport.abort()` only closes the descriptor: the kernel would go on holding (and offering) the
        unsent bytes to a client that does not read. Lingering for zero seconds turns the close into a reset."""
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_NOT)
        self.transport.abort()
