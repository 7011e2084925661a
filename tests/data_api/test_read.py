"""`find` and `findOne`: filters, projection, sort, paging and warnings, as the real Data API (stargate/data-api
v1.0.51 on Cassandra 5.0.8, `../shared/tools/data-api`) answers them; where it answered, the test says what."""

from __future__ import annotations

import httpx
import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args

from app.config import Settings
from tests.support.data_api import command, error_codes, ok, warning_codes
from tests.support.rows import create_table

PEOPLE = "id text PRIMARY KEY, n int, score double, tags set<text>, attrs map<text, int>, note text"
EVENTS = "user text, ts timestamp, seq int, val double, PRIMARY KEY ((user), ts, seq)"


@pytest.fixture(scope="module")
def people(cql: Session) -> str:
    table = create_table(cql, PEOPLE, prefix="people")
    insert = cql.prepare(f"INSERT INTO {table} (id, n, score, tags, attrs, note) VALUES (?, ?, ?, ?, ?, ?)")
    rows = [
        ("a", 1, 1.5, {"x", "y"}, {"k": 1}, "first"),
        ("b", 2, 2.5, {"y"}, {"k": 2, "j": 3}, None),
        ("c", 3, 0.5, {"z"}, None, "third"),
        ("d", 4, 4.5, None, {"j": 4}, None),
    ]
    execute_concurrent_with_args(cql, insert, rows)
    return table


@pytest.fixture(scope="module")
def events(cql: Session) -> str:
    """60 rows in partition u1 (30 days x 2 seqs), clustering ts DESC, seq ASC (the samples' table)."""
    table = create_table(cql, EVENTS, options="CLUSTERING ORDER BY (ts DESC, seq ASC)", prefix="events")
    insert = cql.prepare(f"INSERT INTO {table} (user, ts, seq, val) VALUES (?, ?, ?, ?)")
    rows = [("u1", 1704067200000 + day * 86_400_000, seq, day + seq / 10) for day in range(30) for seq in (1, 2)]
    execute_concurrent_with_args(cql, insert, [(u, _ts(ms), s, v) for u, ms, s, v in rows])
    return table


def _ts(ms: int) -> object:
    import datetime

    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC)


def url(settings: Settings, table: str) -> str:
    return f"/v1/{settings.keyspace}/{table}"


async def test_find_one_by_key_answers_the_document_and_its_projection_schema(
    api: httpx.AsyncClient, settings: Settings, people: str
) -> None:
    answer = ok(await command(api, url(settings, people), "findOne", {"filter": {"id": "a"}}))
    assert answer["data"]["document"] == {
        "id": "a",
        "n": 1,
        "score": 1.5,
        "tags": ["x", "y"],
        "attrs": {"k": 1},
        "note": "first",
    }
    assert answer["status"]["projectionSchema"]["attrs"] == {"type": "map", "keyType": "text", "valueType": "int"}


async def test_find_one_of_a_missing_row_answers_a_null_document(
    api: httpx.AsyncClient, settings: Settings, people: str
) -> None:
    answer = ok(await command(api, url(settings, people), "findOne", {"filter": {"id": "zz"}}))
    assert answer["data"] == {"document": None}  # the Data API: {"data":{"document":null},"status":{...}}


async def test_null_columns_are_left_out_even_when_projected(
    api: httpx.AsyncClient, settings: Settings, people: str
) -> None:
    body = {"filter": {"id": "b"}, "projection": {"id": 1, "note": 1}}
    answer = ok(await command(api, url(settings, people), "findOne", body))
    assert answer["data"]["document"] == {"id": "b"}
    assert list(answer["status"]["projectionSchema"]) == ["id", "note"]


async def test_an_exclusion_projection_answers_every_other_column(
    api: httpx.AsyncClient, settings: Settings, people: str
) -> None:
    body = {"filter": {"id": "a"}, "projection": {"tags": 0, "attrs": 0, "note": 0}}
    answer = ok(await command(api, url(settings, people), "findOne", body))
    assert answer["data"]["document"] == {"id": "a", "n": 1, "score": 1.5}


async def test_a_filter_on_an_unindexed_column_warns_missing_index(
    api: httpx.AsyncClient, settings: Settings, people: str
) -> None:
    body = {"filter": {"n": {"$gt": 1, "$lt": 4}}, "projection": {"id": 1}}
    answer = ok(await command(api, url(settings, people), "find", body))
    assert sorted(d["id"] for d in answer["data"]["documents"]) == ["b", "c"]
    assert warning_codes(answer) == ["MISSING_INDEX"]


