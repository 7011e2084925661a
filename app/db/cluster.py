"""Open and close the driver's Cluster for either deployment: Astra through its bundle, or self-hosted contact points.

Every start-up failure becomes one `StartupError` line naming the variable or the service to look at.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import urllib.error
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from cassandra import AuthenticationFailed, ConsistencyLevel, DriverException, InvalidRequest
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable, Session
from cassandra.connection import ConnectionException
from cassandra.policies import (
    ConstantSpeculativeExecutionPolicy,
    DCAwareRoundRobinPolicy,
    ExponentialReconnectionPolicy,
    TokenAwarePolicy,
)
from cassandra.query import dict_factory

from app.config import Mode, Settings
from app.db.credentials import Refusals
from app.db.errors import transient_auth_failure
from app.exceptions import StartupError

log = logging.getLogger("app.cluster")

ASTRA_PROTOCOL_VERSION = 4


class WatchedCluster(Cluster):  # type: ignore[misc]  # the driver ships no type hints
    """A Cluster that tells `refusals` whether each new connection's credentials were accepted, and that keeps
    trying a node whose login was refused.

    Every connection the driver opens (control connection, pools, re-preparing) comes from `connection_factory`,
    and a node's reconnector uses `_make_connection_factory`; a refused login raises `AuthenticationFailed` out of
    them. The driver's reconnector gives a node up for good on `AuthenticationFailed` (cassandra/pool.py,
    `_HostReconnectionHandler.on_exception`): with one node, or Astra's one SNI proxy, the service would never
    recover without a restart, not even once the credentials work again. So the reconnector sees the refusal as a
    connection failure, and tries again on the reconnection policy's schedule (with backoff)."""

    def __init__(self, *args: Any, refusals: Refusals, **kwargs: Any) -> None:
        self.refusals = refusals
        super().__init__(*args, **kwargs)

    def connection_factory(self, endpoint: Any, *args: Any, **kwargs: Any) -> Any:
        return _observed(self.refusals, False, super().connection_factory, endpoint, *args, **kwargs)

    def _make_connection_factory(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        # The reconnector's factory: like the driver's, it holds no reference to the Cluster.
        return partial(_observed, self.refusals, True, super()._make_connection_factory(host, *args, **kwargs))


class CredentialsRefused(ConnectionException):  # type: ignore[misc]
    """A reconnection whose login was refused, told to the reconnector as a failure it retries."""


def _observed(refusals: Refusals, keep_trying: bool, factory: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        connection = factory(*args, **kwargs)
    except AuthenticationFailed as exc:
        if not transient_auth_failure(exc):
            refusals.connection_refused(exc)
        if keep_trying:
            raise CredentialsRefused(str(exc)) from exc
        raise
    refusals.connection_accepted()
    return connection


def build_cluster(settings: Settings) -> Cluster:
    """A Cluster object (no connection yet): token-aware, DC-aware, dict rows, our request timeout."""
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=settings.cassandra_local_dc)),
        request_timeout=settings.request_timeout,
        row_factory=dict_factory,
        # Only idempotent statements are speculated on (all of ours are): a hung coordinator costs one delay.
        speculative_execution_policy=ConstantSpeculativeExecutionPolicy(settings.speculative_delay, 1)
        if settings.speculative_delay
        else None,
    )
    common: dict[str, object] = {
        "execution_profiles": {EXEC_PROFILE_DEFAULT: profile},
        # Back off from RECONNECT_DELAY to RECONNECT_MAX_DELAY, and never give up (the default stops after 64): a
        # node that comes back is used again within RECONNECT_MAX_DELAY, and refused credentials are not retried
        # every second per host and per worker.
        "reconnection_policy": ExponentialReconnectionPolicy(
            settings.reconnect_delay, settings.reconnect_max_delay, max_attempts=None
        ),
        "connect_timeout": settings.connect_timeout,
        "control_connection_timeout": settings.connect_timeout,
    }
    if settings.mode is Mode.ASTRA:
        return _astra_cluster(settings, common)
    if settings.cassandra_username:
        password = settings.cassandra_password.get_secret_value() if settings.cassandra_password else ""
        common["auth_provider"] = PlainTextAuthProvider(settings.cassandra_username, password)
    if settings.cassandra_protocol_version:
        common["protocol_version"] = settings.cassandra_protocol_version
    if settings.tls:
        common["ssl_context"] = tls_context(settings)
    return WatchedCluster(
        contact_points=settings.cassandra_contact_points,
        port=settings.cassandra_port,
        refusals=Refusals(),
        **common,
    )


