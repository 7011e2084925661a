"""What a client's new statement shapes may cost: requests that mean the same query share one prepared statement,
new shapes beyond PREPARE_MISSES_PER_SECOND are 503s, a shape Cassandra refused is answered from memory, and the
key statements of at most KEY_SHAPE_TABLES tables are held. Point reads go on being served meanwhile."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.poll import eventually
from tests.support.rows import create_table, where
from tests.support.rows_app import RowsApp, rows_app, statements

COLUMNS = "p text, c int, v text, w int, x int, y int, z int, PRIMARY KEY (p, c)"
FIELDS = ["p", "c", "v", "w"]
KEY_STATEMENTS = 7  # (p, c): a read with no key, p, (p, c); a delete by p, (p, c); an update; an insert


@pytest.fixture(scope="module")
def table(cql: Session) -> str:
    name = create_table(cql, COLUMNS, prefix="storm")
    for c in range(10):
        cql.execute(f"INSERT INTO {name} (p, c, v, w, x, y, z) VALUES ('a', {c}, 'v{c}', {c}, 1, 2, 3)")
    return name


@pytest.fixture(scope="module")
async def service(settings: Settings, cql: Session) -> AsyncIterator[RowsApp]:
    async with rows_app(settings) as running:
        yield running


def prepared_texts(cql: Session, table: str) -> set[str]:
    """The statements Cassandra keeps prepared (system.prepared_statements) that name this table."""
    return {
        row["query_string"]
        for row in cql.execute("SELECT query_string FROM system.prepared_statements")
        if table in row["query_string"]
    }


def some_case(word: str, pick: random.Random) -> str:
    return "".join(ch.upper() if pick.random() < 0.5 else ch for ch in word)


def same_query(i: int, pick: random.Random) -> tuple[dict[str, object], list[str]]:
    """The query `p = 'a' AND c > n` over p, c, v, w, written one of many ways: key order, operator case,
    repeated conditions, fields order."""
    bound = i % 7
    key: dict[str, object] = {some_case("$eq", pick): "a" if i % 2 else ["a", "a"]}
    if i % 3 == 0:
        ranged: dict[str, object] = {"$gt": bound, "$GT": bound}  # two spellings of one operator, one value
    elif i % 3 == 1:
        ranged = {some_case("$gt", pick): [bound, bound]}  # an array repeating its item
    else:
        ranged = {some_case("$gt", pick): bound}
    conditions = {"p": key, "c": ranged} if pick.random() < 0.5 else {"c": ranged, "p": key}
    fields = FIELDS.copy()
    pick.shuffle(fields)
    return conditions, fields


async def test_a_thousand_spellings_of_one_query_prepare_nothing_new_while_point_reads_are_served(
    service: RowsApp, keyspace: str, table: str, cql: Session
) -> None:
    client = service.client
    base = f"/v2/keyspaces/{keyspace}/{table}"
    warm = await client.get(base, params={"where": where({"p": {"$eq": "a"}, "c": {"$gt": 0}}), "fields": "p,c,v,w"})
    assert warm.status_code == 200 and (await client.get(f"{base}/a/1")).status_code == 200
    misses, hits, texts = statements("miss"), statements("hit"), prepared_texts(cql, table)
    pick = random.Random(17)
    queries = [same_query(i, pick) for i in range(1000)]
    assert len({(where(w), ",".join(f)) for w, f in queries}) > 500, "the requests must be distinct"

    async def ask(conditions: dict[str, object], fields: list[str]) -> None:
        response = await client.get(base, params={"where": where(conditions), "fields": ",".join(fields)})
        assert response.status_code == 200, response.text
        rows = response.json()["data"]
        assert rows and all(list(row) == fields for row in rows)  # the client's order, whatever was selected

    for start in range(0, len(queries), 50):
        batch = queries[start : start + 50]
        point = client.get(f"{base}/a/1")
        answers = await asyncio.gather(point, *(ask(w, f) for w, f in batch))
        assert isinstance(answers[0], httpx.Response) and answers[0].status_code == 200
        assert answers[0].json()["data"][0]["v"] == "v1"
    assert statements("hit") - hits >= 1000
    # The driver's schema event for a table created a moment ago may replace its metadata once, and the table's
    # key statements are then prepared again (the same texts): nothing else may be.
    assert statements("miss") - misses <= KEY_STATEMENTS
    assert prepared_texts(cql, table) == texts


async def test_new_shapes_beyond_the_prepare_budget_are_503s_and_point_reads_go_on(
    settings: Settings, keyspace: str, table: str
) -> None:
    async with rows_app(settings, prepare_misses_per_second=0.01) as running:  # a burst of 1, then 1 per 100 s
        client = running.client
        base = f"/v2/keyspaces/{keyspace}/{table}"
        assert (await client.get(f"{base}/a/1")).status_code == 200  # the table's key shapes take the burst
        subsets = [",".join(s) for n in (2, 3) for s in itertools.combinations(["v", "w", "x", "y", "z"], n)]
        misses = statements("miss")
        answers = await asyncio.gather(*(client.get(f"{base}/a", params={"fields": s}) for s in subsets))
        assert all(a.status_code == 503 and a.headers["retry-after"] for a in answers)
        assert all("PREPARE_MISSES_PER_SECOND" in a.json()["description"] for a in answers)
        assert statements("miss") == misses
        assert (await client.get(f"{base}/a/2")).json()["data"][0]["c"] == 2


async def test_a_shape_cassandra_refused_is_answered_from_memory(service: RowsApp, keyspace: str, table: str) -> None:
    base = f"/v2/keyspaces/{keyspace}/{table}"
    params = {"where": where({"v": {"$eq": "v1"}, "w": {"$eq": 1}})}  # regular columns, no ALLOW FILTERING
    misses, refused = statements("miss"), statements("refused")
    first = await service.client.get(base, params=params)
    assert first.status_code == 400 and first.headers["x-error-code"] == "invalid_query"
    for _ in range(5):
        again = await service.client.get(base, params=params)
        assert again.status_code == 400 and again.json() == first.json()
    assert statements("miss") - misses == 1
    assert statements("refused") - refused == 5


async def test_the_key_statements_of_the_least_recently_used_table_are_forgotten_beyond_key_shape_tables(
    settings: Settings, keyspace: str, table: str, cql: Session
) -> None:
    other = create_table(cql, "k text PRIMARY KEY, v int", prefix="other")
    cql.execute(f"INSERT INTO {other} (k, v) VALUES ('a', 1)")
    async with rows_app(settings, key_shape_tables=1) as running:
        client = running.client
        assert (await client.get(f"/v2/keyspaces/{keyspace}/{table}/a/1")).status_code == 200
        first = await running.engine.catalog.table(keyspace, table)
        assert first.key_shapes is not None
        assert (await client.get(f"/v2/keyspaces/{keyspace}/{other}/a")).json()["data"] == [{"k": "a", "v": 1}]
        assert first.key_shapes is None  # forgotten: one table's worth is held
        misses = statements("miss")
        assert (await client.get(f"/v2/keyspaces/{keyspace}/{table}/a/1")).status_code == 200
        assert statements("miss") > misses  # prepared again, within the budget
        assert first.key_shapes is not None


async def test_a_refused_shape_is_asked_again_once_its_table_changed(
    service: RowsApp, keyspace: str, cql: Session
) -> None:
    name = create_table(cql, "k text PRIMARY KEY, v int", prefix="indexed")
    cql.execute(f"INSERT INTO {name} (k, v) VALUES ('a', 1)")
    path, params = f"/v2/keyspaces/{keyspace}/{name}", {"where": where({"v": {"$eq": 1}})}
    assert (await service.client.get(path, params=params)).headers["x-error-code"] == "invalid_query"
    cql.execute(f"CREATE INDEX ON {name} (v) USING 'sai'", timeout=60)

    async def served() -> bool:
        response = await service.client.get(path, params=params)
        return response.status_code == 200 and response.json()["data"] == [{"k": "a", "v": 1}]

    await eventually(served, within=10, what="the table served")
