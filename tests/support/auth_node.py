"""A node of the identity tests' own that checks passwords and permissions (PasswordAuthenticator and
CassandraAuthorizer, no role or permission caching: tests/identity/auth.yaml), on 127.0.0.31 in `.cassandra-tokens/`.

Never the shared node. Started by `scripts/cassandra` if it is not running, and stopped at the end of the session
only when this session started it. `driver_login` checks a credential the way Cassandra does: by logging in.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import anyio.to_thread
from cassandra import AuthenticationFailed
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable, Session

from app.identity.credentials import Credential
from app.routes.auth import Login
from tests.support.names import unique
from tests.support.server import ROOT

ADDRESS = "127.0.0.31"
HOME = ROOT / ".cassandra-tokens"
EXTRA_YAML = ROOT / "tests" / "identity" / "auth.yaml"
SUPERUSER = ("cassandra", "cassandra")


def _script(*args: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASSANDRA_")}
    env.update(
        CASSANDRA_HOME_DIR=str(HOME),
        CASSANDRA_ADDRESS_BASE="30",
        CASSANDRA_EXTRA_YAML=str(EXTRA_YAML),
        CASSANDRA_HEAP="768M",
        CASSANDRA_WAIT_TIMEOUT="240",
    )
    done = subprocess.run(
        [str(ROOT / "scripts" / "cassandra"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if args[0] != "status" and done.returncode != 0:
        raise RuntimeError(f"scripts/cassandra {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.returncode


def connect_as(username: str, password: str) -> tuple[Cluster, Session]:
    cluster = Cluster([ADDRESS], auth_provider=PlainTextAuthProvider(username, password), connect_timeout=10)
    try:
        return cluster, cluster.connect()
    except BaseException:
        cluster.shutdown()
        raise


def _superuser_session(deadline_seconds: float = 120) -> tuple[Cluster, Session]:
    """The default superuser exists a few seconds after CQL answers: retry until it logs in."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            return connect_as(*SUPERUSER)
        except (NoHostAvailable, AuthenticationFailed):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@dataclass
class AuthNode:
    admin: Session

    def create_role(self, password: str = "pw-" + "x" * 12) -> tuple[str, str]:
        role = unique("role_")
        self.admin.execute(f"CREATE ROLE {role} WITH PASSWORD = %s AND LOGIN = true", [password])
        return role, password

    def drop_role(self, role: str) -> None:
        self.admin.execute(f"DROP ROLE {role}")


@contextmanager
def auth_node() -> Iterator[AuthNode]:
    started_here = (
        "CQL answers: yes"
        not in subprocess.run(
            [str(ROOT / "scripts" / "cassandra"), "status"],
            cwd=ROOT,
            env={**os.environ, "CASSANDRA_HOME_DIR": str(HOME), "CASSANDRA_ADDRESS_BASE": "30"},
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    )
    _script("start")
    try:
        _script("wait")
        cluster, session = _superuser_session()
        try:
            yield AuthNode(session)
        finally:
            cluster.shutdown()
    finally:
        if started_here:
            _script("stop")


def driver_login() -> Login:
    """Cassandra's check of a credential: a driver connection as that role, in a worker thread, closed at once."""

    async def login(credential: Credential) -> None:
        def connect() -> None:
            cluster, _ = connect_as(credential.username, credential.password.get_secret_value())
            cluster.shutdown()

        await anyio.to_thread.run_sync(connect)

    return login
