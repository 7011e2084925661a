"""Pass-through identity: a bounded cache of driver sessions, one per caller's credential, on the shared Cluster.

In pass-through mode a request's statements run as the caller's own Cassandra role, so that Cassandra's GRANTs
decide. `Identities.session_for(credential, client=address)` gives the request a lease on a session logged in as
that role (`app.db.caller_session`: a Session on the service's Cluster, no Cluster, thread or control connection of
its own). Schema metadata, prepared statements and the catalog stay the service's: a statement prepared on the
service's session runs on a caller's session as is, and Cassandra checks the caller's permissions at each execution.

What a credential may cost the service, and Cassandra (each login is a bcrypt on the node):

- sessions are keyed by the credential's digest (`Credential.key`), never its password, and opened lazily: one
  login at a time per credential (`SingleFlight`), in worker threads under a limiter of their own (never anyio's
  default pool);
- a refused login is remembered for IDENTITY_REFUSED_SECONDS: the same credentials are refused again without a
  connection. New credentials log in no faster than IDENTITY_LOGINS_PER_SECOND for the process and
  IDENTITY_LOGINS_PER_ADDRESS_PER_SECOND per client address (token buckets; an address is charged only when the
  process had a login left); past either, a `LoginsShed` (503, and 429 on /v1/auth);
- at most IDENTITY_SESSIONS sessions are cached. A full cache retires the least recently used one (an unused one
  first); a session unused for IDENTITY_IDLE_SECONDS is retired too;
- a session older than IDENTITY_MAX_AGE_SECONDS is retired at its next use (or by the sweeper), and the next request
  logs in again: a dropped role or a changed password is refused then. That is how long a session opened before the
  change can go on serving (Cassandra checks the password only when a connection logs in; GRANTs and REVOKEs apply
  to open sessions at once, with Cassandra's own permissions cache);
- a retired session is closed (`Session.shutdown`, in a worker thread) once the last lease on it is released: leases
  are reference counts, so eviction never cuts a request's statements short. Retired sessions still leased are
  bounded too: when IDENTITY_SESSIONS of them are waiting to close, new logins are shed.

All of it runs on the event loop's thread; a lease may be released from any thread (or by the garbage collector, for
a lease that was dropped without being released).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from threading import get_ident
from typing import Protocol

import anyio
from cassandra import AuthenticationFailed
from cassandra.cluster import Cluster, Session
from pydantic import SecretStr

from app.config import Settings
from app.db.caller_session import CallerSession, open_caller_session
from app.db.errors import map_driver_error, server_message, transient_auth_failure
from app.exceptions import DatabaseError, ServiceError, Shed
from app.rates import Remembered, TokenBucket
from app.singleflight import SingleFlight

log = logging.getLogger("app.db.identities")

LOGIN_CONCURRENCY = 2  # the Cluster's executor, which opens the pools, has two threads
MAX_ADDRESSES = 10_000  # client addresses whose login buckets are kept (least recently seen forgotten first)
MAX_REFUSED = 10_000  # refused credentials remembered (oldest forgotten first)
LEASE_RETRIES = 3  # a session retired between its login and a waiter's lease: log in again this often
LOGIN_LIMIT = "identity_logins"  # the `limit` of a Shed for a login over a rate


class LoginsShed(Shed):
    """A new credential's login over IDENTITY_LOGINS_PER_SECOND or IDENTITY_LOGINS_PER_ADDRESS_PER_SECOND: 503 on
    the data faces, 429 on /v1/auth; `retry_after` is the seconds until the bucket has a login again."""

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(LOGIN_LIMIT, detail)
        self.retry_after = retry_after


class LoginCredential(Protocol):
    """What `session_for` needs of a credential (`app.identity.credentials.Credential`)."""

    @property
    def username(self) -> str: ...

    @property
    def password(self) -> SecretStr: ...

    @property
    def key(self) -> str: ...


class CredentialsRefused(ServiceError):
    """Cassandra refused the caller's credentials (a 401): Cassandra's words, which name the user, never a password."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, "invalid_token", detail)


