"""A Cassandra node of our own with authentication and authorization on, for the pass-through identity tests.

One node on 127.0.0.51 (`CASSANDRA_ADDRESS_BASE=50`; 10 and 30 are the fault tests', 20 the Astra stand-in's),
home `.cassandra-auth/`, started and stopped through `scripts/cassandra`. It runs `PasswordAuthenticator` and
`CassandraAuthorizer` with the role, permission and credential caches off (`*_validity: 0ms`), so that a dropped role
or a changed password is refused at the very next login, and it writes Cassandra's own audit log of logins
(`FileAuditLogger`, category AUTH) into its system.log: `login_attempts` counts them, refused ones included, which
`system_views.clients` cannot show (a refused connection is closed at once). Never the shared node.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
from cassandra import AuthenticationFailed
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable, Session
from cassandra.policies import RoundRobinPolicy

from app.identity.credentials import Credential
from app.routes.auth import Login
from astra_local.stand_in import connected
from tests.support.cluster import LocalCluster
from tests.support.names import unique
from tests.support.processes import ROOT

HOME = ".cassandra-auth"
BASE = 50
ADDRESS = f"127.0.0.{BASE + 1}"
SUPERUSER = ("cassandra", "cassandra")  # Cassandra's default superuser, made a few seconds after CQL answers
HEAP = "512M"
EXTRA_YAML = """\
# Appended by tests/support/auth_node.py: logins and GRANTs enforced, no caches, logins audited into system.log.
authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager
roles_validity: 0ms
permissions_validity: 0ms
credentials_validity: 0ms
audit_logging_options:
  enabled: true
  logger:
    - class_name: FileAuditLogger
  included_categories: AUTH
