"""Every CQL type in the Data API's JSON forms (the codec registry's DATA_API dialect), written through the Data API
face and read back through it, through the rows API and through CQL. The expected forms are what the real Data API
(stargate/data-api v1.0.51 on Cassandra 5.0.8) answered for the same values, except where a test says otherwise."""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import math
import uuid

import httpx
import pytest
from cassandra.cluster import Session
from cassandra.util import Date, Duration, Time

from app.config import Settings
from tests.support.data_api import command, ok
from tests.support.names import unique
from tests.support.rows import create_table

COLUMNS = (
    "id text PRIMARY KEY, a ascii, vi varint, de decimal, db double, fl float, si smallint, ti tinyint, bi bigint, "
    "dt date, tm time, du duration, ip inet, bl blob, ts timestamp, u uuid, tu timeuuid, b boolean, "
    "mk map<int, text>, mt map<text, double>, l list<int>, s set<date>, v vector<float, 3>, "
    "tp tuple<int, text>, fl_list frozen<list<text>>, c int"
)
# The document as written, in the Data API's input forms.
WRITTEN = {
    "a": "abc",
    "vi": 123456789012345678901234567890,
    "de": 1.25,
    "db": "NaN",
    "fl": "-Infinity",
    "si": -3,
    "ti": 7,
    "bi": 10_000_000_000,
    "dt": "2024-02-29",
    "tm": "10:30:01.5",
    "du": "1h30m",
    "ip": "::1",
    "bl": {"$binary": "AQID"},
    "ts": {"$date": 1704067200000},
    "u": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
    "tu": "3f1f3dd0-a3b1-11ee-9d5d-0800200c9a66",
    "b": True,
    "mk": [[1, "one"], [2, "two"]],
    "mt": {"x": 0.5},
    "l": [3, 1, 2],
    "s": ["2024-01-02", "2024-01-01"],
    "v": {"$binary": "P4AAAEAAAABAQAAA"},  # 1.0, 2.0, 3.0 as big-endian float32s
    "tp": [1, "x"],
    "fl_list": ["p", "q"],
}
# As the Data API answers them (the real one: "du":"PT1H30M","tm":"10:30:01.500","ip":"0:0:0:0:0:0:0:1",
# "mk":[[1,"one"],[2,"two"]],"ts":"2024-01-01T00:00:00Z","db":"NaN","fl":"-Infinity").
READ = {
    **WRITTEN,
    "tm": "10:30:01.500",
    "du": "PT1H30M",
    "ip": "0:0:0:0:0:0:0:1",
    "ts": "2024-01-01T00:00:00Z",
    "s": ["2024-01-01", "2024-01-02"],
    "v": [1.0, 2.0, 3.0],
}


@pytest.fixture(scope="module")
def table(cql: Session) -> str:
    return create_table(cql, COLUMNS, prefix="types")


async def test_every_type_round_trips_in_the_data_apis_forms(
    api: httpx.AsyncClient, settings: Settings, table: str
) -> None:
    key = unique()
    path = f"/v1/{settings.keyspace}/{table}"
    ok(await command(api, path, "insertOne", {"document": {"id": key, **WRITTEN}}))
    answer = ok(await command(api, path, "findOne", {"filter": {"id": key}}))
    assert answer["data"]["document"] == {"id": key, **READ}
    schema = answer["status"]["projectionSchema"]
    assert schema["mk"] == {"type": "map", "keyType": "int", "valueType": "text"}
    assert schema["tp"]["type"] == "UNSUPPORTED"  # tuples: served here as an extension, described as the API does


async def test_a_row_written_through_the_data_api_reads_back_through_cql(
    api: httpx.AsyncClient, settings: Settings, table: str, cql: Session
) -> None:
    key = unique()
    ok(await command(api, f"/v1/{settings.keyspace}/{table}", "insertOne", {"document": {"id": key, **WRITTEN}}))
    row = cql.execute(f"SELECT * FROM {table} WHERE id = %s", (key,)).one()
    assert row["vi"] == 123456789012345678901234567890
    assert row["de"] == decimal.Decimal("1.25")
    assert math.isnan(row["db"]) and row["fl"] == -math.inf
    assert (row["si"], row["ti"], row["bi"], row["b"]) == (-3, 7, 10_000_000_000, True)
    assert row["dt"] == Date(datetime.date(2024, 2, 29))
    assert row["tm"] == Time(datetime.time(10, 30, 1, 500_000))
    assert row["du"] == Duration(0, 0, 5_400_000_000_000)
    assert ipaddress.ip_address(row["ip"]) == ipaddress.ip_address("::1")
    assert row["bl"] == b"\x01\x02\x03"
    assert row["ts"] == datetime.datetime(2024, 1, 1)
    assert row["u"] == uuid.UUID(WRITTEN["u"])  # type: ignore[arg-type]
    assert dict(row["mk"]) == {1: "one", 2: "two"}
    assert list(row["l"]) == [3, 1, 2] and list(row["v"]) == [1.0, 2.0, 3.0]
    assert row["tp"] == (1, "x") and list(row["fl_list"]) == ["p", "q"]


async def test_a_row_written_through_the_data_api_reads_back_through_the_rows_api(
    api: httpx.AsyncClient, settings: Settings, table: str
) -> None:
    key = unique()
    ok(await command(api, f"/v1/{settings.keyspace}/{table}", "insertOne", {"document": {"id": key, **WRITTEN}}))
    response = await api.get(f"/v2/keyspaces/{settings.keyspace}/{table}/{key}")
    (row,) = response.json()["data"]
    # The same values in Stargate's forms: a blob as base64, a duration in CQL units, a map as an object.
    assert (row["bl"], row["du"], row["mk"], row["tm"]) == ("AQID", "1h30m", {"1": "one", "2": "two"}, "10:30:01.5")
    assert (row["ts"], row["vi"], row["db"], row["tp"]) == (
        "2024-01-01T00:00:00Z",
        123456789012345678901234567890,
        "NaN",
        [1, "x"],
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [("du", "P1Y2M3DT4H5M6S"), ("du", "-2d"), ("tm", "10:30"), ("ip", "1.2.3.4"), ("ts", "2024-01-02T03:04:05.678Z")],
)
async def test_other_accepted_forms(
    api: httpx.AsyncClient, settings: Settings, table: str, column: str, value: str
) -> None:
    key = unique()
    path = f"/v1/{settings.keyspace}/{table}"
    ok(await command(api, path, "insertOne", {"document": {"id": key, column: value}}))
    answer = ok(await command(api, path, "findOne", {"filter": {"id": key}, "projection": {column: 1}}))
    expected = {"du": {"P1Y2M3DT4H5M6S": "P1Y2M3DT4H5M6S", "-2d": "-P2D"}, "tm": {"10:30": "10:30"}}
    assert answer["data"]["document"] == {column: expected.get(column, {}).get(value, value)}
