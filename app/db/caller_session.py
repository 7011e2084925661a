"""A driver `Session` logged in as a caller's Cassandra role, on the service's one shared `Cluster`.

The driver binds credentials to a `Cluster` (`auth_provider`), and a Cluster per caller would cost each one the
driver's executor (2 threads), its scheduler and heartbeat threads and a control connection. A `Session` is only its
pools: one connection per node of the local DC. What makes one Session log in as someone else is small, because the
driver opens every pool connection through `session.cluster.connection_factory(...)` (pool.py, `HostConnection`:
opening and replacing), and the Cluster's `_make_connection_kwargs` only *defaults* the `authenticator` keyword. So
a `CallerSession`'s `cluster` attribute is a `_CallerCluster`: a view of the shared Cluster that forwards every
attribute (metadata, policies, executor, prepared statements) except these:

- `connection_factory` passes the caller's authenticator, and opens the connection as the plain driver does:
  `app.db.cluster.WatchedCluster` watches the *service's* credentials, and a caller's refusal says nothing of them;
- `signal_connection_failure` keeps a refused login to itself: it is the caller's password, not the node's health,
  and the driver would otherwise mark the node down for every session;
- `monitor_reporting_enabled` is off: on DSE and Astra the driver starts an Insights reporter thread per Session.

The session is registered in the Cluster's `sessions`, so node up/down/add events and the Cluster's one heartbeat
thread reach its pools: it has no thread of its own. Two more driver behaviours are changed for it, both in
`CallerSession`:

- once established, `add_or_renew_pool` returns no future. The driver marks a node up (`Cluster.on_up`, `on_add`)
  only when every session's new pool opened; a caller whose role was dropped must not keep a node down for all.
- a login refused after it was established (a pool re-opened after the role was dropped or its password changed)
  shuts the session down at once, and says so to `on_refused`: the pool's `_replace` would retry at once, forever.
  A statement a request still holding its lease sends afterwards is refused `StaleCredentials` (401, the caller's
  stale password), where the driver would answer that no node is reachable (503). A statement already in flight when
  the connection dropped fails as the connection did.

Everything here blocks: call it in a worker thread. Under `DRIVER_IO=loop` the pools' connections are opened by the
Cluster's executor threads and live on the serving loop, as the service's own do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from cassandra import AuthenticationFailed, ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable, Session

from app.db.errors import server_message, transient_auth_failure
from app.exceptions import DatabaseError

log = logging.getLogger("app.db.caller_session")

OnRefused = Callable[[AuthenticationFailed], None]


class StaleCredentials(DatabaseError):
    """A statement on a caller's session whose reconnection Cassandra refused (the role dropped, its password
    changed): the caller's 401, raised by the session itself, as the driver would only say that no node answered."""

    def __init__(self, message: str) -> None:
        super().__init__(401, "invalid_token", f"Cassandra refused these credentials on reconnecting: {message}")


class _CallerCluster:
    """The shared Cluster as one caller's sessions see it: its own authenticator, its refusals kept to itself."""

    monitor_reporting_enabled = False

    def __init__(self, cluster: Cluster, username: str, password: str) -> None:
        self._cluster = cluster
        self._provider = PlainTextAuthProvider(username, password)
        self._lock = threading.Lock()
        self._refused_endpoints: set[Any] = set()
        self.refusal: AuthenticationFailed | None = None
        self.session: CallerSession | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cluster, name)

    def connection_factory(self, endpoint: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["authenticator"] = self._provider.new_authenticator(endpoint.address)
        try:
            return Cluster.connection_factory(self._cluster, endpoint, *args, **kwargs)
        except AuthenticationFailed as exc:
            with self._lock:
                self.refusal = exc
                self._refused_endpoints.add(endpoint)
            session = self.session
            if session is not None and session.established:
                session.refused_after_login(exc)
            raise

    def signal_connection_failure(
        self, host: Any, connection_exc: BaseException, is_host_addition: bool, expect_host_to_be_down: bool = False
    ) -> bool:
        with self._lock:
            refused = host.endpoint in self._refused_endpoints
            self._refused_endpoints.discard(host.endpoint)
        if refused:
            return False
        return bool(
            self._cluster.signal_connection_failure(host, connection_exc, is_host_addition, expect_host_to_be_down)
        )


class CallerSession(Session):  # type: ignore[misc]  # the driver ships no type hints
    """A Session whose connections log in as one caller; make it with `open_caller_session`."""

    established = False
    on_refused: OnRefused | None = None
    refusal: AuthenticationFailed | None = None  # set when a reconnection was refused: the session is closed

    def execute_async(self, *args: Any, **kwargs: Any) -> Any:
        refusal = self.refusal
        if refusal is not None and transient_auth_failure(refusal):
            raise DatabaseError(503, "database_unavailable", "Cassandra could not check these credentials")
        if refusal is not None:
            raise StaleCredentials(server_message(refusal))
        return super().execute_async(*args, **kwargs)

    def add_or_renew_pool(self, host: Any, is_host_addition: bool) -> Any:
        future = super().add_or_renew_pool(host, is_host_addition)
        # While connecting, Session.__init__ needs the futures; afterwards the Cluster would wait on them to decide
        # whether a node is up (see the module's docstring).
        return future if not self.established else None

    @property
    def usable(self) -> bool:
        """Whether a connection to some node is open: a pool whose connection died stays empty until a node event
        (the driver replaces it only when a request returns it), so a session without one is replaced instead."""
        return not self.is_shutdown and any(
            pool.open_count > 0 for pool in tuple(self._pools.values()) if not pool.is_shutdown
        )

    def refused_after_login(self, exc: AuthenticationFailed) -> None:
        log.info("Cassandra refused a new connection of a caller's session (%s): closing it", exc)
        self.refusal = exc
        callback = self.on_refused
        self.close()
        if callback is not None:
            callback(exc)

    def close(self) -> None:
        """Shut the pools down and leave the Cluster's sessions (blocking; idempotent)."""
        self.shutdown()
        self.cluster._cluster.sessions.discard(self)


def open_caller_session(
    cluster: Cluster,
    username: str,
    password: str,
    *,
    keyspace: str | None = None,
    on_refused: OnRefused | None = None,
) -> CallerSession:
    """A new Session on `cluster` logged in as `username` (blocking: a worker thread). A refused login raises the
    driver's `AuthenticationFailed`; no node answering raises its `NoHostAvailable`."""
    if cluster.is_shutdown or not cluster._is_setup:
        raise NoHostAvailable("the service's Cluster is not connected", {})
    view = _CallerCluster(cluster, username, password)
    # The nodes the driver does not know to be down, as its own `update_created_pools` picks them.
    hosts = [host for host in cluster.metadata.all_hosts() if host.is_up in (True, None)]
    try:
        session = CallerSession(view, hosts, keyspace)
    except NoHostAvailable:
        if view.refusal is not None:
            raise view.refusal from None
        raise
    refusal = view.refusal
    if refusal is not None and not transient_auth_failure(refusal):
        # Accepted by one node and refused by another (a role being dropped, a password being changed): refused.
        session.shutdown()
        raise refusal
    view.session = session
    session.on_refused = on_refused
    session.established = True
    cluster._session_register_user_types(session)
    if cluster.metadata.dbaas:  # what Cluster.connect does for Astra's sessions
        session._default_consistency_level = ConsistencyLevel.LOCAL_QUORUM
    cluster.sessions.add(session)
    return session
