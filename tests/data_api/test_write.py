"""insertOne, insertMany, updateOne, deleteOne and deleteMany, as the real Data API (stargate/data-api v1.0.51 on
Cassandra 5.0.8) answers them: `insertedIds` with `primaryKeySchema`, unordered inserts where a bad row fails alone,
upserting updates answered `matchedCount: 1, modifiedCount: 1`, deletes answered `deletedCount: -1`."""

from __future__ import annotations

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.data_api import command, error_codes, ok
from tests.support.names import unique
from tests.support.rows import create_table

PEOPLE = "id text PRIMARY KEY, n int, score double, tags set<text>, nums list<int>, attrs map<text, int>"
EVENTS = "user text, ts timestamp, seq int, val double, PRIMARY KEY ((user), ts, seq)"


@pytest.fixture(scope="module")
def people(cql: Session) -> str:
    return create_table(cql, PEOPLE, prefix="people")


@pytest.fixture(scope="module")
def events(cql: Session) -> str:
    return create_table(cql, EVENTS, options="CLUSTERING ORDER BY (ts DESC, seq ASC)", prefix="events")


def url(settings: Settings, table: str) -> str:
    return f"/v1/{settings.keyspace}/{table}"


def stored(cql: Session, table: str, key: str) -> dict[str, object] | None:
    found = list(cql.execute(f"SELECT id, n, score, tags, nums, attrs FROM {table} WHERE id = %s", (key,)))
    return dict(found[0]) if found else None


async def test_insert_one_answers_the_primary_key_schema_and_the_inserted_id(
    api: httpx.AsyncClient, settings: Settings, people: str, cql: Session
) -> None:
    key = unique()
    answer = ok(await command(api, url(settings, people), "insertOne", {"document": {"id": key, "n": 1}}))
    # The Data API: {"status":{"primaryKeySchema":{"id":{"type":"text"}},"insertedIds":[["a"]]}}
    assert answer == {"status": {"primaryKeySchema": {"id": {"type": "text"}}, "insertedIds": [[key]]}}
    assert stored(cql, people, key) == {"id": key, "n": 1, "score": None, "tags": None, "nums": None, "attrs": None}


async def test_insert_many_unordered_fails_a_bad_row_alone(
    api: httpx.AsyncClient, settings: Settings, people: str, cql: Session
) -> None:
    e, f, g = unique(), unique(), unique()
    documents = [{"id": e, "n": 5}, {"id": f, "n": "not a number"}, {"id": g, "n": 7}]
    answer = await command(api, url(settings, people), "insertMany", {"documents": documents})
    assert answer["status"]["insertedIds"] == [[e], [g]]  # the Data API's sample: [["e"],["g"]] and one error
    assert error_codes(answer) == ["INVALID_COLUMN_VALUES"]
    assert "n(int) - Cause:" in answer["errors"][0]["message"]
    assert stored(cql, people, f) is None


async def test_insert_many_ordered_stops_at_the_first_failure(
    api: httpx.AsyncClient, settings: Settings, people: str, cql: Session
) -> None:
    a, b, c = unique(), unique(), unique()
    documents = [{"id": a}, {"id": b, "nope": 1}, {"id": c}]
    body = {"documents": documents, "options": {"ordered": True, "returnDocumentResponses": True}}
    answer = await command(api, url(settings, people), "insertMany", body)
    assert answer["status"]["documentResponses"] == [
        {"_id": [a], "status": "OK"},
        {"_id": [b], "status": "ERROR", "errorsIdx": 0},
        {"_id": [c], "status": "SKIPPED"},
    ]
    assert error_codes(answer) == ["UNKNOWN_TABLE_COLUMNS"]
    assert stored(cql, people, c) is None


async def test_insert_many_with_document_responses(api: httpx.AsyncClient, settings: Settings, people: str) -> None:
    keys = [unique() for _ in range(3)]
    body = {"documents": [{"id": k} for k in keys], "options": {"returnDocumentResponses": True}}
    answer = ok(await command(api, url(settings, people), "insertMany", body))
    assert answer["status"] == {
        "documentResponses": [{"_id": [k], "status": "OK"} for k in keys],
        "primaryKeySchema": {"id": {"type": "text"}},
    }


