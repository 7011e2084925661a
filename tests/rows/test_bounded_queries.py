"""What one `where` may hold (MAX_CONDITIONS, MAX_IN_VALUES, MAX_NUMBER_DIGITS) just inside and just outside each
bound, repeated conditions collapsed, and a value the driver cannot bind answered as a 400 naming its column."""

from __future__ import annotations

import httpx
import pytest
from cassandra.cluster import Session

from app.config import load_settings
from app.exceptions import RowsError
from app.rows.catalog import Column, Kind, Table
from app.rows.engine import bind_checked
from app.rows.query import MAX_CONDITIONS, MAX_IN_VALUES, MAX_NUMBER_DIGITS, QueryLimits, loads_strict, parse_where
from app.rows.types import CqlType
from tests.support.rows import create_table, where


@pytest.fixture(scope="module")
def table(cql: Session) -> str:
    name = create_table(cql, "p text, c int, n varint, d decimal, t text, PRIMARY KEY (p, c)", prefix="bounded")
    for c in range(5):
        cql.execute(f"INSERT INTO {name} (p, c, n, t) VALUES ('a', {c}, {c}, 't{c}')")
    return name


async def read(client: httpx.AsyncClient, keyspace: str, table: str, conditions: dict[str, object]) -> httpx.Response:
    return await client.get(f"/v2/keyspaces/{keyspace}/{table}", params={"where": where(conditions)})


async def test_max_conditions_repeated_conditions_are_served_as_one(
    client: httpx.AsyncClient, keyspace: str, table: str
) -> None:
    conditions = {"p": {"$eq": "a"}, "c": {"$gt": [2] * (MAX_CONDITIONS - 1)}}
    response = await read(client, keyspace, table, conditions)
    assert response.status_code == 200, response.text
    assert [row["c"] for row in response.json()["data"]] == [3, 4]


async def test_one_condition_over_max_conditions_is_a_400_naming_the_field_and_the_bound(
    client: httpx.AsyncClient, keyspace: str, table: str
) -> None:
    response = await read(client, keyspace, table, {"p": {"$eq": "a"}, "c": {"$gt": [2] * MAX_CONDITIONS}})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400
    assert body["description"].startswith("Invalid 'where' parameter, problem: Too many conditions")
    assert "field 'c'" in body["description"] and f"{MAX_CONDITIONS} (MAX_CONDITIONS)" in body["description"]


async def test_max_in_values_values_in_one_in_are_served(client: httpx.AsyncClient, keyspace: str, table: str) -> None:
    conditions = {"p": {"$eq": "a"}, "c": {"$in": list(range(MAX_IN_VALUES))}}
    response = await read(client, keyspace, table, conditions)
    assert response.status_code == 200 and response.json()["count"] == 5


async def test_one_value_over_max_in_values_is_a_400_naming_the_field_and_the_bound(
    client: httpx.AsyncClient, keyspace: str, table: str
) -> None:
    response = await read(client, keyspace, table, {"p": {"$eq": "a"}, "c": {"$in": list(range(MAX_IN_VALUES + 1))}})
    assert response.status_code == 400
    description = response.json()["description"]
    assert "field 'c'" in description and f"more than {MAX_IN_VALUES} (MAX_IN_VALUES)" in description


async def test_a_number_of_max_number_digits_digits_is_written_and_read(
    client: httpx.AsyncClient, keyspace: str, table: str
) -> None:
    number = "-" + "9" * MAX_NUMBER_DIGITS
    body = f'{{"p": "long", "c": 1, "n": {number}}}'
    written = await client.post(
        f"/v2/keyspaces/{keyspace}/{table}", content=body, headers={"content-type": "application/json"}
    )
    assert written.status_code == 201, written.text
    read_back = await client.get(f"/v2/keyspaces/{keyspace}/{table}/long/1")
    assert str(read_back.json()["data"][0]["n"]) == number


async def test_a_number_one_digit_longer_is_refused_before_it_is_converted(
    client: httpx.AsyncClient, keyspace: str, table: str
) -> None:
    number = "-" + "9" * (MAX_NUMBER_DIGITS + 1)
    text = f'{{"p": {{"$eq": "a"}}, "c": {{"$eq": 1}}, "n": {{"$eq": {number}}}}}'
    response = await client.get(f"/v2/keyspaces/{keyspace}/{table}", params={"where": text})
    assert response.status_code == 400
    assert "not valid json" in response.json()["description"] and "MAX_NUMBER_DIGITS" in response.json()["description"]


