"""The Data API's type definitions both ways: tables made over CQL with every kind of column, described as the real
Data API (v1.0.51 on Cassandra 5.0.8, asked on 2026-12-07) described the same tables; and clients' definitions read
into CQL types."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.http.deps import Backend
from app.routes.data_api.column_types import parse_column
from app.routes.data_api.command import DataApiError
from tests.support.data_api_ddl import ddl_backend, run
from tests.support.names import unique
from tests.support.poll import eventually


def support(create: bool, insert: bool, read: bool, filter_: bool, cql: str) -> dict[str, Any]:
    return {"createTable": create, "insert": insert, "read": read, "filter": filter_, "cqlDefinition": cql}


def unsupported(cql: str) -> dict[str, Any]:
    return {"type": "UNSUPPORTED", "apiSupport": support(False, False, False, False, cql)}


# The real Data API's listTables (explain) answer for the same CQL tables (keyspace name substituted).
def oracle_mixed(keyspace: str) -> dict[str, Any]:
    return {
        "columns": {
            "id": {"type": "text"},
            "c": {"type": "int"},
            "dur": {"type": "duration"},
            "fl": {
                "type": "list",
                "valueType": "text",
                "apiSupport": support(False, True, True, True, "frozen<list<text>>"),
            },
            "fs": {
                "type": "set",
                "valueType": "int",
                "apiSupport": support(False, True, True, True, "frozen<set<int>>"),
            },
            "fu": {"type": "userDefined", "udtName": "addr"},
            "home": {
                "type": "userDefined",
                "udtName": "addr",
                "apiSupport": support(True, True, True, False, f"{keyspace}.addr"),
            },
            "mk": {"type": "map", "keyType": "timeuuid", "valueType": "int"},
            "mu": {"type": "map", "keyType": "text", "valueType": {"type": "userDefined", "udtName": "addr"}},
            "nested": unsupported("list<frozen<list<int>>>"),
            "tid": {"type": "timeuuid", "apiSupport": support(False, True, True, True, "timeuuid")},
            "tu": unsupported("frozen<tuple<int, text>>"),
            "vi": unsupported("'org.apache.cassandra.db.marshal.VectorType(2)'"),
            "st": {"type": "text", "apiSupport": support(False, True, True, True, "static text")},
        },
        "primaryKey": {"partitionBy": ["id"], "partitionSort": {"c": 1}},
    }


ORACLE_COUNTER = {
    "columns": {
        "id": {"type": "text"},
        "cnt": {"type": "counter", "apiSupport": support(False, False, True, True, "counter")},
    },
    "primaryKey": {"partitionBy": ["id"], "partitionSort": {}},
}


@pytest.fixture(scope="module")
async def backend(settings: Settings, cql: Session) -> AsyncIterator[Backend]:
    async with ddl_backend(settings) as running:
        yield running


@pytest.fixture(scope="module")
def cql_tables(cql: Session) -> Any:
    keyspace = unique("ddlc_")
    cql.execute(
        f"CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}",
        timeout=60,
    )
    cql.execute(f"CREATE TYPE {keyspace}.addr (city text, zip int)", timeout=60)
    cql.execute(
        f"CREATE TABLE {keyspace}.mixed (id text, c int, tu frozen<tuple<int, text>>, fl frozen<list<text>>, "
        "fs frozen<set<int>>, nested list<frozen<list<int>>>, tid timeuuid, dur duration, st text static, "
        "vi vector<int, 2>, fu frozen<addr>, home addr, mk map<timeuuid, int>, mu map<text, frozen<addr>>, "
        "PRIMARY KEY (id, c))",
        timeout=60,
    )
    cql.execute(f"CREATE TABLE {keyspace}.counts (id text PRIMARY KEY, cnt counter)", timeout=60)
    cql.cluster.control_connection.wait_for_schema_agreement()
    yield keyspace
    cql.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=60)


async def test_list_tables_describes_every_kind_of_column_as_the_real_data_api_did(
    backend: Backend, cql_tables: str
) -> None:
    metadata = backend.db.session.cluster.metadata
    await eventually(
        lambda: {"counts", "mixed"} <= set(getattr(metadata.keyspaces.get(cql_tables), "tables", {})),
        within=30,
        what="the app's driver hearing of the tables made over CQL",
    )
    answer = await run(backend, "listTables", {"options": {"explain": True}}, keyspace=cql_tables)
    assert answer.status == {
        "tables": [
            {"name": "counts", "definition": ORACLE_COUNTER},
            {"name": "mixed", "definition": oracle_mixed(cql_tables)},
        ]
    }


@pytest.mark.parametrize(
    ("definition", "cql"),
    [
        ("text", "text"),
        ({"type": "bigint"}, "bigint"),
        ({"type": "list", "valueType": "int"}, "list<int>"),
        ({"type": "set", "valueType": {"type": "text"}}, "set<text>"),
        ({"type": "map", "keyType": "text", "valueType": "double"}, "map<text, double>"),
        ({"type": "vector", "dimension": 3}, "vector<float, 3>"),
        ({"type": "vector", "dimension": 3, "valueType": "float"}, "vector<float, 3>"),
        ({"type": "userDefined", "udtName": "Addr"}, '"Addr"'),
        ({"type": "list", "valueType": {"type": "userDefined", "udtName": "addr"}}, "list<frozen<addr>>"),
    ],
)
def test_parse_column_reads_a_definition_into_its_cql_type(definition: Any, cql: str) -> None:
    assert parse_column(definition) == cql


@pytest.mark.parametrize(
    ("definition", "code"),
    [
        ("map", "UNKNOWN_PRIMITIVE_DATA_TYPE"),
        ({"type": "frozen"}, "UNKNOWN_DATA_TYPE"),
        (42, "UNKNOWN_DATA_TYPE"),
        ("timeuuid", "UNSUPPORTED_DATA_TYPE_TABLE_CREATION"),
        ({"type": "set", "valueType": {"type": "set", "valueType": "int"}}, "UNSUPPORTED_SET_DEFINITION"),
        (
            {"type": "map", "keyType": {"type": "userDefined", "udtName": "a"}, "valueType": "int"},
            "UNSUPPORTED_MAP_DEFINITION",
        ),
        ({"type": "vector", "dimension": 3, "valueType": "int"}, "UNKNOWN_DATA_TYPE"),
        ({"type": "vector", "dimension": 10**9}, "UNSUPPORTED_VECTOR_DIMENSION"),
        ({"type": "vector", "dimension": True}, "UNSUPPORTED_VECTOR_DIMENSION"),
        ({"type": "vector", "service": {"provider": "openai"}}, "VECTORIZE_FEATURE_NOT_AVAILABLE"),
        ({"type": "userDefined"}, "INVALID_USER_DEFINED_TYPE_NAME"),
        ({"type": "userDefined", "udtName": "a b"}, "UNSUPPORTED_SCHEMA_NAME"),
    ],
)
def test_parse_column_refuses_with_the_data_apis_error_code(definition: Any, code: str) -> None:
    with pytest.raises(DataApiError) as refused:
        parse_column(definition)
    assert refused.value.error_code == code
