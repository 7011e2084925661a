"""/v1/auth behind a balancer: two real service processes configured alike (the same PAGE_STATE_SECRET, the auth
node), a token issued by one working on the other, a dropped role's token refused at its next connection, and no
password in either process's captured output (DEBUG logs) or its /metrics.

Processes, not in-process apps, because the claims are about separate instances and about everything each one
writes to its output (the driver's log lines and uvicorn's included). Both are started once for the module.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from cassandra.cluster import Session

from tests.identity.conftest import until
from tests.identity.test_passthrough import token as cassandra_token
from tests.support.auth_node import SUPERUSER, AuthNode, Roles, drop_role
from tests.support.names import unique
from tests.support.processes import PAGE_STATE_SECRET, Server, start_uvicorn, stop_server, wait_until_answering

LOGIN_REFUSED = "Role unauthorized for operation: Invalid token."
MAX_AGE_SECONDS = 2  # IDENTITY_MAX_AGE_SECONDS: how long a session opened before a DROP ROLE may go on serving


def instance_env(auth_node: AuthNode, roles: Roles) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "CASSANDRA_"))}
    env.update(
        CASSANDRA_CONTACT_POINTS=auth_node.address,
        CASSANDRA_USERNAME=SUPERUSER[0],
        CASSANDRA_PASSWORD=SUPERUSER[1],
        CASSANDRA_KEYSPACE=roles.keyspace,
        ROWS_KEYSPACES=roles.keyspace,
        SAMPLE_API="off",
        AUTH_MODE="passthrough",
        PAGE_STATE_SECRET=PAGE_STATE_SECRET,
        IDENTITY_MAX_AGE_SECONDS=str(MAX_AGE_SECONDS),
        IDENTITY_LOGINS_PER_SECOND="100",
        IDENTITY_LOGINS_PER_ADDRESS_PER_SECOND="100",
        LOG_LEVEL="debug",
    )
    return env


@pytest.fixture(scope="module")
def instances(
    auth_node: AuthNode, roles: Roles, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    logs = tmp_path_factory.mktemp("two_instances")
    env = instance_env(auth_node, roles)
    started = [start_uvicorn(env, logs / f"{name}.log", wait_ready=False) for name in ("first", "second")]
    try:
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(lambda server: wait_until_answering(server, "/readyz", 90), started)
        yield first, second
    finally:
        for server in started:
            stop_server(server)


@pytest.fixture
def role(superuser: Session, roles: Roles) -> Iterator[tuple[str, str]]:
    """A role of this test's own that may read the keyspace, with a password no log line may show."""
    name, password = unique("role_"), f"never-logged-{secrets.token_hex(8)}"
    superuser.execute(f"CREATE ROLE {name} WITH LOGIN = true AND PASSWORD = %s", (password,))
    superuser.execute(f"GRANT SELECT ON KEYSPACE {roles.keyspace} TO {name}")
    yield name, password
    drop_role(superuser, name)


def read_url(server: Server, roles: Roles) -> str:
    return f"{server.url}/v2/keyspaces/{roles.keyspace}/{roles.writable}/1"


async def test_a_token_from_one_instance_reads_on_the_other(
    instances: tuple[Server, Server], roles: Roles, role: tuple[str, str]
) -> None:
    first, second = instances
    async with httpx.AsyncClient() as http:
        login = await http.post(f"{first.url}/v1/auth", json={"username": role[0], "password": role[1]})
        assert login.status_code == 201, login.text
        token = login.json()["authToken"]
        read = await http.get(read_url(second, roles), headers={"x-cassandra-token": token})
    assert read.status_code == 200, read.text


async def test_a_dropped_roles_token_stops_working_at_its_next_connection(
    instances: tuple[Server, Server], roles: Roles, role: tuple[str, str], superuser: Session
) -> None:
    first, second = instances
    async with httpx.AsyncClient() as http:
        token = (await http.post(f"{first.url}/v1/auth", json={"username": role[0], "password": role[1]})).json()
        headers = {"x-cassandra-token": token["authToken"]}
        assert (await http.get(read_url(second, roles), headers=headers)).status_code == 200
        superuser.execute(f"DROP ROLE {role[0]}")

        async def refused_on_both() -> bool:
            answers = [await http.get(read_url(server, roles), headers=headers) for server in instances]
            return all(answer.json()["description"].startswith(LOGIN_REFUSED) for answer in answers)

        # Each instance's session for the role logs in again once it is IDENTITY_MAX_AGE_SECONDS old: refused. (Until
        # then the open session is refused its SELECTs: Cassandra's PERMISSION_DENIED, also a 401.)
        await until(refused_on_both, 10 * MAX_AGE_SECONDS, "the dropped role's token refused by both instances")
        again = await http.post(f"{first.url}/v1/auth", json={"username": role[0], "password": role[1]})
    assert again.status_code == 401


async def test_no_password_appears_in_either_instances_logs_or_metrics(
    instances: tuple[Server, Server], roles: Roles, role: tuple[str, str]
) -> None:
    wrong = f"never-logged-wrong-{secrets.token_hex(8)}"
    sent = [cassandra_token(role[0], role[1]), cassandra_token(role[0], wrong)]  # a right and a wrong password
    async with httpx.AsyncClient() as http:
        for server in instances:
            login = await http.post(f"{server.url}/v1/auth", json={"username": role[0], "password": role[1]})
            sent.append(login.json()["authToken"])
            await http.post(f"{server.url}/v1/auth/token/generate", json={"key": role[0], "secret": wrong})
            for token in sent:
                await http.get(read_url(server, roles), headers={"x-cassandra-token": token})
        metrics = [(await http.get(f"{server.url}/metrics")).text for server in instances]
    await asyncio.sleep(0.5)  # the access lines of the last requests, flushed
    outputs = [server.output() for server in instances]
    assert all("request" in output and "/v1/auth" in output for output in outputs)  # the logs were captured
    assert all("app_" in text for text in metrics)
    for text in [*outputs, *metrics]:
        assert "never-logged" not in text  # either password, in clear
        assert not [token for token in sent if token in text]  # nor any token that carries one