def tls_context(settings: Settings) -> ssl.SSLContext:
    """TLS to self-hosted nodes: verify them against CASSANDRA_TLS_CA_FILE, host names included (the driver names
    each node by its address), and present our certificate if one is set."""
    ca, cert, key = settings.cassandra_tls_ca_file, settings.cassandra_tls_cert_file, settings.cassandra_tls_key_file
    assert ca is not None
    try:
        context = ssl.create_default_context(cafile=str(ca))
    except (OSError, ssl.SSLError) as exc:
        raise StartupError(
            f"CASSANDRA_TLS_CA_FILE: {ca} is not a readable PEM CA certificate ({_short(exc)})"
        ) from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert is not None:
        try:
            context.load_cert_chain(str(cert), str(key))
        except (OSError, ssl.SSLError) as exc:
            raise StartupError(
                f"CASSANDRA_TLS_CERT_FILE / CASSANDRA_TLS_KEY_FILE: {cert} and {key} are not a readable PEM "
                f"certificate and its unencrypted key ({_short(exc)})"
            ) from None
    return context


def _astra_cluster(settings: Settings, common: dict[str, object]) -> Cluster:
    """The bundle only: the driver takes the endpoints (SNI) and TLS from it, and the token as the password."""
    bundle = settings.astra_db_secure_bundle_path
    assert bundle is not None and settings.astra_db_client_secret is not None
    _check_bundle(str(bundle))
    cloud = {
        "secure_connect_bundle": str(bundle),
        # Unzip into the system temp dir, not beside the zip (often a read-only mount); removed again at once.
        "use_default_tempdir": True,
        # Bounds the metadata request, which the driver otherwise gives 5 s.
        "connect_timeout": settings.connect_timeout,
    }
    token = PlainTextAuthProvider(settings.astra_db_client_id, settings.astra_db_client_secret.get_secret_value())
    # The driver fetches /metadata inside Cluster(); it logs a traceback for a failure we report in one line anyway.
    with _quiet("cassandra.datastax.cloud"):
        try:
            return WatchedCluster(
                cloud=cloud,
                refusals=Refusals(),
                auth_provider=token,
                protocol_version=settings.cassandra_protocol_version or ASTRA_PROTOCOL_VERSION,
                **common,
            )
        except Exception as exc:
            raise StartupError(describe_bundle_failure(str(bundle), exc, settings.connect_timeout)) from None


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was


def describe_bundle_failure(path: str, exc: BaseException, timeout: float) -> str:
    """One line for what went wrong between reading the bundle and the metadata service's answer."""
    if isinstance(exc, DriverException) and "metadata service at" in str(exc):
        url = str(exc).split("metadata service at ", 1)[1].split(" ", 1)[0].rstrip(".")
        cause = _root_cause(exc)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (
                f"the Astra metadata service at {url} is not trusted by the bundle's CA ({cause.verify_message}): "
                f"is {path} the bundle of this database?"
            )
        if isinstance(cause, ssl.SSLError):
            return (
                f"the Astra metadata service at {url} refused the bundle's client certificate ({cause.reason}): "
                f"is {path} the bundle of this database?"
            )
        if isinstance(cause, (TimeoutError, socket.timeout)):
            return (
                f"the Astra metadata service at {url} did not answer within CONNECT_TIMEOUT={timeout:g}s: "
                "is the database running (Astra console)?"
            )
        if isinstance(cause, ConnectionRefusedError):
            return (
                f"the Astra metadata service at {url} refused the connection: is the database running (Astra console)?"
            )
        return f"cannot reach the Astra metadata service at {url} (named in the bundle): {_short(cause)}"
    if isinstance(exc, (ssl.SSLError, ValueError, KeyError, OSError, DriverException)):
        return f"ASTRA_DB_SECURE_BUNDLE_PATH: {path} is not a usable Secure Connect Bundle ({_short(exc)})"
    return f"cannot use the Secure Connect Bundle {path}: {_short(exc)}"


def _root_cause(exc: BaseException) -> BaseException:
    """The error under the driver's DriverException (raised inside `except`, so it is the __context__)."""
    cause: BaseException = exc
    while True:
        if isinstance(cause, urllib.error.URLError) and isinstance(cause.reason, BaseException):
            cause = cause.reason
            continue
        inner = cause.__cause__ or cause.__context__
        if inner is None:
            return cause
        cause = inner