@dataclass(eq=False, slots=True)
class _Entry:
    key: str
    username: str
    session: CallerSession
    created: float
    used: float
    leases: int = 0
    retired: bool = False
    closing: bool = False


class Lease:
    """A request's hold on a caller's session: `session` stays open until `release()` (idempotent; also on exit of
    `async with`, and when the lease is garbage-collected)."""

    __slots__ = ("__weakref__", "_release", "session", "username")

    def __init__(self, owner: Identities, entry: _Entry) -> None:
        self.session: Session = entry.session
        self.username = entry.username
        self._release = weakref.finalize(self, owner._release_from_any_thread, entry)
        self._release.atexit = False

    def release(self) -> None:
        self._release()

    async def __aenter__(self) -> Session:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        self.release()


class Identities:
    """One per process: the sessions of the callers' credentials on `cluster` (connected, the service's own)."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        max_sessions: int = 50,
        idle_seconds: float = 300.0,
        max_age_seconds: float = 3600.0,
        refused_seconds: float = 60.0,
        logins_per_second: float = 10.0,
        logins_per_address_per_second: float = 2.0,
        keyspace: str | None = None,
        login_concurrency: int = LOGIN_CONCURRENCY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cluster = cluster
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.max_age_seconds = max_age_seconds
        self.keyspace = keyspace
        self.logins_per_address_per_second = logins_per_address_per_second
        self.logins = 0  # logins attempted (each one connection per node): for tests and metrics
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._retired: set[_Entry] = set()  # retired, still leased or closing
        self._refused = Remembered(refused_seconds, capacity=MAX_REFUSED, clock=clock)
        self._global = TokenBucket(logins_per_second, max(1.0, logins_per_second), clock=clock)
        self._per_address: OrderedDict[str, TokenBucket] = OrderedDict()
        self._flight: SingleFlight[str, _Entry] = SingleFlight()
        self._limiter = anyio.CapacityLimiter(login_concurrency)
        self._logging_in: set[asyncio.Future[object]] = set()
        self._closing: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._closed = False

    @classmethod
    def from_settings(cls, cluster: Cluster, settings: Settings) -> Identities:
        return cls(
            cluster,
            max_sessions=settings.identity_sessions,
            idle_seconds=settings.identity_idle_seconds,
            max_age_seconds=settings.identity_max_age_seconds,
            refused_seconds=settings.identity_refused_seconds,
            logins_per_second=settings.identity_logins_per_second,
            logins_per_address_per_second=settings.identity_logins_per_address_per_second,
        )

    def __len__(self) -> int:
        """Sessions cached (not counting retired ones still closing)."""
        return len(self._entries)

    @property
    def open_sessions(self) -> int:
        """Sessions not yet shut down: cached, and retired ones waiting for their leases or closing."""
        return len(self._entries) + len(self._retired)

    # ---- a request's session ----------------------------------------------------------------------------------

    async def session_for(
        self, credential: LoginCredential, *, client: str | None = None, fresh: bool = False
    ) -> Lease:
        """A lease on a session logged in as `credential`, opened if need be. Raises `CredentialsRefused` (401),
        `Shed` (503: a login limit) or a `DatabaseError` (no node answered; Cassandra could not check).

        `fresh`: Cassandra checks the credential now, by a new login that replaces a cached session (charged to the
        login limits as a new credential's): what /v1/auth needs, as a cached session says nothing of a role dropped
        or a password changed since it logged in."""
        if self._closed:
            raise Shed("identities", "the service is shutting down")
        self._bind()
        key = credential.key
        charged = False
        for _ in range(LEASE_RETRIES):
            entry = self._entries.get(key)
            if entry is not None and fresh and not charged:
                self._retire(entry, "a fresh login asked for")
                entry = None
            if entry is not None and not self._current(entry):
                charged = True  # logging a known credential in again is not a new credential's login
                entry = None
            if entry is None:
                refused = self._refused.get(key)
                if refused is not None:
                    raise refused
                if not charged and not self._flight.running(key):
                    self._spend(client)
                    charged = True
                entry = await self._flight.run(key, partial(self._login, credential))
            if not entry.closing:
                return self._lease(entry)
        raise Shed("identities", "too many new credentials at once: try again shortly (IDENTITY_SESSIONS)")

    @asynccontextmanager
    async def use(self, credential: LoginCredential, *, client: str | None = None) -> AsyncIterator[Session]:
        """`session_for` as a block: the session, released when the block ends."""
        lease = await self.session_for(credential, client=client)
        try:
            yield lease.session
        finally:
            lease.release()

    def _current(self, entry: _Entry) -> bool:
        """Whether a cached session may serve: not older than IDENTITY_MAX_AGE_SECONDS, and with a connection open.
        If not, it is retired, and the credential logs in again."""
        if self._clock() - entry.created >= self.max_age_seconds:
            self._retire(entry, "max age")
            return False
        if not entry.session.usable:
            self._retire(entry, "no open connection")
            return False
        return True

    def _lease(self, entry: _Entry) -> Lease:
        entry.leases += 1
        entry.used = self._clock()
        if not entry.retired:
            self._entries.move_to_end(entry.key)
        return Lease(self, entry)

    def _spend(self, client: str | None) -> None:
        """One login of a new credential, or a 503. The address's bucket is charged only when the process's has a
        login left: a flood elsewhere must not use up a quiet address's logins."""
        if len(self._retired) >= self.max_sessions and len(self._entries) >= self.max_sessions:
            raise Shed("identities", "too many sessions still closing: try again shortly (IDENTITY_SESSIONS)")
        bucket = self._bucket_of(client) if client is not None else None
        if bucket is not None and bucket.wait() > 0:
            raise LoginsShed(
                "too many new credentials from this address: try again shortly "
                "(IDENTITY_LOGINS_PER_ADDRESS_PER_SECOND)",
                bucket.wait(),
            )
        if not self._global.take():
            raise LoginsShed(
                "too many new credentials at once: try again shortly (IDENTITY_LOGINS_PER_SECOND)", self._global.wait()
            )
        if bucket is not None:
            bucket.take()

    def _bucket_of(self, client: str) -> TokenBucket:
        bucket = self._per_address.get(client)
        if bucket is None:
            rate = self.logins_per_address_per_second
            bucket = self._per_address[client] = TokenBucket(rate, max(1.0, rate), clock=self._clock)
            if len(self._per_address) > MAX_ADDRESSES:
                self._per_address.popitem(last=False)
        else:
            self._per_address.move_to_end(client)
        return bucket

    # ---- logging in -------------------------------------------------------------------------------------------

    async def _login(self, credential: LoginCredential) -> _Entry:
        """Open the credential's session (a worker thread, under the limiter) and cache it."""
        task = asyncio.current_task()
        assert task is not None
        self._logging_in.add(task)
        try:
            self.logins += 1
            on_refused = partial(self._refused_from_any_thread, credential.key)
            opening = partial(
                open_caller_session,
                self.cluster,
                credential.username,
                credential.password.get_secret_value(),
                keyspace=self.keyspace,
                on_refused=on_refused,
            )
            try:
                session = await anyio.to_thread.run_sync(opening, limiter=self._limiter)
            except AuthenticationFailed as exc:
                raise self._login_refused(credential.key, exc) from None
            except Exception as exc:
                raise map_driver_error(exc) from None
            now = self._clock()
            entry = _Entry(credential.key, credential.username, session, created=now, used=now)
            if self._closed:
                entry.retired = True
                self._retired.add(entry)
                self._close_soon(entry)
                raise Shed("identities", "the service is shutting down")
            self._make_room()
            self._entries[entry.key] = entry
            self._ensure_sweeper()
            return entry
        finally:
            self._logging_in.discard(task)

    def _login_refused(self, key: str, exc: AuthenticationFailed) -> ServiceError:
        if transient_auth_failure(exc):
            return DatabaseError(503, "database_unavailable", "Cassandra could not check these credentials")
        error = CredentialsRefused(server_message(exc))
        self._refused.remember(key, error)
        return error

    def _refused_from_any_thread(self, key: str, exc: AuthenticationFailed) -> None:
        """A cached session's reconnection was refused (the driver's executor thread): forget it, remember why."""
        self._call_on_loop(self._refused_on_loop, key, exc)

    def _refused_on_loop(self, key: str, exc: AuthenticationFailed) -> None:
        if not transient_auth_failure(exc):
            self._refused.remember(key, CredentialsRefused(server_message(exc)))
        entry = self._entries.get(key)
        if entry is not None and entry.session.is_shutdown:
            self._retire(entry, "refused on reconnecting")

    # ---- retiring and closing ---------------------------------------------------------------------------------

    def _make_room(self) -> None:
        while len(self._entries) >= self.max_sessions:
            unused = next((e for e in self._entries.values() if e.leases == 0), None)
            self._retire(unused or next(iter(self._entries.values())), "least recently used")

    def _retire(self, entry: _Entry, why: str) -> None:
        """Out of the cache now; closed once its last lease is released."""
        if self._entries.get(entry.key) is entry:
            del self._entries[entry.key]
        if entry.retired:
            return
        entry.retired = True
        self._retired.add(entry)
        log.debug("retiring the session of %s (%s, %d lease(s))", entry.username, why, entry.leases)
        if entry.leases == 0:
            self._close_soon(entry)

    def _release_from_any_thread(self, entry: _Entry) -> None:
        self._call_on_loop(self._release, entry)

    def _release(self, entry: _Entry) -> None:
        entry.leases -= 1
        entry.used = self._clock()
        if entry.retired and entry.leases == 0:
            self._close_soon(entry)

    def _close_soon(self, entry: _Entry) -> None:
        if entry.closing:
            return
        entry.closing = True
        task = asyncio.get_running_loop().create_task(self._shut_down(entry))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _shut_down(self, entry: _Entry) -> None:
        try:
            await anyio.to_thread.run_sync(entry.session.close, limiter=self._limiter)
        except Exception:
            log.exception("closing the session of %s failed", entry.username)
        finally:
            self._retired.discard(entry)

    def sweep(self) -> None:
        """Retire the sessions idle for IDENTITY_IDLE_SECONDS or older than IDENTITY_MAX_AGE_SECONDS."""
        now = self._clock()
        for entry in list(self._entries.values()):
            if entry.leases == 0 and now - entry.used >= self.idle_seconds:
                self._retire(entry, "idle")
            elif now - entry.created >= self.max_age_seconds:
                self._retire(entry, "max age")

    def _ensure_sweeper(self) -> None:
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        interval = max(0.05, min(30.0, min(self.idle_seconds, self.max_age_seconds) / 4))
        while self._entries:
            await asyncio.sleep(interval)
            self.sweep()

    async def close(self) -> None:
        """Shut every session down (logins under way included); later calls of `session_for` are shed."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._logging_in:
            await asyncio.gather(*self._logging_in, return_exceptions=True)
        for entry in [*self._entries.values(), *self._retired]:
            self._retire(entry, "closing")
            self._close_soon(entry)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    # ---- threads ----------------------------------------------------------------------------------------------

    def _bind(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop_thread = get_ident()

    def _call_on_loop(self, function: Callable[..., None], *args: object) -> None:
        if get_ident() == self._loop_thread:
            function(*args)
            return
        loop = self._loop
        if loop is None:
            return
        with suppress(RuntimeError):  # the loop is closed: nothing is left to release
            loop.call_soon_threadsafe(function, *args)
