"""Open and close the driver's Cluster for either deployment: Astra through its bundle, or self-hosted contact points."""

from __future__ import annotations

import logging
import zipfile

from cassandra import AuthenticationFailed, ConsistencyLevel, DriverException, InvalidRequest
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable, Session
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import dict_factory

from app.config import Mode, Settings
from app.errors import StartupError

log = logging.getLogger("app.cluster")

ASTRA_PROTOCOL_VERSION = 4


def build_cluster(settings: Settings) -> Cluster:
    """A Cluster object (no connection yet): token-aware, DC-aware, dict rows, our request timeout."""
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=settings.cassandra_local_dc)),
        request_timeout=settings.request_timeout,
        row_factory=dict_factory,
    )
    common: dict[str, object] = {
        "execution_profiles": {EXEC_PROFILE_DEFAULT: profile},
        "connect_timeout": settings.connect_timeout,
        "control_connection_timeout": settings.connect_timeout,
    }
    if settings.mode is Mode.ASTRA:
        bundle = settings.astra_db_secure_bundle_path
        assert bundle is not None and settings.astra_db_client_secret is not None
        _check_bundle(str(bundle))
        return Cluster(
            cloud={"secure_connect_bundle": str(bundle)},
            auth_provider=PlainTextAuthProvider(
                settings.astra_db_client_id, settings.astra_db_client_secret.get_secret_value()
            ),
            protocol_version=settings.cassandra_protocol_version or ASTRA_PROTOCOL_VERSION,
            **common,  # type: ignore[arg-type]
        )
    if settings.cassandra_username:
        password = settings.cassandra_password.get_secret_value() if settings.cassandra_password else ""
        common["auth_provider"] = PlainTextAuthProvider(settings.cassandra_username, password)
    if settings.cassandra_protocol_version:
        common["protocol_version"] = settings.cassandra_protocol_version
    return Cluster(
        contact_points=settings.cassandra_contact_points,
        port=settings.cassandra_port,
        **common,  # type: ignore[arg-type]
    )


def _check_bundle(path: str) -> None:
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
    except FileNotFoundError:
        raise StartupError(f"ASTRA_DB_SECURE_BUNDLE_PATH: no file at {path}") from None
    except PermissionError:
        raise StartupError(f"ASTRA_DB_SECURE_BUNDLE_PATH: {path} is not readable") from None
    except (zipfile.BadZipFile, IsADirectoryError, OSError) as exc:
        raise StartupError(f"ASTRA_DB_SECURE_BUNDLE_PATH: {path} is not a Secure Connect Bundle zip ({exc})") from None
    missing = {"config.json", "ca.crt", "cert", "key"} - names
    if missing:
        raise StartupError(f"ASTRA_DB_SECURE_BUNDLE_PATH: {path} lacks {', '.join(sorted(missing))}")


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
    where = settings.describe
    if isinstance(exc, NoHostAvailable):
        errors = exc.errors or {}
        reasons = list(errors.values()) if isinstance(errors, dict) else list(errors)
        # The driver reports a missing keyspace as "no host" while naming the keyspace in its message.
        if keyspace and ("using keyspace" in str(exc) or any("does not exist" in str(r) for r in reasons)):
            return f"keyspace {keyspace!r} does not exist: run scripts/init-db (self-hosted) or create it in the Astra console"
        if any(isinstance(r, AuthenticationFailed) for r in reasons):
            return f"authentication to {where} failed: check the credentials (client id / secret, or username / password)"
        detail = "; ".join(sorted({_short(r) for r in reasons})) or "no host answered"
        return f"cannot reach {where}: {detail}"
    if isinstance(exc, AuthenticationFailed):
        return f"authentication to {where} failed: check the credentials"
    if isinstance(exc, InvalidRequest) and keyspace and "does not exist" in str(exc):
        return f"keyspace {keyspace!r} does not exist: run scripts/init-db (self-hosted) or create it in the Astra console"
    if isinstance(exc, DriverException) and "metadata service" in str(exc):
        return f"cannot reach the Astra metadata service named in the bundle: {exc}"
    return f"cannot connect to {where}: {_short(exc)}"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def default_consistency(settings: Settings, cluster: Cluster) -> tuple[int, int]:
    """(read, write) levels: as configured, else LOCAL_QUORUM on Astra or a multi-node cluster, LOCAL_ONE alone."""
    if settings.mode is Mode.ASTRA or len(cluster.metadata.all_hosts()) > 1:
        fallback = ConsistencyLevel.LOCAL_QUORUM
    else:
        fallback = ConsistencyLevel.LOCAL_ONE
    read = _level(settings.read_consistency, "READ_CONSISTENCY") if settings.read_consistency else fallback
    write = _level(settings.write_consistency, "WRITE_CONSISTENCY") if settings.write_consistency else fallback
    return read, write


def _level(name: str, variable: str) -> int:
    try:
        return int(ConsistencyLevel.name_to_value[name.strip().upper()])
    except KeyError:
        raise StartupError(f"{variable}: unknown consistency level {name!r}") from None
