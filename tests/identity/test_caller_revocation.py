"""A role's password changes while the service holds a session logged in with the old one: once that session
cannot reconnect, its caller is answered 401 (their credentials are stale: the caller's fault), never 502 or 503.

One in-process app in pass-through mode on the auth node, for the module; each test makes a role of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from asgi_lifespan import LifespanManager
from cassandra import ConsistencyLevel
from cassandra.cluster import Session
from cassandra.connection import ConnectionException
from cassandra.query import SimpleStatement

from app.db.identities import Identities
from app.exceptions import ServiceError
from app.http.deps import Backend
from app.identity.credentials import Credential
from app.main import create_app
from tests.identity.conftest import until
from tests.identity.test_identities import change_password
from tests.identity.test_passthrough import passthrough_settings, rows_url, token
from tests.support.app import client_for, lifespan
from tests.support.auth_node import AuthNode, Roles

MakeRole = Callable[..., Credential]


@pytest.fixture(scope="module")
async def app(auth_node: AuthNode, roles: Roles) -> AsyncIterator[LifespanManager]:
    async with lifespan(create_app(passthrough_settings(auth_node, roles))) as manager:
        yield manager


@pytest.fixture(scope="module")
async def client(app: LifespanManager) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app.app) as http:
        yield http


def backend_of(app: LifespanManager) -> Backend:
    backend: Backend = app._state["backend"]
    return backend


def identities_of(app: LifespanManager) -> Identities:
    identities = backend_of(app).identities
    assert identities is not None
    return identities


def as_caller(role: Credential) -> dict[str, str]:
    return {"x-cassandra-token": token(role.username, role.password.get_secret_value())}


async def cached_session(app: LifespanManager, role: Credential) -> object:
    lease = await identities_of(app).session_for(role)
    lease.release()
    return lease.session


async def read_as(client: httpx.AsyncClient, roles: Roles, role: Credential) -> httpx.Response:
    return await client.get(rows_url(roles, roles.writable, "1"), headers=as_caller(role))


def assert_stale_credentials(response: httpx.Response) -> None:
    body = response.json()
    assert (response.status_code, body["code"]) == (401, 401), response.text
    assert body["description"].startswith("Role unauthorized for operation: Invalid token."), body


async def test_a_changed_password_is_401_once_the_sessions_connection_is_gone(
    app: LifespanManager, client: httpx.AsyncClient, roles: Roles, make_role: MakeRole, superuser: Session
) -> None:
    role = make_role(f"SELECT ON KEYSPACE {roles.keyspace}")
    assert (await read_as(client, roles, role)).status_code == 200
    session = await cached_session(app, role)
    await change_password(superuser, role.username, "changed-secret")
    for pool in session.get_pools():  # type: ignore[attr-defined]  # a reset connection, as the driver sees one
        pool._connection.defunct(ConnectionException("cut by the test"))
    assert_stale_credentials(await read_as(client, roles, role))


async def test_a_changed_password_is_401_when_the_driver_reopened_the_pool_first(
    app: LifespanManager, client: httpx.AsyncClient, roles: Roles, make_role: MakeRole, superuser: Session
) -> None:
    """What `Cluster.on_up` does to every session when a node comes back: its pool re-opened, with the old
    password, and refused."""
    role = make_role(f"SELECT ON KEYSPACE {roles.keyspace}")
    assert (await read_as(client, roles, role)).status_code == 200
    session = await cached_session(app, role)
    await change_password(superuser, role.username, "changed-secret")
    host = next(iter(backend_of(app).db.session.cluster.metadata.all_hosts()))
    session.add_or_renew_pool(host, is_host_addition=False)  # type: ignore[attr-defined]
    await until(lambda: session.is_shutdown, 20, "the refused session shut down")  # type: ignore[attr-defined]
    assert_stale_credentials(await read_as(client, roles, role))


async def test_a_statement_on_a_session_refused_meanwhile_is_the_callers_401(
    app: LifespanManager, roles: Roles, make_role: MakeRole, superuser: Session
) -> None:
    """A request holding its lease when the session's reconnection is refused: its statement is answered 401."""
    role = make_role(f"SELECT ON KEYSPACE {roles.keyspace}")
    backend = backend_of(app)
    lease = await identities_of(app).session_for(role)
    try:
        await change_password(superuser, role.username, "changed-secret")
        host = next(iter(backend.db.session.cluster.metadata.all_hosts()))
        lease.session.add_or_renew_pool(host, is_host_addition=False)
        await until(lambda: lease.session.is_shutdown, 20, "the refused session shut down")
        statement = SimpleStatement(
            f"SELECT id FROM {roles.keyspace}.{roles.writable}", consistency_level=ConsistencyLevel.ONE
        )
        with pytest.raises(ServiceError) as refused:
            await backend.db.on(lease.session).execute(statement)
        assert (refused.value.status, refused.value.error) == (401, "invalid_token"), refused.value.detail
    finally:
        lease.release()