async def test_insert_many_over_the_limit_is_refused(api: httpx.AsyncClient, settings: Settings, people: str) -> None:
    body = {"documents": [{"id": str(i)} for i in range(101)]}
    answer = await command(api, url(settings, people), "insertMany", body)
    # The Data API: COMMAND_FIELD_VALUE_INVALID, "Command field 'command.documents' value ... not valid"
    assert error_codes(answer) == ["COMMAND_FIELD_VALUE_INVALID"]
    assert "'command.documents'" in answer["errors"][0]["message"]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ({"n": 1}, "MISSING_PRIMARY_KEY_COLUMNS"),
        ({"id": "x", "nope": 1}, "UNKNOWN_TABLE_COLUMNS"),
        ({"id": "x", "tags": "not a set"}, "INVALID_COLUMN_VALUES"),
        ({"id": "x", "n": "5"}, "INVALID_COLUMN_VALUES"),  # the Data API takes no numbers as strings
    ],
)
async def test_a_bad_document_is_answered_with_the_data_apis_error_code(
    api: httpx.AsyncClient, settings: Settings, people: str, document: dict[str, object], code: str
) -> None:
    answer = await command(api, url(settings, people), "insertOne", {"document": document})
    assert error_codes(answer) == [code]
    assert answer["errors"][0]["scope"] == "DOCUMENT"


async def test_update_one_sets_unsets_pushes_and_pulls(
    api: httpx.AsyncClient, settings: Settings, people: str, cql: Session
) -> None:
    key = unique()
    document = {"id": key, "n": 1, "score": 1.5, "tags": ["x"], "nums": [1, 2, 3], "attrs": {"a": 1}}
    ok(await command(api, url(settings, people), "insertOne", {"document": document}))
    update = {
        "$set": {"n": 42},
        "$unset": {"score": ""},
        "$push": {"tags": {"$each": ["y", "z"]}, "attrs": ["b", 2]},
        "$pullAll": {"nums": [2]},
    }
    answer = ok(await command(api, url(settings, people), "updateOne", {"filter": {"id": key}, "update": update}))
    assert answer == {"status": {"matchedCount": 1, "modifiedCount": 1}}
    row = stored(cql, people, key)
    assert row is not None
    assert (row["n"], row["score"], set(row["tags"]), row["nums"], dict(row["attrs"])) == (
        42,
        None,
        {"x", "y", "z"},
        [1, 3],
        {"a": 1, "b": 2},
    )


async def test_update_one_of_a_missing_row_is_an_upsert(
    api: httpx.AsyncClient, settings: Settings, people: str, cql: Session
) -> None:
    key = unique()
    body = {"filter": {"id": key}, "update": {"$set": {"n": 7}}}
    answer = ok(await command(api, url(settings, people), "updateOne", body))
    assert answer["status"] == {"matchedCount": 1, "modifiedCount": 1}  # as the Data API answers it
    assert stored(cql, people, key) is not None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"filter": {"n": 2}, "update": {"$set": {"score": 9}}},
            "UNSUPPORTED_NON_PRIMARY_KEY_FILTER_FOR_UPDATE_DELETE",
        ),
        ({"filter": {}, "update": {"$set": {"n": 1}}}, "MISSING_FILTER_FOR_UPDATE_DELETE"),
        (
            {"filter": {"id": {"$in": ["a"]}}, "update": {"$set": {"n": 1}}},
            "UNSUPPORTED_FILTER_FOR_UPDATE_ONE_DELETE_ONE",
        ),
        ({"filter": {"id": "a"}, "update": {"$inc": {"n": 1}}}, "UNSUPPORTED_UPDATE_OPERATIONS_FOR_TABLE"),
        ({"filter": {"id": "a"}, "update": {}}, "MISSING_UPDATE_OPERATIONS"),
        ({"filter": {"id": "a"}, "update": {"$set": {"id": "b"}}}, "UNSUPPORTED_UPDATE_FOR_PRIMARY_KEY_COLUMNS"),
        (
            {"filter": {"id": "a"}, "update": {"$set": {"n": 1}, "$unset": {"n": 1}}},
            "UNSUPPORTED_OVERLAPPING_UPDATE_OPERATIONS",
        ),
        ({"filter": {"id": "a"}, "update": {"$push": {"n": 1}}}, "UNSUPPORTED_UPDATE_OPERATOR"),
        ({"filter": {"id": "a"}, "update": {"$set": {"n": "x"}}}, "INVALID_UPDATE_COLUMN_VALUES"),
        ({"filter": {"id": "a"}, "update": {"$set": {"nope": 1}}}, "UNKNOWN_TABLE_COLUMNS"),
        (
            {"filter": {"id": "a"}, "sort": {"n": 1}, "update": {"$set": {"n": 1}}},
            "UNSUPPORTED_SORT_FOR_TABLE_UPDATE_COMMAND",
        ),
    ],
)
async def test_a_bad_update_is_answered_with_the_data_apis_error_code(
    api: httpx.AsyncClient, settings: Settings, people: str, body: dict[str, object], code: str
) -> None:
    assert error_codes(await command(api, url(settings, people), "updateOne", body)) == [code]


