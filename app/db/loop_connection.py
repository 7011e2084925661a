"""The driver's sockets as transports of the application's own event loop: no IO thread, no hop per request.

With libev (the driver's default) every request wakes a second OS thread: the loop thread's `push` kicks libev, the
libev thread writes, reads, decodes and runs the callbacks, and each answer hops back with `call_soon_threadsafe`,
with the two threads trading the GIL several times per request. `LoopConnection` is a `cassandra.connection.Connection`
whose socket is a transport of the running (uv)loop, whose timers are `loop.call_later`, and whose foreign-thread
calls (the driver's executor, heartbeat and reconnection threads) reach the loop through `call_soon_threadsafe`.
`ResponseFuture`, `execute_async` and every driver policy are the driver's own, unchanged.

Bind it to the loop on the loop's thread, then keep every blocking driver call (`Cluster.connect`, `prepare`,
`shutdown`) in worker threads while the loop runs, and shut the Cluster down before the loop closes:

    connection_class = LoopConnection.bind(asyncio.get_running_loop())
    cluster = Cluster(..., connection_class=connection_class)
    session = await anyio.to_thread.run_sync(cluster.connect)

A blocking driver call made on the loop thread could never finish (the loop it waits for is the one it blocks), so
it raises `BlockingDriverCall` at once instead: connecting, `wait_for_responses`, and `ResponseFuture.result()` on
an unfinished future of a loop-bound session (`Session.execute`, `Session.prepare`, a `ResultSet`'s next page).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import ssl
import time
from threading import get_ident
from typing import Any, ClassVar

from cassandra import OperationTimedOut
from cassandra.cluster import ResponseFuture
from cassandra.connection import Connection, ConnectionException, ConnectionShutdown

log = logging.getLogger("app.db.loop_connection")

# The transport's write buffer, before `_socket_writable` goes False and the driver answers ConnectionBusy (it then
# tries the next host). libev only does that when the kernel's socket buffer is full; 4 MiB is of that order.
WRITE_BUFFER_HIGH = 4 * 1024 * 1024
# Frames pushed on the loop thread in one loop iteration go out in one write (one send for many requests, fewer
# segments for Cassandra to read); bench/targets/variants.py turns it off to price it.
COALESCE = True


class BlockingDriverCall(RuntimeError):
    """A blocking driver call on the thread that runs the driver's IO: it would wait for itself forever."""