"""
# The benchmark's node (bench/sections/identity.py): Cassandra's default caches of roles, permissions and credentials
# (2 s), as in production, so that a read does not also read system_auth; its own home and address.
CACHED_HOME = ".cassandra-auth-cached"
CACHED_BASE = 60
CACHED_YAML = "".join(line + "\n" for line in EXTRA_YAML.splitlines() if "_validity" not in line)
# FileAuditLogger's line, e.g. "user:reader|host:127.0.0.51:7000|source:/127.0.0.1|port:5|...|type:LOGIN_SUCCESS|...";
# a refused login's user is "anonymous" and Cassandra's message names the user it tried.
AUDIT_LINE = re.compile(r"\|type:(LOGIN_SUCCESS|LOGIN_ERROR)\|")


@dataclass
class AuthNode(LocalCluster):
    """`LocalCluster` with the extra yaml that turns authentication and the audit log on."""

    extra_yaml: Path = field(default_factory=Path)

    def env(self) -> dict[str, str]:
        env = super().env()
        env["CASSANDRA_EXTRA_YAML"] = str(self.extra_yaml)
        return env

    @property
    def address(self) -> str:
        return self.addresses[0]

    @property
    def system_log(self) -> Path:
        return self.home / "node1" / "logs" / "system.log"

    def login_attempts(self, username: str) -> int:
        """Logins for `username` Cassandra has audited so far, accepted or refused."""
        return len(self.audited_logins(username))

    def audited_logins(self, username: str) -> list[str]:
        try:
            text = self.system_log.read_text(errors="replace")
        except FileNotFoundError:
            return []
        found = []
        for line in text.splitlines():
            match = AUDIT_LINE.search(line)
            if match is None:
                continue
            accepted = match.group(1) == "LOGIN_SUCCESS"
            if (accepted and f"user:{username}|" in line) or (not accepted and f"username {username} " in line):
                found.append(match.group(1))
        return found


@contextmanager
def running_auth_node(*, cached: bool = False) -> Iterator[AuthNode]:
    """A fresh auth node (left-overs of an interrupted run stopped and deleted), answering as the superuser; stopped
    when the block ends, whatever happened. `cached`: the benchmark's node instead (127.0.0.61, Cassandra's default
    auth caches).

    With AUTH_NODE_KEEP=1 a node already running in `.cassandra-auth/` is used as it is, and one started here is left
    running: for working on these tests (a start takes about a minute on two busy cores)."""
    home, base, yaml = (CACHED_HOME, CACHED_BASE, CACHED_YAML) if cached else (HOME, BASE, EXTRA_YAML)
    node = AuthNode(ROOT / home, 1, base, HEAP, extra_yaml=ROOT / home / "auth.yaml")
    keep = os.environ.get("AUTH_NODE_KEEP") == "1"
    if keep and node.extra_yaml.exists() and _answers(node.address):
        yield node
        return
    node.stop()
    shutil.rmtree(node.home, ignore_errors=True)
    node.home.mkdir(parents=True)
    node.extra_yaml.write_text(yaml)
    started = time.monotonic()
    try:
        node.start()
        node.wait()
        wait_for_superuser(node.address)
        took = time.monotonic() - started
        print(f"[auth node] {node.address}: the default superuser logs in {took:.1f} s after start", flush=True)
        yield node
    finally:
        if not keep:
            node.stop()


def _answers(address: str) -> bool:
    try:
        cluster, _session = connect_as(address, *SUPERUSER)
    except (NoHostAvailable, AuthenticationFailed):
        return False
    cluster.shutdown()
    return True


def connect_as(address: str, username: str, password: str) -> tuple[Cluster, Session]:
    """A plain libev driver session on `address` as `username` (the tests' own, not the service's)."""
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=30)
    cluster = Cluster(
        contact_points=[address],
        auth_provider=PlainTextAuthProvider(username, password),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        protocol_version=4,
        connect_timeout=10,
    )
    return connected(cluster)


def wait_for_superuser(address: str, *, within: float = 120) -> None:
    """Cassandra makes `cassandra`/`cassandra` a few seconds after CQL answers; until then a login is refused."""
    deadline = time.monotonic() + within
    while True:
        try:
            cluster, _session = connect_as(address, *SUPERUSER)
        except (NoHostAvailable, AuthenticationFailed):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
            continue
        cluster.shutdown()
        return


def client_connections(session: Session, username: str) -> int:
    """Connections Cassandra has open for `username` (`system_views.clients`: one row per connection)."""
    rows = session.execute("SELECT username FROM system_views.clients")
    return sum(1 for row in rows if row.username == username)


@dataclass(frozen=True)
class Roles:
    """Roles with different GRANTs on one keyspace: `reader` may SELECT in it, `writer` may SELECT and MODIFY one
    table (`writable`), `nobody` may do nothing. `other` is a second table of the keyspace."""

    keyspace: str
    writable: str
    other: str
    passwords: dict[str, str]

    def password(self, role: str) -> str:
        return self.passwords[role]


def create_roles(session: Session, keyspace: str = "identities") -> Roles:
    passwords = {"reader": "reader-secret", "writer": "writer-secret", "nobody": "nobody-secret"}
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {{'class': 'SimpleStrategy', "
        "'replication_factor': 1}"
    )
    for table in ("writable", "other"):
        session.execute(f"CREATE TABLE IF NOT EXISTS {keyspace}.{table} (id int PRIMARY KEY, name text)")
        session.execute(f"INSERT INTO {keyspace}.{table} (id, name) VALUES (1, 'one')")
    for role, password in passwords.items():
        session.execute(f"CREATE ROLE IF NOT EXISTS {role} WITH LOGIN = true AND PASSWORD = %s", (password,))
    session.execute(f"GRANT SELECT ON KEYSPACE {keyspace} TO reader")
    session.execute(f"GRANT SELECT ON TABLE {keyspace}.writable TO writer")
    session.execute(f"GRANT MODIFY ON TABLE {keyspace}.writable TO writer")
    return Roles(keyspace, "writable", "other", passwords)


def drop_role(session: Session, role: str) -> None:
    with suppress(Exception):
        session.execute(f"DROP ROLE IF EXISTS {role}")


@dataclass
class RoleAdmin:
    """Makes and drops login roles of a test's own, as the superuser."""

    admin: Session

    def create_role(self, password: str = "pw-" + "x" * 12) -> tuple[str, str]:
        role = unique("role_")
        self.admin.execute(f"CREATE ROLE {role} WITH PASSWORD = %s AND LOGIN = true", [password])
        return role, password

    def drop_role(self, role: str) -> None:
        self.admin.execute(f"DROP ROLE {role}")


def driver_login(address: str = ADDRESS) -> Login:
    """Cassandra's check of a credential: a driver connection as that role, in a worker thread, closed at once."""

    async def login(credential: Credential, client: str | None = None) -> None:
        def check() -> None:
            cluster, _ = connect_as(address, credential.username, credential.password.get_secret_value())
            cluster.shutdown()

        await anyio.to_thread.run_sync(check)

    return login