async def test_delete_one_by_full_key_answers_deleted_count_minus_one(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session
) -> None:
    user = unique()
    ok(await command(api, url(settings, events), "insertOne", {"document": {"user": user, "ts": 0, "seq": 1}}))
    body = {"filter": {"user": user, "ts": "1970-01-01T00:00:00Z", "seq": 1}}
    answer = ok(await command(api, url(settings, events), "deleteOne", body))
    assert answer == {"status": {"deletedCount": -1}}
    assert list(cql.execute(f"SELECT * FROM {events} WHERE user = %s", (user,))) == []


async def test_delete_one_needs_the_full_primary_key(api: httpx.AsyncClient, settings: Settings, events: str) -> None:
    answer = await command(api, url(settings, events), "deleteOne", {"filter": {"user": "u"}})
    assert error_codes(answer) == ["MISSING_FULL_PRIMARY_KEY_FOR_UPDATE_DELETE"]


async def test_delete_many_deletes_a_clustering_range(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session
) -> None:
    user = unique()
    documents = [{"user": user, "ts": day * 86_400_000, "seq": 1} for day in range(5)]
    ok(await command(api, url(settings, events), "insertMany", {"documents": documents}))
    body = {"filter": {"user": user, "ts": {"$lt": "1970-01-04T00:00:00Z"}}}
    assert ok(await command(api, url(settings, events), "deleteMany", body)) == {"status": {"deletedCount": -1}}
    left = [row["ts"].day for row in cql.execute(f"SELECT ts FROM {events} WHERE user = %s", (user,))]
    assert sorted(left) == [4, 5]


async def test_delete_many_off_the_key_order_is_refused(
    api: httpx.AsyncClient, settings: Settings, events: str
) -> None:
    answer = await command(api, url(settings, events), "deleteMany", {"filter": {"user": "u", "seq": 1}})
    assert error_codes(answer) == ["INVALID_PRIMARY_KEY_FILTER"]


async def test_delete_many_with_an_empty_filter_truncates(
    api: httpx.AsyncClient, settings: Settings, cql: Session
) -> None:
    table = create_table(cql, "id text PRIMARY KEY, n int", prefix="truncated")
    ok(await command(api, url(settings, table), "insertMany", {"documents": [{"id": "a"}, {"id": "b"}]}))
    assert ok(await command(api, url(settings, table), "deleteMany", {"filter": {}})) == {
        "status": {"deletedCount": -1}
    }
    assert list(cql.execute(f"SELECT * FROM {table}")) == []


async def test_ttl_and_timestamp_options_are_extensions(
    api: httpx.AsyncClient, settings: Settings, people: str, cql: Session
) -> None:
    key = unique()
    body = {"document": {"id": key, "n": 1}, "options": {"ttl": 600, "timestamp": 1_700_000_000_000_000}}
    ok(await command(api, url(settings, people), "insertOne", body))
    row = cql.execute(f"SELECT TTL(n) AS ttl, WRITETIME(n) AS at FROM {people} WHERE id = %s", (key,)).one()
    assert 0 < row["ttl"] <= 600
    assert row["at"] == 1_700_000_000_000_000
