"""Client write timestamps are microseconds within bounds, and numbers in the URL are ASCII digits only."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.rows.write_time import MAX_MICROS, MIN_MICROS, BadWriteTimestamp, check_write_timestamp
from tests.support.app import app_client
from tests.support.names import unique
from tests.support.rows import assert_stargate_error, create_table, path

NOW = 1_765_000_000.0  # seconds: a fixed clock for the pure checks
AHEAD = 300.0
NDJSON = {"content-type": "application/x-ndjson"}


@pytest.fixture(scope="module")
def stamps(cql: Session) -> str:
    return create_table(cql, "id text PRIMARY KEY, label text", prefix="stamps")


def now_micros() -> int:
    return time.time_ns() // 1000


def write_time(cql: Session, table: str, key: str) -> int | None:
    row = cql.execute(f"SELECT WRITETIME(label) AS at FROM {table} WHERE id = %s", (key,)).one()
    return None if row is None else int(row["at"])


# ---- the bounds (a pure function) --------------------------------------------------------------------------------


def check(micros: int, *, allow_any: bool = False) -> int:
    return check_write_timestamp(micros, ahead_seconds=AHEAD, allow_any=allow_any, now=NOW)


def test_the_lowest_accepted_timestamp_is_ten_to_the_fifteen() -> None:
    assert check(MIN_MICROS) == MIN_MICROS


def test_a_timestamp_just_below_ten_to_the_fifteen_is_refused() -> None:
    with pytest.raises(BadWriteTimestamp, match="Microseconds"):
        check(MIN_MICROS - 1)


def test_a_timestamp_exactly_the_allowed_distance_ahead_is_accepted() -> None:
    latest = int((NOW + AHEAD) * 1_000_000)
    assert check(latest) == latest


def test_a_timestamp_one_microsecond_past_the_allowed_distance_ahead_is_refused() -> None:
    with pytest.raises(BadWriteTimestamp, match="further ahead"):
        check(int((NOW + AHEAD) * 1_000_000) + 1)


def test_milliseconds_are_refused_as_milliseconds() -> None:
    with pytest.raises(BadWriteTimestamp, match="looks like milliseconds"):
        check(int(NOW * 1000))


def test_nanoseconds_are_refused_as_nanoseconds() -> None:
    with pytest.raises(BadWriteTimestamp, match="looks like nanoseconds"):
        check(int(NOW * 1_000_000_000))


def test_seconds_are_refused_as_seconds() -> None:
    with pytest.raises(BadWriteTimestamp, match="looks like seconds"):
        check(int(NOW))


def test_any_timestamp_from_zero_to_the_bigint_maximum_is_accepted_when_opened() -> None:
    assert [check(0, allow_any=True), check(MAX_MICROS, allow_any=True)] == [0, MAX_MICROS]


def test_past_the_bigint_maximum_is_refused_even_when_opened() -> None:
    with pytest.raises(BadWriteTimestamp):
        check(MAX_MICROS + 1, allow_any=True)


# ---- over HTTP ---------------------------------------------------------------------------------------------------


async def test_a_timestamp_in_microseconds_of_now_is_written(
    client: httpx.AsyncClient, keyspace_name: str, stamps: str, cql: Session
) -> None:
    key, micros = unique(), now_micros()
    response = await client.post(
        path(keyspace_name, stamps), params={"timestamp": str(micros)}, json={"id": key, "label": "a"}
    )
    assert response.status_code == 201, response.text
    assert write_time(cql, stamps, key) == micros


async def test_a_timestamp_just_inside_the_distance_ahead_is_written(
    client: httpx.AsyncClient, keyspace_name: str, stamps: str, settings: Settings, cql: Session
) -> None:
    key = unique()
    micros = now_micros() + int((settings.write_timestamp_ahead_seconds - 60) * 1_000_000)
    response = await client.put(
        path(keyspace_name, stamps, key), params={"timestamp": str(micros)}, json={"label": "a"}
    )
    assert response.status_code == 200, response.text
    assert write_time(cql, stamps, key) == micros


async def test_a_timestamp_just_outside_the_distance_ahead_is_a_400(
    client: httpx.AsyncClient, keyspace_name: str, stamps: str, settings: Settings, cql: Session
) -> None:
    key = unique()
    micros = now_micros() + int((settings.write_timestamp_ahead_seconds + 60) * 1_000_000)
    response = await client.put(
        path(keyspace_name, stamps, key), params={"timestamp": str(micros)}, json={"label": "a"}
    )
    assert_stargate_error(response, 400, "Invalid 'timestamp' parameter", "WRITE_TIMESTAMP_AHEAD_SECONDS")
    assert write_time(cql, stamps, key) is None


@pytest.mark.parametrize(
    ("scale", "says"),
    [(1 / 1000, "looks like milliseconds"), (1000, "looks like nanoseconds")],
    ids=["milliseconds", "nanoseconds"],
)
async def test_a_timestamp_in_another_unit_is_a_400_asking_for_microseconds(
    client: httpx.AsyncClient, keyspace_name: str, stamps: str, cql: Session, scale: float, says: str
) -> None:
    key = unique()
    given = int(now_micros() * scale)
    response = await client.post(
        path(keyspace_name, stamps), params={"timestamp": str(given)}, json={"id": key, "label": "a"}
    )
    assert_stargate_error(response, 400, "Microseconds?", says)
    assert write_time(cql, stamps, key) is None


async def test_an_ingest_with_a_timestamp_in_milliseconds_is_refused_before_any_line(
    client: httpx.AsyncClient, keyspace_name: str, stamps: str, cql: Session
) -> None:
    key = unique()
    content = orjson.dumps({"id": key, "label": "a"}) + b"\n"
    response = await client.post(
        path(keyspace_name, stamps), content=content, params={"timestamp": str(now_micros() // 1000)}, headers=NDJSON
    )
    assert_stargate_error(response, 400, "Microseconds?")
    assert write_time(cql, stamps, key) is None


async def test_write_timestamp_any_writes_the_given_time(
    settings: Settings, keyspace_name: str, stamps: str, cql: Session
) -> None:
    key = unique()
    async with app_client(settings.model_copy(update={"write_timestamp_any": True})) as http:
        response = await http.post(
            path(keyspace_name, stamps), params={"timestamp": "1234"}, json={"id": key, "label": "old"}
        )
    assert response.status_code == 201, response.text
    assert write_time(cql, stamps, key) == 1234


# ---- ASCII digits only -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ttl", "timestamp"])
@pytest.mark.parametrize("given", ["1_000", "١٢", " 5", "+5"], ids=["underscore", "arabic-indic", "blank", "plus"])
async def test_a_write_option_that_is_not_ascii_digits_is_a_400(
    client: httpx.AsyncClient, keyspace_name: str, stamps: str, cql: Session, name: str, given: str
) -> None:
    key = unique()
    response = await client.post(path(keyspace_name, stamps), params={name: given}, json={"id": key, "label": "a"})
    assert_stargate_error(response, 400, f"Invalid '{name}' parameter", "ASCII digits only")
    assert write_time(cql, stamps, key) is None


@pytest.mark.parametrize("given", ["1_000", "١٢"], ids=["underscore", "arabic-indic"])
async def test_a_page_size_that_is_not_ascii_digits_is_a_400(
    client: httpx.AsyncClient, keyspace_name: str, stamps: str, given: str
) -> None:
    response = await client.get(path(keyspace_name, stamps, "rows"), params={"page-size": given})
    assert_stargate_error(response, 400, "Invalid 'page-size' parameter")


async def test_an_ingest_with_a_ttl_that_is_not_ascii_digits_is_refused_before_any_line(
    client: httpx.AsyncClient, keyspace_name: str, stamps: str, cql: Session
) -> None:
    key = unique()
    content = orjson.dumps({"id": key, "label": "a"}) + b"\n"
    response = await client.post(path(keyspace_name, stamps), content=content, params={"ttl": "1_000"}, headers=NDJSON)
    assert_stargate_error(response, 400, "Invalid 'ttl' parameter")
    assert write_time(cql, stamps, key) is None