async def test_an_empty_filter_warns_zero_filter_operations(
    api: httpx.AsyncClient, settings: Settings, people: str
) -> None:
    answer = ok(await command(api, url(settings, people), "find", {"projection": {"id": 1}}))
    assert len(answer["data"]["documents"]) == 4
    assert warning_codes(answer) == ["ZERO_FILTER_OPERATIONS"]  # as the Data API warns on {"filter": {}}


async def test_a_sort_off_the_clustering_order_is_sorted_in_memory_with_its_warning(
    api: httpx.AsyncClient, settings: Settings, people: str
) -> None:
    # The Data API's sample: documents d, b with sortedRowCount 5 (of its five rows n >= 2) and these warnings.
    body = {
        "filter": {"n": {"$gte": 2}},
        "sort": {"score": -1},
        "projection": {"id": 1, "score": 1},
        "options": {"limit": 2},
    }
    answer = ok(await command(api, url(settings, people), "find", body))
    assert answer["data"] == {
        "documents": [{"id": "d", "score": 4.5}, {"id": "b", "score": 2.5}],
        "nextPageState": None,
    }
    assert answer["status"]["sortedRowCount"] == 3
    assert warning_codes(answer) == ["MISSING_INDEX", "IN_MEMORY_SORTING_DUE_TO_NON_PARTITION_SORTING"]


async def test_ne_nin_and_exists_are_served_by_filtering_the_rows_read(
    api: httpx.AsyncClient, settings: Settings, people: str
) -> None:
    """On Cassandra 5.0 the Data API answers $ne INVALID_DATABASE_QUERY, $nin UNSUPPORTED_DATABASE_QUERY and
    $exists INTERNAL_SERVER_ERROR; here each is served."""

    async def ids(filter: dict[str, object]) -> list[str]:
        answer = ok(await command(api, url(settings, people), "find", {"filter": filter, "projection": {"id": 1}}))
        return sorted(d["id"] for d in answer["data"]["documents"])

    assert await ids({"n": {"$ne": 2}}) == ["a", "c", "d"]
    assert await ids({"n": {"$nin": [1, 4]}}) == ["b", "c"]
    assert await ids({"note": {"$exists": True}}) == ["a", "c"]
    assert await ids({"note": {"$exists": False}, "n": {"$gt": 2}}) == ["d"]


async def test_collection_filters_in_nin_all_keys_and_values(
    api: httpx.AsyncClient, settings: Settings, people: str
) -> None:
    async def ids(filter: dict[str, object]) -> list[str]:
        answer = ok(await command(api, url(settings, people), "find", {"filter": filter, "projection": {"id": 1}}))
        return sorted(d["id"] for d in answer["data"]["documents"])

    assert await ids({"tags": {"$in": ["y"]}}) == ["a", "b"]
    assert await ids({"tags": {"$in": ["x", "z"]}}) == ["a", "c"]
    assert await ids({"tags": {"$all": ["x", "y"]}}) == ["a"]
    assert await ids({"tags": {"$nin": ["y"]}}) == ["c", "d"]
    assert await ids({"attrs": {"$keys": {"$in": ["j"]}}}) == ["b", "d"]
    assert await ids({"attrs": {"$values": {"$all": [2, 3]}}}) == ["b"]
    assert await ids({"attrs": {"$in": [["k", 2]]}}) == ["b"]


async def test_in_on_the_key_and_and(api: httpx.AsyncClient, settings: Settings, people: str) -> None:
    body = {"filter": {"$and": [{"id": {"$in": ["a", "b", "c"]}}, {"n": {"$lt": 3}}]}, "projection": {"id": 1}}
    answer = ok(await command(api, url(settings, people), "find", body))
    assert sorted(d["id"] for d in answer["data"]["documents"]) == ["a", "b"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"filter": {"nope": 1}}, "UNKNOWN_TABLE_COLUMNS"),
        ({"filter": {"n": "not a number"}}, "INVALID_FILTER_COLUMN_VALUES"),
        ({"filter": {"tags": "x"}}, "INVALID_MAP_SET_LIST_FILTER"),
        ({"filter": {"$or": [{"n": 1}]}}, "FILTER_UNSUPPORTED_OPERATOR"),
        ({"projection": {"nope": 1}}, "UNKNOWN_TABLE_COLUMNS"),
        ({"projection": {"id": 1, "n": 0}}, "UNSUPPORTED_PROJECTION_PARAM"),
        ({"sort": {"nope": 1}}, "CANNOT_SORT_UNKNOWN_COLUMNS"),
        ({"sort": {"n": 2}}, "INVALID_REGULAR_SORT_EXPRESSION"),
        ({"options": {"limit": -1}}, "COMMAND_FIELD_VALUE_INVALID"),
        ({"options": {"pageState": "not-ours"}}, "COMMAND_FIELD_VALUE_INVALID"),
        ({"options": {"nope": 1}}, "COMMAND_FIELD_UNKNOWN"),
    ],
)
async def test_a_bad_read_is_answered_with_the_data_apis_error_code(
    api: httpx.AsyncClient, settings: Settings, people: str, body: dict[str, object], code: str
) -> None:
    assert error_codes(await command(api, url(settings, people), "find", body)) == [code]