def _check_bundle(path: str) -> None:
    """Fail before the driver does, with the variable's name in the line (the driver's own errors name neither)."""
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            config = bundle.read("config.json") if "config.json" in names else b"{}"
    except FileNotFoundError:
        raise StartupError(f"ASTRA_DB_SECURE_BUNDLE_PATH: no file at {path}") from None
    except PermissionError:
        raise StartupError(f"ASTRA_DB_SECURE_BUNDLE_PATH: {path} is not readable") from None
    except (zipfile.BadZipFile, IsADirectoryError, OSError) as exc:
        raise StartupError(f"ASTRA_DB_SECURE_BUNDLE_PATH: {path} is not a Secure Connect Bundle zip ({exc})") from None
    missing = {"config.json", "ca.crt", "cert", "key"} - names
    if missing:
        raise StartupError(f"ASTRA_DB_SECURE_BUNDLE_PATH: {path} lacks {', '.join(sorted(missing))} at its root")
    try:
        metadata_service = json.loads(config)
        _ = (metadata_service["host"], int(metadata_service["port"]))
    except (ValueError, KeyError, TypeError):
        raise StartupError(
            f"ASTRA_DB_SECURE_BUNDLE_PATH: the config.json in {path} does not name the metadata service (host, port)"
        ) from None


def connect(settings: Settings, *, keyspace: str | None = None) -> tuple[Cluster, Session]:
    """Connect (blocking: run it in a worker thread); any failure becomes one StartupError line."""
    cluster = build_cluster(settings)
    try:
        session = cluster.connect(keyspace)
    except BaseException as exc:
        cluster.shutdown()
        raise StartupError(describe_connect_failure(settings, exc, keyspace)) from None
    return cluster, session


def describe_connect_failure(settings: Settings, exc: BaseException, keyspace: str | None) -> str:
    """One line for a failed `Cluster.connect`: which credentials, keyspace or hosts to look at."""
    where = settings.describe
    astra = settings.mode is Mode.ASTRA
    missing_keyspace = (
        f"keyspace {keyspace!r} does not exist: create it in the Astra console (the service never creates it on Astra)"
        if astra
        else f"keyspace {keyspace!r} does not exist: run scripts/init-db"
    )
    credentials = (
        "check ASTRA_DB_CLIENT_ID and ASTRA_DB_CLIENT_SECRET (the application token)"
        if astra
        else "check CASSANDRA_USERNAME and CASSANDRA_PASSWORD"
    )
    if isinstance(exc, NoHostAvailable):
        errors = exc.errors or {}
        reasons = list(errors.values()) if isinstance(errors, dict) else list(errors)
        # The driver reports a missing keyspace as "no host" while naming the keyspace in its message.
        if keyspace and ("using keyspace" in str(exc) or any("does not exist" in str(r) for r in reasons)):
            return missing_keyspace
        if any(isinstance(r, AuthenticationFailed) for r in reasons):
            return f"authentication to {where} failed: {credentials}"
        tls = [r for r in reasons if isinstance(r, ssl.SSLError) or "[SSL" in str(r)]
        if tls and settings.tls:
            return f"TLS to {where} failed: {_tls_reason(tls[0])} (check CASSANDRA_TLS_* and the nodes' certificates)"
        detail = "; ".join(sorted({_short(r) for r in reasons})) or "no host answered"
        return f"cannot reach {where}: {detail}"
    if isinstance(exc, AuthenticationFailed):
        return f"authentication to {where} failed: {credentials}"
    if isinstance(exc, InvalidRequest) and keyspace and "does not exist" in str(exc):
        return missing_keyspace
    if isinstance(exc, DriverException) and "metadata service" in str(exc):
        return f"cannot reach the Astra metadata service named in the bundle: {exc}"
    return f"cannot connect to {where}: {_short(exc)}"


def _tls_reason(exc: BaseException) -> str:
    """What the TLS handshake said, without the driver's wrapping ("Tried connecting to [...]. Last error: ...")."""
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return f"the node's certificate: {exc.verify_message}"
    text = str(exc).split("Last error: ", 1)[-1].strip()
    text = text.split("] ", 1)[-1] if text.startswith("[SSL") else text
    return text.split(" (_ssl.c", 1)[0].rstrip(".") or _short(exc)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def serial_consistency(settings: Settings) -> int:
    return int(ConsistencyLevel.name_to_value[settings.serial_consistency])


def default_consistency(settings: Settings, cluster: Cluster) -> tuple[int, int]:
    """(read, write) levels: as configured, else LOCAL_QUORUM on Astra or a multi-node cluster, LOCAL_ONE alone."""
    if settings.mode is Mode.ASTRA or len(cluster.metadata.all_hosts()) > 1:
        fallback = ConsistencyLevel.LOCAL_QUORUM
    else:
        fallback = ConsistencyLevel.LOCAL_ONE
    # The names were checked (and upper-cased) by Settings.
    read = ConsistencyLevel.name_to_value[settings.read_consistency] if settings.read_consistency else fallback
    write = ConsistencyLevel.name_to_value[settings.write_consistency] if settings.write_consistency else fallback
    return read, write