class LoopConnection(Connection):  # type: ignore[misc]  # the driver ships no type hints: Connection is Any
    """A driver connection on an asyncio/uvloop event loop; use a subclass from `bind(loop)`."""

    _loop: ClassVar[asyncio.AbstractEventLoop | None] = None
    _loop_thread: ClassVar[int | None] = None
    _pid: ClassVar[int | None] = None

    is_closed: bool  # the driver's, declared for the type checker (set on the base class)
    is_defunct: bool
    _transport: asyncio.Transport | None = None
    _tls: ssl.SSLContext | None = None
    _handed_over = False  # the socket belongs to the transport from then on: never close it ourselves
    _pending: list[bytes]

    @classmethod
    def bind(cls, loop: asyncio.AbstractEventLoop | None = None) -> type[LoopConnection]:
        """A connection class whose sockets live on `loop` (default: the running one). Call it on the loop's thread.

        One subclass per loop, so two apps on two loops in one process (tests) never share IO state."""
        loop = loop or asyncio.get_running_loop()
        attrs = {"_loop": loop, "_loop_thread": get_ident(), "_pid": os.getpid(), "__module__": __name__}
        return type(f"{cls.__name__}@{id(loop):x}", (cls,), attrs)

    @classmethod
    def on_loop_thread(cls) -> bool:
        return get_ident() == cls._loop_thread

    @classmethod
    def _refuse_on_loop(cls, what: str) -> None:
        if get_ident() == cls._loop_thread:
            raise BlockingDriverCall(
                f"{what} blocks until the event loop does the IO, and this is the event loop's thread: "
                "run it in a worker thread (anyio.to_thread.run_sync / asyncio.to_thread), or use execute_async"
            )

    # ---- the reactor contract: class level --------------------------------------------------------------------

    @classmethod
    def initialize_reactor(cls) -> None:
        """Called by `Cluster.connect()` on the connecting thread: the loop must be bound and running, elsewhere."""
        loop = cls._loop
        if loop is None:
            raise ConnectionException("LoopConnection is not bound to a loop: use LoopConnection.bind(loop)")
        if cls._pid != os.getpid():
            raise ConnectionException("LoopConnection was bound to an event loop of another process (fork)")
        cls._refuse_on_loop("Cluster.connect()")
        if loop.is_closed() or not loop.is_running():
            raise ConnectionException("the event loop LoopConnection is bound to is not running")

    @classmethod
    def create_timer(cls, timeout: float, callback: Any) -> LoopTimer:
        assert cls._loop is not None and cls._loop_thread is not None
        return LoopTimer(cls._loop, cls._loop_thread, timeout, callback)

    @classmethod
    def factory(cls, endpoint: Any, timeout: float, *args: Any, **kwargs: Any) -> LoopConnection:
        cls._refuse_on_loop("opening a driver connection")
        connection: LoopConnection = super().factory(endpoint, timeout, *args, **kwargs)
        return connection

    # ---- one connection ---------------------------------------------------------------------------------------

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        Connection.__init__(self, *args, **kwargs)
        self._refuse_on_loop("opening a driver connection")
        self._pending = []
        loop = self._loop
        assert loop is not None
        # The TCP connect blocks this (foreign) thread, as with libev; TLS is then done by the transport, because
        # asyncio and uvloop accept only a plain socket (`_wrap_socket_from_context` below keeps it plain).
        self._tls = self.ssl_context
        self._connect_socket()
        self._socket.setblocking(False)
        try:
            attached = asyncio.run_coroutine_threadsafe(self._attach(), loop)
        except RuntimeError as exc:  # the loop is closed
            self._socket.close()
            raise ConnectionException(f"the event loop is closed: {exc}", self.endpoint) from None
        try:
            attached.result(self.connect_timeout)
        except TimeoutError:
            attached.cancel()
            raise OperationTimedOut(
                f"TLS handshake or transport set-up with {self.endpoint} took longer than {self.connect_timeout}s"
            ) from None
        self._send_options_message()

    def _wrap_socket_from_context(self) -> socket.socket:
        return self._socket  # type: ignore[no-any-return]  # plain on purpose: TLS happens in _attach

    def _server_hostname(self) -> str:
        """SNI and certificate name as the driver's own wrap_socket would use them (PYTHON-1186).

        The endpoint's ssl_options name it for Astra's SNI proxy (the host id); otherwise the address, only when the
        context checks host names. An empty string means neither SNI nor a name check, as the driver does."""
        name = self.ssl_options.get("server_hostname")
        if name:
            return str(name)
        if self._tls is not None and self._tls.check_hostname:
            return str(self.endpoint.address)
        return ""

    async def _attach(self) -> None:
        loop = self._loop
        assert loop is not None
        self._handed_over = True
        if self._tls is None:
            transport, _ = await loop.create_connection(lambda: _DriverProtocol(self), sock=self._socket)
        else:
            transport, _ = await loop.create_connection(
                lambda: _DriverProtocol(self),
                sock=self._socket,
                ssl=self._tls,
                server_hostname=self._server_hostname(),
                ssl_handshake_timeout=self.connect_timeout or None,
            )
        transport.set_write_buffer_limits(high=WRITE_BUFFER_HIGH)
        self._transport = transport
        if self.is_closed:  # closed while attaching (a timed-out factory)
            transport.abort()

    def push(self, data: bytes) -> None:
        """Queue one whole frame: on the loop thread, written with whatever else this loop iteration queued (one
        send for many requests); from any other thread, scheduled onto the loop."""
        if get_ident() == self._loop_thread:
            if COALESCE:
                pending = self._pending
                pending.append(data)
                if len(pending) == 1:
                    self._loop.call_soon(self._flush)  # type: ignore[union-attr]
                return
            self._write(data)
            return
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(self._write, data)
        except RuntimeError:  # the loop is closed: nothing will ever send this
            self.defunct(ConnectionShutdown(f"Connection to {self.endpoint}: the event loop is closed"))

    def _flush(self) -> None:
        pending = self._pending
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        self._write(data)

    def _write(self, data: bytes) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.write(data)

    def close(self) -> None:
        with self.lock:
            if self.is_closed:
                return
            self.is_closed = True
        log.debug("Closing connection (%s) to %s", id(self), self.endpoint)
        loop = self._loop
        assert loop is not None
        if get_ident() == self._loop_thread and not loop.is_closed():
            self._close_transport()
        else:
            try:
                loop.call_soon_threadsafe(self._close_transport)
            except RuntimeError:  # the loop is closed (the Cluster outlived it): nothing runs this socket any more
                # Safe even once handed over: uvloop holds an io-ref (so this only marks it) and closes or detaches
                # the descriptor itself; asyncio's transport shares this very object.
                with contextlib.suppress(OSError):
                    self._socket.close()
        # Don't leave in-progress requests hanging (a defunct connection errors them itself).
        if not self.is_defunct:
            self.error_all_requests(ConnectionShutdown(f"Connection to {self.endpoint} was closed"))

    def _close_transport(self) -> None:
        if self._transport is not None:
            self._transport.abort()  # not close(): a hung node would never drain its buffer
        elif not self._handed_over and self._socket is not None:
            self._socket.close()

    def wait_for_responses(self, *msgs: Any, **kwargs: Any) -> Any:
        self._refuse_on_loop("Connection.wait_for_responses()")
        return Connection.wait_for_responses(self, *msgs, **kwargs)


