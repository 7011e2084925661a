"""Helpers for the schema API's tests: the app serving keyspaces of a module's own, and Stargate's request bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from app.config import Settings
from tests.support.app import API_KEY, hardened_client
from tests.support.names import unique

S = "/v2/schemas/keyspaces"


def keyspace_names(count: int) -> list[str]:
    return [unique("ddl_") for _ in range(count)]


@asynccontextmanager
async def schema_client(base: Settings, served: list[str], **overrides: object) -> AsyncIterator[httpx.AsyncClient]:
    """The app serving `served` (keyspaces a module creates and drops over the API), its client sending a key of
    API_KEYS (every scope) unless `overrides` say otherwise. SERVER_TIMEOUT is long: a schema change on the shared
    node may take seconds when others change theirs."""
    values: dict[str, object] = {"rows_keyspaces": ",".join(served), "server_timeout": 60.0}
    values.update(overrides)
    async with hardened_client(base, headers={"X-Cassandra-Token": API_KEY}, **values) as client:
        yield client


def column(name: str, type_definition: str, *, static: bool = False) -> dict[str, object]:
    """A `Sgv2ColumnDefinition` as Stargate's Java client sends it."""
    return {"name": name, "typeDefinition": type_definition, "static": static}


def table_body(
    name: str,
    columns: list[dict[str, object]],
    partition: list[str],
    clustering: list[str] | None = None,
    *,
    if_not_exists: bool = False,
    options: dict[str, object] | None = None,
) -> dict[str, object]:
    """A `Sgv2TableAddRequest` as Stargate's Java client serialises it (every field present)."""
    return {
        "name": name,
        "primaryKey": {"partitionKey": partition, "clusteringKey": clustering or []},
        "columnDefinitions": columns,
        "ifNotExists": if_not_exists,
        "tableOptions": options or {},
    }


async def create_keyspace(client: httpx.AsyncClient, name: str) -> None:
    response = await client.post(S, json={"name": name, "replicas": 1})
    assert response.status_code == 201, response.text


async def create_table(client: httpx.AsyncClient, ks: str, body: dict[str, object]) -> None:
    response = await client.post(f"{S}/{ks}/tables", json=body)
    assert response.status_code == 201, response.text
    assert response.json() == {"name": body["name"]}


async def simple_table(client: httpx.AsyncClient, ks: str, prefix: str = "t") -> str:
    """Stargate's ITs' simple table: id uuid (the key), lastName, firstName text, age int."""
    name = unique(prefix)
    columns = [column("id", "uuid"), column("lastName", "text"), column("firstName", "text"), column("age", "int")]
    await create_table(client, ks, table_body(name, columns, ["id"]))
    return name