async def test_a_filter_over_64_properties_is_refused(api: httpx.AsyncClient, settings: Settings, people: str) -> None:
    body = {"filter": {"$and": [{"n": {"$ne": i}} for i in range(40)]}}
    assert error_codes(await command(api, url(settings, people), "find", body)) == ["FILTER_FIELDS_LIMIT_VIOLATION"]


async def test_a_paging_walk_returns_every_row_once(api: httpx.AsyncClient, settings: Settings, events: str) -> None:
    seen: list[tuple[str, int]] = []
    state: str | None = None
    pages = 0
    while True:
        options = {"pageState": state} if state else {}
        body = {"filter": {"user": "u1"}, "projection": {"ts": 1, "seq": 1}, "options": options}
        answer = ok(await command(api, url(settings, events), "find", body))
        seen += [(d["ts"], d["seq"]) for d in answer["data"]["documents"]]
        pages += 1
        state = answer["data"]["nextPageState"]
        if state is None:
            break
    assert pages in (3, 4)  # 60 rows, DATA_API_PAGE_SIZE 20 (a full last page may be followed by an empty one)
    assert len(seen) == len(set(seen)) == 60
    assert seen[0] == ("2024-01-30T00:00:00Z", 1)  # the stored order: ts DESC, seq ASC


async def test_a_limit_holds_across_pages(api: httpx.AsyncClient, settings: Settings, events: str) -> None:
    body: dict[str, object] = {"filter": {"user": "u1"}, "options": {"limit": 25}}
    first = ok(await command(api, url(settings, events), "find", body))
    body["options"] = {"limit": 25, "pageState": first["data"]["nextPageState"]}
    second = ok(await command(api, url(settings, events), "find", body))
    assert (len(first["data"]["documents"]), len(second["data"]["documents"])) == (20, 5)
    assert second["data"]["nextPageState"] is None


async def test_a_sort_reversing_the_clustering_order_runs_in_cql_and_pages(
    api: httpx.AsyncClient, settings: Settings, events: str
) -> None:
    body = {"filter": {"user": "u1"}, "sort": {"ts": 1, "seq": -1}, "projection": {"ts": 1, "seq": 1}}
    answer = ok(await command(api, url(settings, events), "find", body))
    assert answer["data"]["documents"][:2] == [
        {"ts": "2024-01-01T00:00:00Z", "seq": 2},
        {"ts": "2024-01-01T00:00:00Z", "seq": 1},
    ]
    assert answer["data"]["nextPageState"] is not None
    assert warning_codes(answer) == []


async def test_a_clustering_range_in_one_partition(api: httpx.AsyncClient, settings: Settings, events: str) -> None:
    # The Data API's sample: the four rows from 2024-01-29 on, ts DESC then seq ASC.
    body = {
        "filter": {"user": "u1", "ts": {"$gte": "2024-01-29T00:00:00Z"}},
        "projection": {"ts": 1, "seq": 1, "val": 1},
    }
    answer = ok(await command(api, url(settings, events), "find", body))
    assert answer["data"]["documents"] == [
        {"ts": "2024-01-30T00:00:00Z", "seq": 1, "val": 29.1},
        {"ts": "2024-01-30T00:00:00Z", "seq": 2, "val": 29.2},
        {"ts": "2024-01-29T00:00:00Z", "seq": 1, "val": 28.1},
        {"ts": "2024-01-29T00:00:00Z", "seq": 2, "val": 28.2},
    ]
    assert warning_codes(answer) == []


async def test_a_page_state_with_an_in_memory_sort_is_refused(
    api: httpx.AsyncClient, settings: Settings, events: str
) -> None:
    first = ok(await command(api, url(settings, events), "find", {"filter": {"user": "u1"}}))
    body = {"filter": {"user": "u1"}, "sort": {"val": 1}, "options": {"pageState": first["data"]["nextPageState"]}}
    answer = await command(api, url(settings, events), "find", body)
    assert error_codes(answer) == ["UNSUPPORTED_PAGINATION_WITH_IN_MEMORY_SORTING"]
