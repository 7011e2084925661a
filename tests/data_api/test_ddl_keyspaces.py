"""createKeyspace, findKeyspaces and dropKeyspace against the real node, handlers called as the transport calls
them, on an app that serves every non-system keyspace (ROWS_KEYSPACES=*) and on one that serves only its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.http.deps import Backend
from tests.support.data_api_ddl import ddl_backend, refusal, run
from tests.support.names import unique


@pytest.fixture(scope="module")
async def backend(settings: Settings, cql: Session) -> AsyncIterator[Backend]:
    async with ddl_backend(settings) as running:
        yield running


@pytest.fixture
async def new_keyspace(cql: Session) -> AsyncIterator[str]:
    name = unique("ddlk_")
    yield name
    cql.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=60)


async def test_create_keyspace_makes_it_with_one_replica_by_default(backend: Backend, new_keyspace: str) -> None:
    assert (await run(backend, "createKeyspace", {"name": new_keyspace})).status == {"ok": 1}
    meta = backend.db.session.cluster.metadata.keyspaces[new_keyspace]
    assert meta.replication_strategy.export_for_schema() == ("{'class': 'SimpleStrategy', 'replication_factor': '1'}")


async def test_create_keyspace_takes_network_topology_replication(backend: Backend, new_keyspace: str) -> None:
    options = {"replication": {"class": "NetworkTopologyStrategy", "datacenter1": 1}}
    assert (await run(backend, "createKeyspace", {"name": new_keyspace, "options": options})).status == {"ok": 1}
    meta = backend.db.session.cluster.metadata.keyspaces[new_keyspace]
    assert "NetworkTopologyStrategy" in meta.replication_strategy.export_for_schema()


async def test_create_keyspace_of_an_existing_keyspace_is_ok(backend: Backend, keyspace: str) -> None:
    assert (await run(backend, "createKeyspace", {"name": keyspace})).status == {"ok": 1}


async def test_find_keyspaces_lists_the_served_keyspaces_and_no_system_keyspace(
    backend: Backend, keyspace: str, new_keyspace: str
) -> None:
    await run(backend, "createKeyspace", {"name": new_keyspace})
    answer = await run(backend, "findKeyspaces", {})
    assert answer.status is not None
    listed = answer.status["keyspaces"]
    assert {keyspace, new_keyspace} <= set(listed)
    assert not [k for k in listed if k.startswith("system")]


async def test_drop_keyspace_drops_it(backend: Backend, new_keyspace: str) -> None:
    await run(backend, "createKeyspace", {"name": new_keyspace})
    assert (await run(backend, "dropKeyspace", {"name": new_keyspace})).status == {"ok": 1}
    assert new_keyspace not in backend.db.session.cluster.metadata.keyspaces


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"replication": {"class": "LocalStrategy"}}, "COMMAND_FIELD_VALUE_INVALID"),
        ({"replication": {"class": "SimpleStrategy", "replication_factor": 0}}, "COMMAND_FIELD_VALUE_INVALID"),
        ({"replication": {"class": "NetworkTopologyStrategy", "dc'1": 1}}, "COMMAND_FIELD_VALUE_INVALID"),
    ],
)
async def test_create_keyspace_refuses_a_bad_replication(
    backend: Backend, new_keyspace: str, options: dict[str, Any], code: str
) -> None:
    error = await refusal(backend, "createKeyspace", {"name": new_keyspace, "options": options})
    assert error.error_code == code


async def test_create_keyspace_refuses_a_name_outside_the_naming_rule(backend: Backend) -> None:
    assert (await refusal(backend, "createKeyspace", {"name": "bad-name"})).error_code == "UNSUPPORTED_SCHEMA_NAME"


async def test_drop_keyspace_of_a_system_keyspace_is_refused(backend: Backend) -> None:
    assert (await refusal(backend, "dropKeyspace", {"name": "system_auth"})).error_code == "INVALID_KEYSPACE"


async def test_create_keyspace_outside_rows_keyspaces_is_refused(
    settings: Settings, cql: Session, new_keyspace: str
) -> None:
    async with ddl_backend(settings, rows_keyspaces=settings.keyspace) as own_only:
        error = await refusal(own_only, "createKeyspace", {"name": new_keyspace})
    assert error.error_code == "INVALID_KEYSPACE"
