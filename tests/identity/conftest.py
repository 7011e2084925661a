"""Fixtures for identity (tokens, scoped keys, /v1/auth, pass-through): an auth node of our own
(`tests/support/auth_node.py`), roles with different GRANTs, and the service's shared Cluster on it, once per
DRIVER_IO (the serving loop, and libev).

The auth node is started once for the session (about a minute) and stopped at its end; AUTH_NODE_KEEP=1 reuses a
running one. Counts of connections and logins are Cassandra's own: `system_views.clients` and its audit log.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import anyio
import pytest
from cassandra.cluster import Cluster, Session
from pydantic import SecretStr

from app.config import load_settings
from app.db.cluster import connect
from app.db.identities import Identities
from app.db.loop_connection import LoopConnection
from app.identity.credentials import Credential
from tests.support.auth_node import (
    SUPERUSER,
    AuthNode,
    RoleAdmin,
    Roles,
    connect_as,
    create_roles,
    drop_role,
    running_auth_node,
)
from tests.support.names import unique

PASSWORD = "role-secret"


@pytest.fixture(scope="session")
def auth_node() -> Iterator[AuthNode]:
    with running_auth_node() as node:
        yield node


@pytest.fixture(scope="session")
def superuser(auth_node: AuthNode) -> Iterator[Session]:
    """The tests' own superuser session (libev), for GRANTs and for reading `system_views.clients`."""
    cluster, session = connect_as(auth_node.address, *SUPERUSER)
    yield session
    cluster.shutdown()


@pytest.fixture(scope="session")
def node(superuser: Session) -> RoleAdmin:
    """Login roles of a test's own, made and dropped as the superuser."""
    return RoleAdmin(superuser)


@pytest.fixture(scope="session")
def roles(superuser: Session) -> Roles:
    return create_roles(superuser)


@pytest.fixture(scope="session", params=["loop", "libev"])
async def service_cluster(request: pytest.FixtureRequest, auth_node: AuthNode) -> AsyncIterator[Cluster]:
    """The service's Cluster on the auth node, as the lifespan makes it: logged in as the service's own role."""
    settings = load_settings(
        cassandra_contact_points=[auth_node.address],
        cassandra_username=SUPERUSER[0],
        cassandra_password=SUPERUSER[1],
        cassandra_keyspace=unique("identities_"),
        driver_io=request.param,
        _env_file=None,
    )
    io = LoopConnection.bind() if request.param == "loop" else None
    cluster, _session = await anyio.to_thread.run_sync(lambda: connect(settings, connection_class=io))
    yield cluster
    await anyio.to_thread.run_sync(cluster.shutdown)


@pytest.fixture
async def make_identities(service_cluster: Cluster) -> AsyncIterator[Callable[..., Identities]]:
    """`make_identities(**limits)`: an `Identities` on the service's Cluster, closed when the test ends."""
    made: list[Identities] = []

    def make(**limits: Any) -> Identities:
        identities = Identities(service_cluster, **limits)
        made.append(identities)
        return identities

    yield make
    for identities in made:
        await identities.close()


@pytest.fixture
def make_role(superuser: Session) -> Iterator[Callable[..., Credential]]:
    """`make_role(*grants)`: a new login role of this test's own, e.g. `make_role("SELECT ON KEYSPACE ks")`."""
    made: list[str] = []

    def make(*grants: str) -> Credential:
        role = unique("role_")
        superuser.execute(f"CREATE ROLE {role} WITH LOGIN = true AND PASSWORD = %s", (PASSWORD,))
        for grant in grants:
            superuser.execute(f"GRANT {grant} TO {role}")
        made.append(role)
        return Credential(role, SecretStr(PASSWORD))

    yield make
    for role in made:
        drop_role(superuser, role)


def credential(role: str, password: str) -> Credential:
    return Credential(role, SecretStr(password))


async def until(check: Callable[[], bool | Awaitable[bool]], seconds: float, what: str) -> None:
    """Poll `check` (plain or async) until it holds; fail with `what` after `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        outcome = check()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {seconds}s: {what}")
        await asyncio.sleep(0.1)


async def run(session: Session, statement: Any, parameters: Any = None) -> list[Any]:
    """One statement on a driver session, awaited without blocking the loop (either IO)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[list[Any]] = loop.create_future()

    def settle(outcome: Any, failed: bool) -> None:
        if done.done():
            return
        if failed:
            done.set_exception(outcome)
        else:
            done.set_result(list(outcome or []))

    future = session.execute_async(statement, parameters)
    future.add_callbacks(
        lambda rows: loop.call_soon_threadsafe(settle, rows, False),
        lambda exc: loop.call_soon_threadsafe(settle, exc, True),
    )
    return await done
