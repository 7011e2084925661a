"""insertMany sends the rows of one partition as one UNLOGGED batch (`app.rows.batches`): every documented behaviour
holds (document order, `ordered`, per-document statuses, write options), a row Cassandra refuses still fails alone,
the later of two writes of one key wins, and the audit line counts the rows."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.data_api import command, error_codes, ok
from tests.support.log_lines import AccessLines, lines_of
from tests.support.names import unique
from tests.support.rows import create_table

EVENTS = "p text, c text, label text, PRIMARY KEY ((p), c)"
TOO_LONG = "k" * 70_000  # a clustering value over Cassandra's 65,535 bytes: bound fine, refused by Cassandra


@pytest.fixture(scope="module")
def events(cql: Session) -> str:
    return create_table(cql, EVENTS, prefix="batched")


@pytest.fixture
def audit_lines() -> Iterator[AccessLines]:
    logger = logging.getLogger("app.audit")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield from lines_of("app.audit")
    logger.setLevel(level)


def url(settings: Settings, table: str) -> str:
    return f"/v1/{settings.keyspace}/{table}"


def stored(cql: Session, table: str, partition: str) -> dict[str, str | None]:
    return {row["c"]: row["label"] for row in cql.execute(f"SELECT c, label FROM {table} WHERE p = %s", (partition,))}


def statuses(answer: dict[str, Any]) -> list[str]:
    return [entry["status"] for entry in answer["status"]["documentResponses"]]


async def test_rows_of_several_partitions_are_all_written_and_answered_in_document_order(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session
) -> None:
    parts = [unique() for _ in range(3)]
    documents = [{"p": parts[i % 3], "c": f"{i:02d}", "label": f"l{i}"} for i in range(30)]  # interleaved
    answer = ok(await command(api, url(settings, events), "insertMany", {"documents": documents}))
    assert answer["status"]["insertedIds"] == [[d["p"], d["c"]] for d in documents]
    for n, part in enumerate(parts):
        assert stored(cql, events, part) == {f"{i:02d}": f"l{i}" for i in range(n, 30, 3)}


async def test_a_row_cassandra_refuses_fails_alone_in_its_partitions_batch(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session
) -> None:
    part = unique()
    documents = [{"p": part, "c": "1"}, {"p": part, "c": TOO_LONG}, {"p": part, "c": "3"}]
    body = {"documents": documents, "options": {"returnDocumentResponses": True}}
    answer = await command(api, url(settings, events), "insertMany", body)
    assert statuses(answer) == ["OK", "ERROR", "OK"]
    assert error_codes(answer) == ["INVALID_DATABASE_QUERY"]
    assert stored(cql, events, part) == {"1": None, "3": None}


async def test_ordered_writes_the_rows_before_a_refused_one_and_skips_the_rest(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session
) -> None:
    part = unique()
    documents = [{"p": part, "c": TOO_LONG if i == 2 else str(i)} for i in range(5)]
    body = {"documents": documents, "options": {"ordered": True, "returnDocumentResponses": True}}
    answer = await command(api, url(settings, events), "insertMany", body)
    assert statuses(answer) == ["OK", "OK", "ERROR", "SKIPPED", "SKIPPED"]
    assert stored(cql, events, part) == {"0": None, "1": None}


async def test_ordered_skips_a_later_bad_document_once_an_earlier_row_failed(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session
) -> None:
    part = unique()
    documents = [{"p": part, "c": TOO_LONG}, {"p": part, "c": "1"}, {"p": part, "c": "2", "nope": 3}]
    body = {"documents": documents, "options": {"ordered": True, "returnDocumentResponses": True}}
    answer = await command(api, url(settings, events), "insertMany", body)
    assert statuses(answer) == ["ERROR", "SKIPPED", "SKIPPED"]
    assert error_codes(answer) == ["INVALID_DATABASE_QUERY"]
    assert stored(cql, events, part) == {}


@pytest.mark.parametrize("ordered", [False, True])
async def test_the_later_of_two_documents_with_one_primary_key_wins(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session, ordered: bool
) -> None:
    """In one batch both rows would share a write timestamp and the greater value would win ("z" over "a")."""
    part = unique()
    documents = [{"p": part, "c": "1", "label": "z"}, {"p": part, "c": "2"}, {"p": part, "c": "1", "label": "a"}]
    body = {"documents": documents, "options": {"ordered": ordered}}
    ok(await command(api, url(settings, events), "insertMany", body))
    assert stored(cql, events, part) == {"1": "a", "2": None}


async def test_ttl_and_timestamp_hold_for_every_row_of_a_batch(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session
) -> None:
    part = unique()
    documents = [{"p": part, "c": str(i), "label": "x"} for i in range(4)]
    body = {"documents": documents, "options": {"ttl": 600, "timestamp": 1_700_000_000_000_000}}
    ok(await command(api, url(settings, events), "insertMany", body))
    rows = list(cql.execute(f"SELECT TTL(label) AS ttl, WRITETIME(label) AS at FROM {events} WHERE p = %s", (part,)))
    assert len(rows) == 4
    assert all(0 < row["ttl"] <= 600 and row["at"] == 1_700_000_000_000_000 for row in rows)


async def test_if_not_exists_leaves_an_existing_row_and_writes_the_others_of_its_partition(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session
) -> None:
    """Per row, as before: a conditional batch would have written none of them."""
    part = unique()
    ok(await command(api, url(settings, events), "insertOne", {"document": {"p": part, "c": "1", "label": "old"}}))
    documents = [{"p": part, "c": c, "label": "new"} for c in "123"]
    body = {"documents": documents, "options": {"ifNotExists": True}}
    ok(await command(api, url(settings, events), "insertMany", body))
    assert stored(cql, events, part) == {"1": "old", "2": "new", "3": "new"}


async def test_if_not_exists_rows_of_one_partition_do_not_contend_with_each_other(
    api: httpx.AsyncClient, settings: Settings, events: str, cql: Session
) -> None:
    """Sent all at once, 40 lightweight transactions on one partition make Cassandra retry Paxos rounds until some
    time out; one at a time per partition (other partitions alongside), every row is written."""
    parts = [unique() for _ in range(2)]
    documents = [{"p": parts[i % 2], "c": f"{i:02d}", "label": "new"} for i in range(80)]
    body = {"documents": documents, "options": {"ifNotExists": True}}
    answer = ok(await command(api, url(settings, events), "insertMany", body))
    assert len(answer["status"]["insertedIds"]) == 80
    for n, part in enumerate(parts):
        assert stored(cql, events, part) == {f"{i:02d}": "new" for i in range(n, 80, 2)}


async def test_the_audit_line_of_insert_many_counts_the_rows_written_and_refused(
    api: httpx.AsyncClient, settings: Settings, events: str, audit_lines: AccessLines
) -> None:
    part = unique()
    documents = [*({"p": part, "c": str(i)} for i in range(4)), {"p": part, "c": "4", "nope": 5}]
    await command(api, url(settings, events), "insertMany", {"documents": documents})
    assert [(line["operation"], line["rows_written"], line["rows_refused"]) for line in audit_lines.fields] == [
        ("insertMany", 4, 1)
    ]
