"""Helpers for the rows API tests: paths with percent-encoded key segments, `where` parameters, tables of their own,
Stargate's error shape."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence

import httpx
import orjson
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args

from tests.support.names import unique


def path(keyspace: str, table: str, *key: object, prefix: str = "/v2/keyspaces") -> str:
    """`/v2/keyspaces/ks/t/k1/k2`, each key value percent-encoded on its own (a `/` inside a value is `%2F`)."""
    segments = [urllib.parse.quote(str(value), safe="") for value in key]
    return "/".join([prefix, keyspace, table, *segments])


def where(conditions: dict[str, object]) -> str:
    return orjson.dumps(conditions).decode()


def create_table(cql: Session, columns: str, *, options: str = "", prefix: str = "t") -> str:
    """A table of the test's own in the session keyspace: `columns` is the inside of CREATE TABLE's parentheses."""
    name = unique(prefix)
    cql.execute(f"CREATE TABLE {name} ({columns}){f' WITH {options}' if options else ''}", timeout=60)
    return name


def create_keyspace(cql: Session, name: str) -> None:
    """A keyspace of the test's own, with one replica (the tests run on one node)."""
    cql.execute(
        f"CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}", timeout=60
    )


def filled_table(cql: Session, columns: str, names: str, rows: Sequence[Sequence[object]]) -> str:
    """`create_table`, then `rows` inserted, 64 at a time: each row's values in the order of `names`."""
    table = create_table(cql, columns)
    marks = ", ".join("?" for _ in names.split(","))
    execute_concurrent_with_args(
        cql, cql.prepare(f"INSERT INTO {table} ({names}) VALUES ({marks})"), rows, concurrency=64
    )
    return table


STARGATE_ERROR_FIELDS = ("description", "code", "grpcStatus", "internalTxId")  # Stargate's ApiError, exactly


def assert_stargate_error(
    response: httpx.Response, status: int, *fragments: str, error: str | None = None, report: bool = False
) -> dict[str, object]:
    """A JSON error in exactly Stargate's `ApiError` shape (`code` = the status, no field Stargate's model does not
    know), naming each fragment; our stable code in the `X-Error-Code` header (equal to `error` when given).
    `report`: a bulk ingest that stopped, whose report (our extension) stands after ApiError's fields."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == status
    fields = tuple(body)[: len(STARGATE_ERROR_FIELDS)] if report else tuple(body)
    assert fields == STARGATE_ERROR_FIELDS, body
    code = response.headers.get("x-error-code")
    assert code, response.headers
    if error is not None:
        assert code == error, code
    for fragment in fragments:
        assert fragment in body["description"], body
    return body