class _DriverProtocol(asyncio.Protocol):
    """Bytes from the transport into the driver's frame parser, and the transport's events as the driver's states."""

    __slots__ = ("_connection",)

    def __init__(self, connection: LoopConnection) -> None:
        self._connection = connection

    def data_received(self, data: bytes) -> None:
        connection = self._connection
        connection._iobuf.write(data)
        try:
            connection.process_io_buffer()
        except Exception as exc:  # the driver's own parser failed: this connection cannot be trusted any more
            log.exception("Error processing data from %s", connection.endpoint)
            connection.defunct(exc)

    def eof_received(self) -> bool:
        connection = self._connection
        log.debug("Connection %s closed by server", connection)
        connection.defunct(ConnectionShutdown(f"Connection to {connection.endpoint} was closed by the server"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        connection = self._connection
        if exc is not None:
            connection.defunct(exc)
        else:
            connection.close()

    def pause_writing(self) -> None:
        self._connection._socket_writable = False

    def resume_writing(self) -> None:
        self._connection._socket_writable = True


class LoopTimer:
    """`connection_class.create_timer`'s result: `loop.call_later` on the loop thread; from other threads (the
    driver builds futures in its executor and in `Session.prepare`) armed and cancelled through the loop."""

    __slots__ = ("_cancelled", "_handle", "_loop", "_loop_thread")

    def __init__(self, loop: asyncio.AbstractEventLoop, loop_thread: int, timeout: float, callback: Any) -> None:
        self._loop = loop
        self._loop_thread = loop_thread
        self._cancelled = False
        self._handle: asyncio.TimerHandle | None = None
        if get_ident() == loop_thread:
            self._handle = loop.call_later(timeout, callback)
            return
        deadline = time.monotonic() + timeout
        with contextlib.suppress(RuntimeError):  # the loop is closed: nothing it would time out can still finish
            loop.call_soon_threadsafe(self._arm, deadline, callback)

    def _arm(self, deadline: float, callback: Any) -> None:
        if not self._cancelled:
            self._handle = self._loop.call_later(max(0.0, deadline - time.monotonic()), callback)

    def cancel(self) -> None:
        """Cancelling drops the callback (and the future it holds) at once: nothing retains a finished request."""
        self._cancelled = True
        if get_ident() == self._loop_thread:
            if self._handle is not None:
                self._handle.cancel()
            return
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._cancel_on_loop)

    def _cancel_on_loop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()


def _install_result_guard() -> None:
    """`ResponseFuture.result()` waits without a timeout; on the loop thread of its own session it would wait for
    ever (its answer and its timeout both need that loop). Make exactly that case fail at once."""
    original = ResponseFuture.result
    if getattr(original, "_loop_guard", False):
        return

    def result(self: Any) -> Any:
        if not self._event.is_set():
            cls = self.session.cluster.connection_class
            if getattr(cls, "_loop_thread", None) == get_ident():
                raise BlockingDriverCall(
                    "ResponseFuture.result() (Session.execute, Session.prepare, ResultSet paging) on the event "
                    "loop that does this session's IO would wait for itself: await it through app.db.database, or "
                    "run it in a worker thread"
                )
        return original(self)

    result.__doc__ = original.__doc__
    result._loop_guard = True  # type: ignore[attr-defined]  # marks the wrapper, so a reload never wraps it twice
    ResponseFuture.result = result


_install_result_guard()