def test_a_long_decimal_number_counts_its_digits_not_its_sign_point_or_exponent() -> None:
    digits = "1" * (MAX_NUMBER_DIGITS // 2)
    assert loads_strict(f"-{digits}.{digits}e+10") is not None
    with pytest.raises(ValueError, match="MAX_NUMBER_DIGITS"):
        loads_strict(f"-{digits}.{digits}1e+10")


def test_a_lone_surrogate_escape_is_refused_and_a_pair_is_one_character() -> None:
    assert loads_strict('{"t": "\\ud83d\\ude00"}') == {"t": "\U0001f600"}
    assert loads_strict('{"t": "\\\\ud800"}') == {"t": "\\ud800"}  # an escaped backslash, then text
    with pytest.raises(ValueError, match="surrogate"):
        loads_strict('{"t": "\\ud800"}')
    with pytest.raises(ValueError, match="surrogate"):
        loads_strict('{"\\udc00": 1}')


async def test_a_lone_surrogate_in_a_where_is_a_400(client: httpx.AsyncClient, keyspace: str, table: str) -> None:
    response = await client.get(f"/v2/keyspaces/{keyspace}/{table}", params={"where": '{"p": {"$eq": "\\ud800"}}'})
    assert response.status_code == 400 and "surrogate" in response.json()["description"]


async def test_a_value_the_driver_cannot_bind_is_a_400_naming_its_column(
    client: httpx.AsyncClient, keyspace: str, table: str
) -> None:
    # A decimal given as a string of more digits than the driver's int() conversion takes (4,300).
    response = await client.post(f"/v2/keyspaces/{keyspace}/{table}", json={"p": "b", "c": 1, "d": "1" * 5000})
    assert response.status_code == 400
    body = response.json()
    assert response.headers["x-error-code"] == "bad_value"
    assert "column 'd'" in body["description"] or f"{table}.d'" in body["description"]  # the engine's or the codec's


def test_the_column_of_an_unbindable_value_is_found_one_value_at_a_time(cql: Session, table: str) -> None:
    statement = cql.prepare(f"INSERT INTO {table} (p, c, t) VALUES (?, ?, ?)")
    assert bind_checked(statement, ["a", 1, "fine"]) is not None
    with pytest.raises(RowsError) as refused:
        bind_checked(statement, ["a", 1, "\ud800"])
    assert refused.value.status == 400 and refused.value.error == "bad_value"
    assert refused.value.description.startswith("Invalid value for column 't': ")
    with pytest.raises(RowsError, match="column 'c'"):
        bind_checked(statement, ["a", 2**40, "x"])


def test_an_in_marker_is_named_by_its_column(cql: Session, table: str) -> None:
    statement = cql.prepare(f"SELECT * FROM {table} WHERE p = ? AND c IN ?")
    with pytest.raises(RowsError, match="column 'c'"):
        bind_checked(statement, ["a", [1, "two"]])


async def test_conditions_in_any_key_order_answer_alike(client: httpx.AsyncClient, keyspace: str, table: str) -> None:
    one = await read(client, keyspace, table, {"p": {"$eq": "a"}, "c": {"$GTE": 1, "$lt": 3}})
    other = await read(client, keyspace, table, {"c": {"$lt": 3, "$gte": 1}, "p": {"$EQ": ["a", "a"]}})
    assert one.status_code == other.status_code == 200
    assert one.json() == other.json() and [row["c"] for row in one.json()["data"]] == [1, 2]


async def test_fields_come_back_in_the_order_asked(client: httpx.AsyncClient, keyspace: str, table: str) -> None:
    params = {"where": where({"p": {"$eq": "a"}, "c": {"$eq": 1}}), "fields": "t,c,p"}
    response = await client.get(f"/v2/keyspaces/{keyspace}/{table}", params=params)
    assert [list(row) for row in response.json()["data"]] == [["t", "c", "p"]]


def test_the_where_limits_are_the_settings() -> None:
    limits = QueryLimits.of(load_settings(max_conditions=2, max_in_values=3, max_number_digits=40))
    columns = {"p": Column("p", CqlType("text"), Kind.PARTITION), "c": Column("c", CqlType("int"), Kind.CLUSTERING)}
    table = Table("ks", "t", columns, (columns["p"],), (columns["c"],), source=None)
    assert len(parse_where('{"p": {"$eq": "a"}, "c": {"$gt": 1}}', table, compact_maps=True, limits=limits)) == 2
    with pytest.raises(RowsError, match=r"over 2 \(MAX_CONDITIONS\)"):
        parse_where('{"p": {"$eq": "a"}, "c": {"$gt": 1, "$lt": 5}}', table, compact_maps=True, limits=limits)
    with pytest.raises(RowsError, match=r"more than 3 \(MAX_IN_VALUES\)"):
        parse_where('{"c": {"$in": [1, 2, 3, 4]}}', table, compact_maps=True, limits=limits)
    with pytest.raises(RowsError, match="MAX_NUMBER_DIGITS"):
        parse_where('{"c": {"$eq": ' + "1" * 41 + "}}", table, compact_maps=True, limits=limits)


async def test_a_numeric_string_too_long_to_convert_is_a_400_naming_the_field(
    client: httpx.AsyncClient, keyspace: str, table: str
) -> None:
    response = await read(client, keyspace, table, {"p": {"$eq": "a"}, "n": {"$eq": "1" * 5000}})
    assert response.status_code == 400 and "'n'" in response.json()["description"]
