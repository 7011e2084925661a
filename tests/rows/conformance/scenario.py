"""The Stargate REST v2 rows conformance scenario: schema, seed rows and every exchange, in order.

`record.py` plays it against the real Stargate and writes `stargate-v2.0.51.json`; our rows API is tested against
that recording. Each exchange pins down one behaviour and is named `area/what`. Exchanges run in order on one fresh
keyspace, so later ones may rely on rows earlier ones wrote. Nothing here depends on the clock or on server-side
randomness: uuids and timeuuids are fixed, and there is no now().
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

from tests.rows.conformance.jsontext import dumps

Auth = Literal["token", "none", "bad"]

# The token sent for auth="bad": well formed, but never issued.
BAD_TOKEN = "00000000-0000-0000-0000-000000000000"

UUID_A = "123e4567-e89b-12d3-a456-426614174000"
TIMEUUID_A = "fe2b4360-28c6-11e2-81c1-0800200c9a66"

SCHEMA: list[str] = [
    "CREATE TYPE {ks}.address (street text, city text, zip int)",
    "CREATE TYPE {ks}.person (name text, age int, nicknames frozen<list<text>>, home frozen<address>)",
    # Composite partition key, two clustering columns (the second DESC), an index for every where operator.
    "CREATE TABLE {ks}.events (tenant text, region int, bucket int, seq int, body text, active boolean,"
    " tags set<text>, notes list<text>, attrs map<text, text>, scores map<text, int>, meta map<text, text>,"
    " PRIMARY KEY ((tenant, region), bucket, seq)) WITH CLUSTERING ORDER BY (bucket ASC, seq DESC)",
    "CREATE INDEX events_body ON {ks}.events (body)",
    "CREATE INDEX events_active ON {ks}.events (active)",
    "CREATE INDEX events_tags ON {ks}.events (VALUES(tags))",
    "CREATE INDEX events_notes ON {ks}.events (VALUES(notes))",
    "CREATE INDEX events_attrs ON {ks}.events (KEYS(attrs))",
    "CREATE INDEX events_scores ON {ks}.events (ENTRIES(scores))",
    "CREATE INDEX events_meta ON {ks}.events (VALUES(meta))",
    # Paging: partitions of 150, 5 and 4 rows (SEED).
    "CREATE TABLE {ks}.wide (p text, c int, v text, PRIMARY KEY (p, c))",
    # Every CQL type of Cassandra 4.0, one column each, plus collections, tuples, UDTs, frozen and nested.
    "CREATE TABLE {ks}.types (id text PRIMARY KEY, c_ascii ascii, c_bigint bigint, c_blob blob,"
    " c_boolean boolean, c_date date, c_decimal decimal, c_double double, c_duration duration, c_float float,"
    " c_inet inet, c_int int, c_smallint smallint, c_text text, c_time time, c_timestamp timestamp,"
    " c_timeuuid timeuuid, c_tinyint tinyint, c_uuid uuid, c_varchar varchar, c_varint varint,"
    " c_list list<int>, c_set set<text>, c_map map<text, int>, c_map_int map<int, boolean>,"
    " c_tuple tuple<int, boolean, text>, c_udt address, c_person frozen<person>,"
    " c_list_udt list<frozen<address>>, c_nested frozen<list<frozen<map<text, int>>>>,"
    " c_map_list map<text, frozen<list<int>>>, c_set_tuple set<frozen<tuple<int, text>>>,"
    " c_frozen_list frozen<list<text>>)",
    "CREATE TABLE {ks}.statics (p text, c int, s text static, v text, PRIMARY KEY (p, c))",
    "CREATE TABLE {ks}.counters (id text PRIMARY KEY, hits counter, misses counter)",
    'CREATE TABLE {ks}.people (id int PRIMARY KEY, "firstName" text, email text, age int)',
    "CREATE TABLE {ks}.keys (k text PRIMARY KEY, v text)",
    "CREATE TABLE {ks}.typed_keys (u uuid, ts timestamp, d date, v text, PRIMARY KEY (u, ts, d))",
]


def _seed() -> list[str]:
    """Rows for the paging exchanges: too many to write one exchange each."""
    sizes = {"big": 150, "five": 5, "four": 4}
    return [
        f"INSERT INTO {{ks}}.wide (p, c, v) VALUES ('{p}', {c}, 'v{c}')" for p, n in sizes.items() for c in range(n)
    ]


SEED: list[str] = _seed()


@dataclass(frozen=True)
class Exchange:
    """One request to send, and why; record.py adds what Stargate answered."""

    name: str
    method: str
    path: str  # raw, as it goes on the wire (percent-encodings kept), with {ks}
    query: dict[str, str] = field(default_factory=dict)  # decoded values; ${var} refers to a captured value
    body: Any = None  # None: no body; str: sent verbatim; anything else: sent as JSON (Decimal digits exact)
    headers: dict[str, str] | None = None  # None: content-type application/json when there is a body
    auth: Auth = "token"
    capture: dict[str, str] = field(default_factory=dict)  # variable -> top-level response field
    note: str = ""
    keep_text: bool = False  # also keep the response text verbatim (POST echoes the body byte for byte)

    def request_headers(self) -> dict[str, str]:
        """Headers sent besides the token: the explicit ones, else JSON content-type when there is a body."""
        if self.headers is not None:
            return dict(self.headers)
        return {"content-type": "application/json"} if self.body is not None else {}

    def body_text(self) -> str | None:
        """The body as sent: strings verbatim (for invalid JSON), anything else as compact JSON."""
        if self.body is None or isinstance(self.body, str):
            return self.body
        return dumps(self.body)


def seg(value: object) -> str:
    """A key value as one path segment: everything but unreserved characters percent-encoded."""
    return quote(str(value), safe="")


def rows_path(table: str, *segments: str, ks: str = "{ks}") -> str:
    """The rows path of a table, followed by already-encoded key segments."""
    return "/".join([f"/v2/keyspaces/{ks}/{table}", *segments])


def key_path(table: str, *key: object) -> str:
    """The rows path of a table followed by key values, each encoded as one segment."""
    return rows_path(table, *(seg(k) for k in key))


def jq(value: Any) -> str:
    """A query value holding JSON (where, sort), compact as a client would build it."""
    return dumps(value)


def ex(name: str, method: str, path: str, query: dict[str, str] | None = None, **kw: Any) -> Exchange:
    """Shorthand for an Exchange."""
    return Exchange(name=name, method=method, path=path, query=query or {}, **kw)


ACME1 = {"tenant": {"$eq": "acme"}, "region": {"$eq": 1}}


def where_acme1(**more: dict[str, Any]) -> str:
    """A where on partition (acme, 1) plus more column conditions."""
    return jq({**ACME1, **more})


# --------------------------------------------------------------------------------------------------- routes


def _events_rows() -> list[dict[str, Any]]:
    """The rows of `events`: partition (acme, 1) has two buckets, (acme, 2) and (zeta, 1) one row each."""
    return [
        {
            "tenant": "acme",
            "region": 1,
            "bucket": 1,
            "seq": 1,
            "body": "hello",
            "active": True,
            "tags": ["red", "blue"],
            "notes": ["n1", "n2"],
            "attrs": {"color": "red"},
            "scores": {"math": 90},
            "meta": {"owner": "ann"},
        },
        {
            "tenant": "acme",
            "region": 1,
            "bucket": 1,
            "seq": 2,
            "body": "world",
            "active": False,
            "tags": ["green"],
            "attrs": {"size": "L"},
            "scores": {"math": 70},
            "meta": {"owner": "bob"},
        },
        {"tenant": "acme", "region": 1, "bucket": 1, "seq": 3, "body": "hello", "active": True},
        {"tenant": "acme", "region": 1, "bucket": 2, "seq": 1, "body": "later"},
        {"tenant": "acme", "region": 1, "bucket": 2, "seq": 2, "body": "later2"},
        {"tenant": "acme", "region": 2, "bucket": 1, "seq": 1, "body": "other region"},
        {"tenant": "zeta", "region": 1, "bucket": 1, "seq": 1, "body": "zeta"},
    ]


def routes() -> Iterator[Exchange]:
    """The seven rows routes and primary-key prefix semantics (DELETEs come last, in deletes())."""
    for r in _events_rows():
        name = f"routes/post-{r['tenant']}-{r['region']}-{r['bucket']}-{r['seq']}"
        yield ex(name, "POST", rows_path("events"), body=r, note="POST: 201 and the body echoed")
    yield ex(
        "routes/get-where-partition",
        "GET",
        rows_path("events"),
        {"where": jq(ACME1)},
        note="GET with where on the full partition key: clustering order is bucket ASC, seq DESC",
    )
    yield ex("routes/get-rows", "GET", rows_path("events", "rows"), note="GET /rows: every row, token order")
    yield ex(
        "routes/get-rows-ignores-where",
        "GET",
        rows_path("events", "rows"),
        {"where": jq({"tenant": {"$eq": "zeta"}, "region": {"$eq": 1}}), "fields": "tenant"},
        note="/rows takes no where",
    )
    yield ex("routes/get-pk-full", "GET", key_path("events", "acme", 1, 1, 2), note="full primary key: one row")
    yield ex("routes/get-pk-partition", "GET", key_path("events", "acme", 1), note="partition key only: partition")
    yield ex(
        "routes/get-pk-clustering-prefix",
        "GET",
        key_path("events", "acme", 1, 1),
        note="partition key + first clustering column: a range",
    )
    yield ex("routes/get-pk-no-such-row", "GET", key_path("events", "acme", 1, 9, 9), note="no row: count 0")
    yield ex(
        "routes/put",
        "PUT",
        key_path("events", "acme", 1, 1, 3),
        body={"body": "put here"},
        note="PUT: 200 with {data: body}",
    )
    yield ex(
        "routes/patch",
        "PATCH",
        key_path("events", "acme", 1, 1, 3),
        body={"active": False},
        note="PATCH: 200 with {data: body}",
    )
    yield ex("routes/get-after-put-patch", "GET", key_path("events", "acme", 1, 1, 3))


def deletes() -> Iterator[Exchange]:
    """DELETE by full key, clustering prefix (range delete) and partition; each followed by a read."""
    part = key_path("events", "acme", 1)
    yield ex("delete/full-key", "DELETE", key_path("events", "acme", 1, 2, 2), note="204, empty body")
    yield ex("delete/full-key-read", "GET", part)
    yield ex("delete/clustering-prefix", "DELETE", key_path("events", "acme", 1, 2), note="range delete of bucket 2")
    yield ex("delete/clustering-prefix-read", "GET", part)
    yield ex("delete/partition", "DELETE", key_path("events", "zeta", 1), note="whole partition")
    yield ex("delete/partition-read", "GET", key_path("events", "zeta", 1))
    yield ex("delete/no-such-row", "DELETE", key_path("events", "nobody", 7, 7, 7), note="idempotent: still 204")
    yield ex("delete/too-few-keys", "DELETE", key_path("events", "acme"), note="partition key incomplete")
    yield ex("delete/too-many-keys", "DELETE", key_path("events", "acme", 1, 1, 1, 1))
    yield ex("delete/bad-key-type", "DELETE", key_path("events", "acme", "one"))
    yield ex("delete/rows-read", "GET", rows_path("events", "rows"), note="what is left")


# --------------------------------------------------------------------------------------------------- params


def fields_params() -> Iterator[Exchange]:
    """`fields`: a comma list, trimmed, empty items dropped; unknown names fail in Cassandra."""
    ev = rows_path("events")
    w = jq(ACME1)
    yield ex("fields/basic", "GET", ev, {"where": w, "fields": "bucket,seq,body"})
    yield ex("fields/spaces", "GET", ev, {"where": w, "fields": " bucket , seq ,body "})
    yield ex("fields/empty-items", "GET", ev, {"where": w, "fields": "bucket,,seq,"})
    yield ex("fields/empty", "GET", ev, {"where": w, "fields": ""}, note="empty fields: every column")
    yield ex("fields/duplicate", "GET", ev, {"where": w, "fields": "body,body"})
    yield ex("fields/unknown", "GET", ev, {"where": w, "fields": "bucket,nope"})
    yield ex("fields/on-rows", "GET", rows_path("events", "rows"), {"fields": "tenant,body"})
    yield ex("fields/on-pk", "GET", key_path("events", "acme", 1), {"fields": "seq"})
    yield ex("fields/unknown-on-rows", "GET", rows_path("events", "rows"), {"fields": "nope"})
    yield ex("fields/unknown-on-pk", "GET", key_path("events", "acme", 1), {"fields": "nope"})


def page_size_params() -> Iterator[Exchange]:
    """`page-size`: default 100 (partition `big` has 150 rows), 0 and negatives mean the default."""
    big = key_path("wide", "big")
    yield ex("page-size/default-pk", "GET", big, note="150-row partition, no page-size: 100 rows + pageState")
    yield ex("page-size/default-rows", "GET", rows_path("wide", "rows"), note="/rows: 100 of 159 rows")
    yield ex("page-size/default-where", "GET", rows_path("wide"), {"where": jq({"p": {"$eq": "big"}})})
    yield ex("page-size/zero", "GET", big, {"page-size": "0"})
    yield ex("page-size/negative", "GET", big, {"page-size": "-5"})
    yield ex("page-size/not-a-number", "GET", big, {"page-size": "ten"})
    yield ex("page-size/empty", "GET", big, {"page-size": ""})
    yield ex("page-size/larger-than-partition", "GET", big, {"page-size": "1000"}, note="all 150, no pageState")
    yield ex("page-size/small", "GET", big, {"page-size": "3", "fields": "c"})


def paging() -> Iterator[Exchange]:
    """`page-state` walks: to the end (no pageState on the last page) and the exact-fill case."""
    five = key_path("wide", "five")
    four = key_path("wide", "four")
    cap = {"next": "pageState"}
    yield ex("paging/five-page-1", "GET", five, {"page-size": "2"}, capture=cap)
    yield ex("paging/five-page-2", "GET", five, {"page-size": "2", "page-state": "${next}"}, capture=cap)
    yield ex(
        "paging/five-page-3",
        "GET",
        five,
        {"page-size": "2", "page-state": "${next}"},
        note="last page, partly filled: no pageState",
    )
    yield ex("paging/four-page-1", "GET", four, {"page-size": "2"}, capture=cap)
    yield ex(
        "paging/four-page-2",
        "GET",
        four,
        {"page-size": "2", "page-state": "${next}"},
        capture=cap,
        note="exactly filled: a pageState although nothing follows",
    )
    yield ex(
        "paging/four-page-3",
        "GET",
        four,
        {"page-size": "2", "page-state": "${next}"},
        note="after the exact fill: count 0, data [], no pageState",
    )
    w = jq({"p": {"$eq": "five"}})
    yield ex("paging/where-page-1", "GET", rows_path("wide"), {"where": w, "page-size": "3"}, capture=cap)
    yield ex("paging/where-page-2", "GET", rows_path("wide"), {"where": w, "page-size": "3", "page-state": "${next}"})
    rows = rows_path("wide", "rows")
    yield ex("paging/rows-page-1", "GET", rows, {"page-size": "100"}, capture=cap)
    yield ex("paging/rows-page-2", "GET", rows, {"page-size": "100", "page-state": "${next}"}, note="59 left")
    yield ex("paging/raw-drops-page-state", "GET", five, {"page-size": "2", "raw": "true"}, note="bare array")
    yield ex("paging/page-state-not-base64", "GET", five, {"page-state": "!!not*base64!!"})
    yield ex("paging/page-state-url-safe-chars", "GET", five, {"page-state": "ab_-"})
    yield ex("paging/page-state-junk-bytes", "GET", five, {"page-state": "AAAA"}, note="valid Base64, not a state")
    yield ex("paging/page-state-empty", "GET", five, {"page-state": ""}, note="empty: first page")
    # The states are fixed by the seed rows: four-page-1 answers AAYABAAAAAHwf////fB////9, four-page-2
    # AAYABAAAAAPwf///+/B////7; below, the second as careless clients mangle it.
    yield ex(
        "paging/page-state-literal",
        "GET",
        four,
        {"page-size": "2", "page-state": "AAYABAAAAAHwf////fB////9"},
        note="a state is valid in a later request without capture: page 2",
    )
    yield ex(
        "paging/page-state-plus-as-space", "GET", four, {"page-size": "2", "page-state": "AAYABAAAAAPwf/// /B////7"}
    )
    yield ex("paging/page-state-url-safe", "GET", four, {"page-size": "2", "page-state": "AAYABAAAAAPwf___-_B____7"})
    yield ex("paging/page-state-not-base64-rows", "GET", rows_path("wide", "rows"), {"page-state": "!!not*base64!!"})
    yield ex("paging/page-state-junk-bytes-rows", "GET", rows_path("wide", "rows"), {"page-state": "AAAA"})


def raw_params() -> Iterator[Exchange]:
    """`raw`: bare array instead of the envelope; how loosely the boolean is parsed."""
    one = key_path("events", "acme", 1, 1, 1)
    q = {"fields": "tenant,seq"}
    yield ex("raw/true", "GET", one, {**q, "raw": "true"})
    yield ex("raw/false", "GET", one, {**q, "raw": "false"})
    yield ex("raw/upper-TRUE", "GET", one, {**q, "raw": "TRUE"})
    yield ex("raw/one", "GET", one, {**q, "raw": "1"})
    yield ex("raw/junk", "GET", one, {**q, "raw": "yes"})
    yield ex("raw/empty", "GET", one, {**q, "raw": ""})
    yield ex("raw/where", "GET", rows_path("events"), {**q, "where": jq(ACME1), "raw": "true"})
    yield ex("raw/rows", "GET", rows_path("wide", "rows"), {"page-size": "2", "raw": "true"})
    yield ex("raw/empty-result", "GET", key_path("events", "acme", 1, 9), {"raw": "true"}, note="[]")


def sort_params() -> Iterator[Exchange]:
    """`sort`: only exact "desc" is DESC; what Cassandra refuses surfaces as 400."""
    ev = rows_path("events")
    q = {"where": jq(ACME1), "fields": "bucket,seq"}
    cases: list[tuple[str, Any, str]] = [
        ("asc", {"bucket": "asc"}, ""),
        ("desc", {"bucket": "desc"}, "reverses both clustering columns"),
        ("upper-DESC", {"bucket": "DESC"}, "the OpenAPI example; SGv2 reads anything but 'desc' as ASC"),
        ("junk-value", {"bucket": "sideways"}, ""),
        ("number-value", {"bucket": 1}, ""),
        ("two-columns-reversed", {"bucket": "desc", "seq": "asc"}, "the reverse of the clustering order"),
        ("two-columns-inconsistent", {"bucket": "desc", "seq": "desc"}, ""),
        ("second-column-only", {"seq": "asc"}, ""),
        ("non-clustering-column", {"body": "asc"}, ""),
        ("unknown-column", {"nope": "asc"}, ""),
        ("empty-object", {}, "no ORDER BY"),
    ]
    for what, sort, note in cases:
        yield ex(f"sort/{what}", "GET", ev, {**q, "sort": jq(sort)}, note=note)
    yield ex("sort/invalid-json", "GET", ev, {**q, "sort": "{bucket:"})
    yield ex("sort/not-an-object", "GET", ev, {**q, "sort": '["bucket"]'})
    yield ex("sort/empty-string", "GET", ev, {**q, "sort": ""})
    yield ex("sort/on-pk-route", "GET", key_path("events", "acme", 1), {"sort": jq({"bucket": "desc"})})
    yield ex(
        "sort/on-rows-unrestricted",
        "GET",
        rows_path("events", "rows"),
        {"sort": jq({"bucket": "desc"})},
        note="ORDER BY without a restricted partition",
    )
    yield ex("sort/invalid-json-on-rows", "GET", rows_path("events", "rows"), {"sort": "nope"})


def compact_map_params() -> Iterator[Exchange]:
    """`compactMapData` on read: object vs [{key, value}] list, and the server default."""
    one = key_path("events", "acme", 1, 1, 1)
    q = {"fields": "attrs,scores", "raw": "true"}
    yield ex("compact/read-default", "GET", one, q, note="server default")
    yield ex("compact/read-true", "GET", one, {**q, "compactMapData": "true"})
    yield ex("compact/read-false", "GET", one, {**q, "compactMapData": "false"})
    yield ex("compact/read-junk", "GET", one, {**q, "compactMapData": "junk"})
    yield ex(
        "compact/read-false-where", "GET", rows_path("events"), {**q, "where": jq(ACME1), "compactMapData": "false"}
    )
    yield ex("compact/read-false-rows", "GET", rows_path("events", "rows"), {**q, "compactMapData": "false"})


# --------------------------------------------------------------------------------------------------- where


def where_ops() -> Iterator[Exchange]:
    """Every where operator, case-insensitive names, loose/strict typing, and each where error."""
    ev = rows_path("events")
    f = "tenant,region,bucket,seq"

    def w(name: str, where: Any, note: str = "", fields: str = f) -> Exchange:
        value = where if isinstance(where, str) else jq(where)
        return ex(f"where/{name}", "GET", ev, {"where": value, "fields": fields}, note=note)

    yield w("eq-full-key", {**ACME1, "bucket": {"$eq": 1}, "seq": {"$eq": 2}})
    yield w("eq-string-for-int", {"tenant": {"$eq": "acme"}, "region": {"$eq": "1"}}, "strings parse per type")
    yield w("eq-single-quoted", {"tenant": {"$eq": "'acme'"}, "region": {"$eq": 1}}, "quotes stripped")
    yield w("lt", {**ACME1, "bucket": {"$lt": 2}})
    yield w("lte", {**ACME1, "bucket": {"$lte": 2}})
    yield w("gt", {**ACME1, "bucket": {"$gt": 1}})
    yield w("gte", {**ACME1, "bucket": {"$gte": 1}})
    yield w("range-two-ops", {**ACME1, "bucket": {"$eq": 1}, "seq": {"$gt": 1, "$lte": 3}})
    yield w("gt-second-clustering", {**ACME1, "bucket": {"$eq": 1}, "seq": {"$gt": 1}})
    yield w("in-clustering", {**ACME1, "bucket": {"$in": [1, 2]}})
    yield w("in-partition", {"tenant": {"$eq": "acme"}, "region": {"$in": [1, 2]}})
    yield w("in-text", {"tenant": {"$in": ["acme", "zeta"]}, "region": {"$eq": 1}})
    yield w("in-strict-string-for-int", {"tenant": {"$eq": "acme"}, "region": {"$in": ["1"]}}, "$in is strict")
    yield w("in-empty", {**ACME1, "bucket": {"$in": []}})
    yield w("in-not-array", {**ACME1, "bucket": {"$in": 1}})
    yield w("contains-set", {"tags": {"$contains": "red"}}, "indexed set", "seq,tags")
    yield w("contains-list", {"notes": {"$contains": "n2"}}, "indexed list", "seq,notes")
    yield w("contains-map-value", {"meta": {"$contains": "bob"}}, "indexed map values", "seq,meta")
    yield w("contains-not-collection", {"body": {"$contains": "hello"}})
    yield w("contains-key", {"attrs": {"$containsKey": "color"}}, "indexed map keys", "seq,attrs")
    yield w("contains-key-not-map", {"tags": {"$containsKey": "red"}})
    yield w("contains-entry", {"scores": {"$containsEntry": {"key": "math", "value": 70}}}, "", "seq,scores")
    yield w("contains-entry-string-value", {"scores": {"$containsEntry": {"key": "math", "value": "70"}}})
    yield w("contains-entry-missing-value", {"scores": {"$containsEntry": {"key": "math"}}})
    yield w("contains-entry-not-object", {"scores": {"$containsEntry": "math"}})
    yield w("contains-entry-not-map", {"tags": {"$containsEntry": {"key": "a", "value": "b"}}})
    yield w("exists-true", {"active": {"$exists": True}}, "$exists is `= true`", "seq,active")
    yield w("exists-false", {"active": {"$exists": False}})
    yield w("exists-string-true", {"active": {"$exists": "true"}})
    yield w("exists-on-text-column", {"body": {"$exists": True}}, "becomes body = 'true'")
    yield w("op-upper-case", {"tenant": {"$EQ": "acme"}, "region": {"$Eq": 1}, "bucket": {"$GT": 1}})
    yield w("op-mixed-case-contains-key", {"attrs": {"$CONTAINSKEY": "size"}}, "", "seq,attrs")
    yield w("eq-array-one", {"tenant": {"$eq": "acme"}, "region": {"$eq": [1]}}, "array: one condition each")
    yield w("eq-array-fan-out", {**ACME1, "bucket": {"$eq": [1, 2]}}, "bucket = 1 AND bucket = 2")
    yield w("gt-array-fan-out", {**ACME1, "bucket": {"$gt": [0, 1]}})
    yield w("ne", {**ACME1, "bucket": {"$ne": 1}})
    yield w("unknown-op", {**ACME1, "bucket": {"$like": 1}})
    yield w("op-without-dollar", {**ACME1, "bucket": {"eq": 1}})
    yield w("unknown-column", {**ACME1, "nope": {"$eq": 1}})
    yield w("null-value", {**ACME1, "bucket": {"$eq": None}})
    yield w("non-object-entry", {"tenant": "acme", "region": {"$eq": 1}})
    yield w("duplicate-column", '{"tenant":{"$eq":"acme"},"tenant":{"$eq":"zeta"},"region":{"$eq":1}}')
    yield w("duplicate-op", '{"tenant":{"$eq":"acme"},"region":{"$eq":1},"bucket":{"$gt":0,"$gt":1}}')
    yield w("not-json", "{tenant:")
    yield w("not-an-object", '[{"tenant":{"$eq":"acme"}}]')
    yield w("empty-object", {}, "no WHERE at all: a full scan")
    yield w("bad-value", {"tenant": {"$eq": "acme"}, "region": {"$eq": "one"}})
    yield w("bool-for-int", {"tenant": {"$eq": "acme"}, "region": {"$eq": True}})
    yield w("float-for-int", {"tenant": {"$eq": "acme"}, "region": {"$eq": 1.7}})
    yield w("indexed-regular-column", {"body": {"$eq": "hello"}}, "secondary index, no partition", "seq,body")
    yield w("clustering-without-partition", {"bucket": {"$eq": 1}}, "would need ALLOW FILTERING")
    yield w("partial-partition-key", {"tenant": {"$eq": "acme"}})
    yield w("eq-list-as-json-array", {**ACME1, "notes": {"$eq": ["n1", "n2"]}}, "the array fans out per element")
    yield w("eq-list-as-cql-literal", {**ACME1, "notes": {"$eq": "['n1','n2']"}}, "equality on an indexed list")
    yield ex(
        "where/non-indexed-with-partition",
        "GET",
        rows_path("wide"),
        {"where": jq({"p": {"$eq": "five"}, "v": {"$eq": "v1"}})},
        note="a regular column without index, partition given",
    )
    yield ex(
        "where/broken-page-state",
        "GET",
        rows_path("wide"),
        {"where": jq({"p": {"$eq": "five"}}), "page-state": "!!not*base64!!"},
        note="a broken page-state on the where route",
    )
    yield ex("where/missing", "GET", ev, {"fields": f}, note="GET on the table without where")
    yield ex("where/empty-string", "GET", ev, {"where": "", "fields": f})
    yield ex("where/whitespace", "GET", ev, {"where": "  ", "fields": f})


# --------------------------------------------------------------------------------------------------- types

# (column, form, value, note) written with POST then read back; forms Stargate is expected to accept.
GOOD_TYPE_CASES: list[tuple[str, str, Any, str]] = [
    ("ascii", "string", "hello", ""),
    ("ascii", "single-quoted", "'hello'", ""),
    ("ascii", "number", 123, "numbers stringified"),
    ("bigint", "number", 9007199254740993, "2^53+1"),
    ("bigint", "string", "-9007199254740993", ""),
    ("bigint", "max", 9223372036854775807, ""),
    ("bigint", "float", 1.9, "a fraction"),
    ("bigint", "overflow-number", 9223372036854775808, "2^63"),
    ("blob", "base64", "/w==", "0xff"),
    ("blob", "base64-longer", "AAECAwQ=", ""),
    ("blob", "base64-unpadded", "AAECAwQ", ""),
    ("blob", "empty", "", ""),
    ("blob", "hex-literal", "0xff", "CQL hex literal: read as Base64"),
    ("boolean", "true", True, ""),
    ("boolean", "false", False, ""),
    ("boolean", "string", "true", ""),
    ("boolean", "upper-string", "FALSE", ""),
    ("boolean", "single-quoted", "'true'", ""),
    ("date", "string", "2021-04-23", ""),
    ("date", "single-quoted", "'2021-04-23'", ""),
    ("date", "far-future", "+10000-01-01", ""),
    ("decimal", "number", 3.14, ""),
    ("decimal", "string", "3.14", ""),
    ("decimal", "exponent-string", "1E+3", ""),
    ("decimal", "exponent-number", Decimal("1E+3"), "the JSON number 1E+3"),
    ("decimal", "trailing-zeros", "2.500", ""),
    ("decimal", "long-number", Decimal("12345678901234567890.123456789"), "more digits than a double holds"),
    ("decimal", "long-string", "12345678901234567890.123456789", ""),
    ("decimal", "integer", 42, ""),
    ("double", "number", 3.14, ""),
    ("double", "string", "3.14", ""),
    ("double", "integer", 1, ""),
    ("double", "large", 1e300, ""),
    ("double", "long-number", Decimal("3.141592653589793238462643"), ""),
    ("double", "small", 1e-7, ""),
    ("double", "nan", "NaN", ""),
    ("double", "infinity", "-Infinity", ""),
    ("duration", "days", "2d", ""),
    ("duration", "hours-minutes", "30h20m", ""),
    ("duration", "every-unit", "1y2mo3w4d5h6m7s8ms9us10ns", ""),
    ("duration", "micro-sign", "7µs", ""),
    ("duration", "weeks", "2w", ""),
    ("duration", "minutes-overflow", "90m", ""),
    ("duration", "negative", "-2d", ""),
    ("duration", "zero", "0s", ""),
    ("duration", "iso", "P1Y2M3DT4H5M6S", ""),
    ("duration", "iso-time", "PT30M", ""),
    ("duration", "iso-weeks", "P2W", ""),
    ("duration", "iso-alternative", "P0001-02-03T04:05:06", ""),
    ("duration", "upper-units", "2H", ""),
    ("float", "number", 0.1, ""),
    ("float", "string", "0.1", ""),
    ("float", "integer", 16777217, "2^24+1"),
    ("float", "max", 3.4028235e38, ""),
    ("float", "overflow", 1e39, ""),
    ("float", "nan", "NaN", ""),
    ("float", "tiny", 1.5e-45, ""),
    ("inet", "v4", "127.0.0.1", ""),
    ("inet", "v6-loopback", "::1", ""),
    ("inet", "v6", "2001:db8::1", ""),
    ("inet", "v6-full", "2001:0db8:0000:0000:0000:0000:0000:0001", ""),
    ("inet", "v4-mapped-v6", "::ffff:192.168.0.1", ""),
    ("inet", "v6-bracketed", "[::1]", ""),
    ("inet", "single-quoted", "'10.0.0.1'", ""),
    ("inet", "hostname-localhost", "localhost", "Java InetAddress.getByName resolves names"),
    ("int", "number", 123, ""),
    ("int", "string", "123", ""),
    ("int", "negative", -5, ""),
    ("int", "single-quoted", "'42'", ""),
    ("int", "overflow-number", 2147483648, "2^31 as a JSON number"),
    ("int", "float", 1.9, "a fraction as a JSON number"),
    ("int", "plus-string", "+7", ""),
    ("smallint", "number", 32767, ""),
    ("smallint", "string", "-32768", ""),
    ("smallint", "overflow-number", 40000, ""),
    ("text", "string", "hello", ""),
    ("text", "single-quoted", "'abc'", "single quotes stripped even for text"),
    ("text", "two-quotes", "''", ""),
    ("text", "doubled-quote-inside", "'it''s'", ""),
    ("text", "apostrophe", "it's", ""),
    ("text", "one-quote", "'", ""),
    ("text", "empty", "", ""),
    ("text", "unicode", "日本 ü 😀", ""),
    ("text", "number", 42, ""),
    ("text", "float", 1.50, ""),
    ("text", "boolean", True, ""),
    ("text", "object", {"a": 1, "b": [2]}, ""),
    ("text", "array", [1, "x"], ""),
    ("time", "seconds", "12:34:56", ""),
    ("time", "minutes", "12:34", ""),
    ("time", "millis", "12:34:56.123", ""),
    ("time", "nanos", "12:34:56.123456789", ""),
    ("time", "trailing-zeros", "12:34:56.100", ""),
    ("time", "midnight", "00:00", ""),
    ("time", "single-quoted", "'01:02:03'", ""),
    ("timestamp", "z", "2021-04-23T18:42:22Z", ""),
    ("timestamp", "millis", "2021-04-23T18:42:22.139Z", ""),
    ("timestamp", "millis-100", "2021-04-23T18:42:22.100Z", ""),
    ("timestamp", "frac-0", "2021-04-23T18:42:22.000Z", ""),
    ("timestamp", "frac-1", "2021-04-23T18:42:22.1Z", ""),
    ("timestamp", "frac-2", "2021-04-23T18:42:22.12Z", ""),
    ("timestamp", "frac-3", "2021-04-23T18:42:22.123Z", ""),
    ("timestamp", "frac-4", "2021-04-23T18:42:22.1234Z", ""),
    ("timestamp", "frac-5", "2021-04-23T18:42:22.12345Z", ""),
    ("timestamp", "frac-6", "2021-04-23T18:42:22.123456Z", ""),
    ("timestamp", "frac-6-rounding", "2021-04-23T18:42:22.999999Z", "truncated or rounded?"),
    ("timestamp", "offset-colon", "2021-04-23T18:42:22+02:00", ""),
    ("timestamp", "offset-no-colon", "2021-04-23T18:42:22+0200", ""),
    ("timestamp", "offset-hours", "2021-04-23T18:42:22+02", ""),
    ("timestamp", "offset-negative", "2021-04-23T18:42:22.5-05:30", ""),
    ("timestamp", "offset-zero", "2021-04-23T18:42:22+00:00", ""),
    ("timestamp", "epoch-ms", 1619203342139, ""),
    ("timestamp", "epoch-ms-zero-millis", 1619203342000, ""),
    ("timestamp", "epoch-negative", -1000, ""),
    ("timestamp", "single-quoted", "'2021-04-23T18:42:22Z'", ""),
    ("timeuuid", "v1", TIMEUUID_A, ""),
    ("timeuuid", "upper-case", TIMEUUID_A.upper(), ""),
    ("timeuuid", "random-v4", UUID_A, "not a version 1 uuid"),
    ("tinyint", "number", 127, ""),
    ("tinyint", "string", "-128", ""),
    ("tinyint", "overflow-number", 300, "300 as a JSON number"),
    ("uuid", "string", UUID_A, ""),
    ("uuid", "upper-case", UUID_A.upper(), ""),
    ("uuid", "single-quoted", f"'{UUID_A}'", ""),
    ("uuid", "short-groups", "1-2-3-4-5", "UUID.fromString is lenient"),
    ("varchar", "string", "hello", ""),
    ("varchar", "number", 42, ""),
    ("varint", "number", 123456789012345678901234567890, ""),
    ("varint", "integral-decimal", Decimal("5.0"), "a JSON number with a fraction part"),
    ("varint", "string", "-123456789012345678901234567890", ""),
    ("list", "json", [3, 1, 2], ""),
    ("list", "cql-literal", "[1, 2, 3]", ""),
    ("list", "cql-literal-spaces", " [ 1 ,2 ] ", ""),
    ("list", "json-empty", [], "stored as null"),
    ("list", "cql-empty", "[]", ""),
    ("list", "null", None, ""),
    ("set", "json", ["b", "a", "b"], "sorted and deduplicated"),
    ("set", "cql-literal", "{'b', 'a'}", ""),
    ("set", "cql-unquoted", "{x, y}", ""),
    ("set", "json-numbers", [1, 2], "strict text from numbers"),
    ("set", "json-empty", [], ""),
    ("set", "cql-empty", "{}", ""),
    ("map", "json", {"a": 1, "b": 2}, ""),
    ("map", "cql-literal", "{'a': 1, 'b': 2}", ""),
    ("map", "cql-unquoted-keys", "{a: 1}", ""),
    ("map", "json-empty", {}, ""),
    ("map", "cql-empty", "{}", ""),
    ("map-int", "cql-literal", "{1: true, 2: false}", "non-text keys"),
    ("map-int", "cql-quoted-values", "{3: 'true'}", ""),
    ("tuple", "json", [28, False, "foobar"], ""),
    ("tuple", "cql-literal", "(28, false, 'foo bar')", ""),
    ("tuple", "cql-literal-tight", "(28,false,'x')", ""),
    ("tuple", "null", None, ""),
    ("udt", "json", {"street": "Main St", "city": "Springfield", "zip": 12345}, ""),
    ("udt", "cql-literal", "{street: 'Main St', city: 'Springfield', zip: 12345}", ""),
    ("udt", "cql-quoted-names", "{'street': 'x', 'zip': 1}", ""),
    ("udt", "json-partial", {"city": "Shelbyville"}, "fields not given"),
    ("udt", "json-empty", {}, ""),
    ("udt", "null", None, ""),
    (
        "person",
        "json-nested",
        {"name": "Bob", "age": 36, "nicknames": ["bobby"], "home": {"street": "x", "city": "y", "zip": 1}},
        "frozen UDT holding a list and a UDT",
    ),
    ("person", "cql-nested", "{name: 'Bob', age: 36, nicknames: ['b', 'bo'], home: {city: 'z'}}", ""),
    ("list-udt", "json", [{"street": "a", "city": "b", "zip": 1}, {"city": "c"}], ""),
    ("list-udt", "cql-literal", "[{street: 'a'}, {zip: 2}]", ""),
    ("nested", "json", [{"a": 1}, {"b": 2, "c": 3}], "frozen list of frozen maps"),
    ("nested", "cql-literal", "[{'a': 1}, {'b': 2}]", ""),
    ("nested", "json-empty", [], "a frozen empty list is a value, not null"),
    ("map-list", "json", {"x": [1, 2], "y": []}, ""),
    ("map-list", "cql-literal", "{'x': [1, 2]}", ""),
    ("set-tuple", "json", [[2, "b"], [1, "a"]], ""),
    ("set-tuple", "cql-literal", "{(1, 'a'), (2, 'b')}", ""),
    ("frozen-list", "json", ["a", "b"], ""),
    ("frozen-list", "json-empty", [], ""),
]

# (column, form, value, note): inputs expected to be refused; only the write is recorded.
BAD_TYPE_CASES: list[tuple[str, str, Any, str]] = [
    ("ascii", "non-ascii", "héllo", ""),
    ("bigint", "fraction-string", "1.5", ""),
    ("bigint", "junk", "abc", ""),
    ("blob", "url-safe", "_w==", ""),
    ("blob", "number", 255, ""),
    ("blob", "not-base64", "not base64!", ""),
    ("boolean", "yes", "yes", ""),
    ("boolean", "number", 1, ""),
    ("boolean", "string-one", "1", ""),
    ("date", "compact", "20210423", ""),
    ("date", "number", 18740, "days since epoch"),
    ("date", "impossible", "2021-02-30", ""),
    ("date", "with-time", "2021-04-23T00:00:00Z", ""),
    ("decimal", "junk", "abc", ""),
    ("double", "junk", "abc", ""),
    ("double", "boolean", True, ""),
    ("duration", "words", "2 days", ""),
    ("duration", "number", 5, ""),
    ("duration", "no-unit", "5", ""),
    ("float", "junk", "abc", ""),
    ("inet", "number", 2130706433, ""),
    ("inet", "bad-v6", "2001:db8::g", ""),
    ("int", "overflow-string", "2147483648", ""),
    ("int", "fraction-string", "1.9", ""),
    ("int", "junk", "abc", ""),
    ("int", "boolean", True, ""),
    ("int", "leading-space", " 12", ""),
    ("int", "object", {"v": 1}, ""),
    ("smallint", "overflow-string", "40000", ""),
    ("time", "hour-24", "24:00:00", ""),
    ("time", "number", 45296000000000, "nanos of day"),
    ("time", "with-zone", "12:34:56Z", ""),
    ("timestamp", "frac-7", "2021-04-23T18:42:22.1234567Z", ""),
    ("timestamp", "frac-8", "2021-04-23T18:42:22.12345678Z", ""),
    ("timestamp", "frac-9", "2021-04-23T18:42:22.123456789Z", ""),
    ("timestamp", "no-offset", "2021-04-23T18:42:22", ""),
    ("timestamp", "space-separator", "2021-04-23 18:42:22Z", ""),
    ("timestamp", "date-only", "2021-04-23", ""),
    ("timestamp", "epoch-ms-string", "1619203342139", ""),
    ("timestamp", "epoch-float", 1619203342139.5, ""),
    ("timestamp", "no-seconds", "2021-04-23T18:42Z", ""),
    ("timestamp", "lower-z", "2021-04-23T18:42:22z", ""),
    ("timeuuid", "junk", "not-a-uuid", ""),
    ("tinyint", "overflow-string", "300", ""),
    ("uuid", "braces", "{" + UUID_A + "}", ""),
    ("uuid", "no-dashes", UUID_A.replace("-", ""), ""),
    ("uuid", "number", 12, ""),
    ("varint", "fraction-number", 1.5, ""),
    ("varint", "exponent-string", "1e3", ""),
    ("list", "json-strings-for-int", ["1", "2"], "elements in a JSON array are strictly typed"),
    ("list", "json-null-element", [1, None], ""),
    ("list", "set-literal", "{1, 2}", ""),
    ("list", "bare-items", "1,2", ""),
    ("list", "unclosed", "[1, 2", ""),
    ("list", "scalar", 5, ""),
    ("set", "list-literal", "['a', 'b']", ""),
    ("map", "json-string-values", {"a": "1"}, "values in a JSON object are strictly typed"),
    ("map", "key-value-list-on-compact", [{"key": "a", "value": 1}], "the compactMapData=false form, compact on"),
    ("map", "cql-missing-colon", "{'a' 1}", ""),
    ("map-int", "json", {"1": True}, "JSON object keys are strings; strict int keys refuse them"),
    ("tuple", "json-nulls", [None, None, None], "null elements in a JSON array are strictly refused"),
    ("tuple", "cql-nulls", "(null, null, null)", ""),
    ("tuple", "json-too-short", [1, True], ""),
    ("tuple", "json-too-long", [1, True, "x", 2], ""),
    ("tuple", "json-string-for-int", ["28", False, "x"], ""),
    ("tuple", "cql-too-long", "(1, true, 'x', 2)", ""),
    ("tuple", "object", {"a": 1}, ""),
    ("udt", "unknown-field", {"bogus": 1}, ""),
    ("udt", "cql-unknown-field", "{bogus: 1}", ""),
    ("udt", "json-string-for-int", {"zip": "12345"}, ""),
    ("udt", "array", [1, 2], ""),
    ("nested", "json-string-for-int", [{"a": "1"}], ""),
]

# (column, form, value, note): map forms written and read with compactMapData=false.
NON_COMPACT_CASES: list[tuple[str, str, Any, str]] = [
    ("map", "key-value-list", [{"key": "a", "value": 1}, {"key": "b", "value": 2}], ""),
    ("map", "cql-key-value-list", "[{'key': 'a', 'value': 1}]", ""),
    ("map-int", "key-value-list", [{"key": 1, "value": True}, {"key": 2, "value": False}], "int keys as numbers"),
    ("map-list", "key-value-list", [{"key": "x", "value": [1, 2]}], ""),
    ("nested", "key-value-list", [[{"key": "a", "value": 1}]], "maps nested in a frozen list"),
    ("map", "empty-list", [], ""),
]

NON_COMPACT_BAD_CASES: list[tuple[str, str, Any, str]] = [
    ("map", "object-on-non-compact", {"a": 1}, "the compact form, compactMapData=false"),
    ("map", "entry-missing-value", [{"key": "a"}], ""),
    ("map", "entry-extra-field", [{"key": "a", "value": 1, "x": 2}], ""),
    ("map", "cql-compact-on-non-compact", "{'a': 1}", ""),
    ("map", "cql-key-value-list-double-quotes", '[{"key": "a", "value": 3}]', "only single quotes in CQL text"),
]


def _row_id(col: str, form: str) -> str:
    return f"{col}-{form}"


def _write_read(col: str, form: str, value: Any, note: str, query: dict[str, str]) -> Iterator[Exchange]:
    rid = _row_id(col, form)
    column = "c_" + col.replace("-", "_")
    yield ex(f"types/{rid}", "POST", rows_path("types"), dict(query), body={"id": rid, column: value}, note=note)
    read_q = {"fields": column, "raw": "true", **query}
    yield ex(f"types/{rid}-read", "GET", key_path("types", rid), read_q, keep_text=True)


def _write_bad(col: str, form: str, value: Any, note: str, query: dict[str, str]) -> Exchange:
    rid = _row_id(col, form)
    column = "c_" + col.replace("-", "_")
    return ex(f"types/{rid}", "POST", rows_path("types"), dict(query), body={"id": rid, column: value}, note=note)


def types() -> Iterator[Exchange]:
    """Every type in every input form; read back with raw=true&fields=<column>; the refused forms' 400s."""
    for case in GOOD_TYPE_CASES:
        yield from _write_read(*case, query={})
    for case in NON_COMPACT_CASES:
        yield from _write_read(*case, query={"compactMapData": "false"})
    for case in BAD_TYPE_CASES:
        yield _write_bad(*case, query={})
    for case in NON_COMPACT_BAD_CASES:
        yield _write_bad(*case, query={"compactMapData": "false"})
    yield from type_reads()


def type_reads() -> Iterator[Exchange]:
    """Whole-row reads: missing columns, explicit nulls, empty collections, maps in both forms."""
    yield ex("types/missing-columns", "POST", rows_path("types"), body={"id": "only-id"}, note="only the key")
    yield ex("types/missing-columns-read", "GET", key_path("types", "only-id"), note="every column present")
    all_null = {"id": "all-null"} | {c: None for c in _type_columns()}
    yield ex("types/all-null", "POST", rows_path("types"), body=all_null)
    yield ex("types/all-null-read", "GET", key_path("types", "all-null"), {"raw": "true"})
    empties = {
        "id": "all-empty",
        "c_list": [],
        "c_set": [],
        "c_map": {},
        "c_map_int": {},
        "c_udt": {},
        "c_list_udt": [],
        "c_nested": [],
        "c_map_list": {},
        "c_set_tuple": [],
        "c_frozen_list": [],
        "c_text": "",
        "c_blob": "",
        "c_ascii": "",
    }
    yield ex("types/all-empty", "POST", rows_path("types"), body=empties)
    yield ex("types/all-empty-read", "GET", key_path("types", "all-empty"), {"raw": "true"})
    yield ex(
        "types/all-empty-read-non-compact",
        "GET",
        key_path("types", "all-empty"),
        {"raw": "true", "compactMapData": "false"},
    )
    yield ex(
        "types/map-int-read-non-compact",
        "GET",
        key_path("types", "map-int-cql-literal"),
        {"compactMapData": "false", "raw": "true", "fields": "c_map_int"},
    )
    yield ex(
        "types/map-list-read-non-compact",
        "GET",
        key_path("types", "map-list-json"),
        {"compactMapData": "false", "raw": "true", "fields": "c_map_list"},
    )
    yield ex(
        "types/nested-read-non-compact",
        "GET",
        key_path("types", "nested-json"),
        {"compactMapData": "false", "raw": "true", "fields": "c_nested"},
    )
    yield ex(
        "types/where-by-id",
        "GET",
        rows_path("types"),
        {"where": jq({"id": {"$eq": "int-number"}}), "fields": "id,c_int"},
    )
    yield ex("types/put-every-type", "PUT", key_path("types", "put-all"), body=_every_type_row(), note="PUT echo")
    yield ex("types/put-every-type-read", "GET", key_path("types", "put-all"))


def _type_columns() -> list[str]:
    cols = {c for c, *_ in GOOD_TYPE_CASES}
    return sorted("c_" + c.replace("-", "_") for c in cols)


def _every_type_row() -> dict[str, Any]:
    """One value of every column, JSON-native forms."""
    return {
        "c_ascii": "a",
        "c_bigint": 1,
        "c_blob": "AQ==",
        "c_boolean": True,
        "c_date": "2020-01-01",
        "c_decimal": 1.5,
        "c_double": 2.5,
        "c_duration": "1h",
        "c_float": 0.5,
        "c_inet": "10.0.0.1",
        "c_int": 3,
        "c_smallint": 4,
        "c_text": "t",
        "c_time": "01:02:03",
        "c_timestamp": "2020-01-01T00:00:00Z",
        "c_timeuuid": TIMEUUID_A,
        "c_tinyint": 5,
        "c_uuid": UUID_A,
        "c_varchar": "v",
        "c_varint": 6,
        "c_list": [1],
        "c_set": ["s"],
        "c_map": {"k": 1},
        "c_map_int": "{7: true}",
        "c_tuple": [1, True, "x"],
        "c_udt": {"city": "c"},
        "c_person": {"name": "p"},
        "c_list_udt": [{"zip": 9}],
        "c_nested": [{"n": 1}],
        "c_map_list": {"m": [1]},
        "c_set_tuple": [[1, "a"]],
        "c_frozen_list": ["f"],
    }


# --------------------------------------------------------------------------------------------------- statics


def statics() -> Iterator[Exchange]:
    """Static columns: static-only writes, shared across the partition, kept by a row delete."""
    t = rows_path("statics")
    yield ex("statics/post-static-only", "POST", t, body={"p": "s1", "s": "shared"}, note="no clustering value")
    yield ex("statics/post-row-1", "POST", t, body={"p": "s1", "c": 1, "v": "a"})
    yield ex("statics/post-row-2", "POST", t, body={"p": "s1", "c": 2, "v": "b", "s": "both"})
    yield ex("statics/get-partition", "GET", key_path("statics", "s1"), note="the static repeats on every row")
    yield ex("statics/put-static-by-partition", "PUT", key_path("statics", "s1"), body={"s": "changed"})
    yield ex("statics/put-regular-by-partition", "PUT", key_path("statics", "s1"), body={"v": "x"})
    yield ex("statics/get-after-put", "GET", key_path("statics", "s1"))
    yield ex("statics/post-lonely-static", "POST", t, body={"p": "s2", "s": "alone"})
    yield ex("statics/get-lonely-static", "GET", key_path("statics", "s2"), note="a row with null clustering")
    yield ex("statics/delete-row", "DELETE", key_path("statics", "s1", 1))
    yield ex("statics/get-after-delete", "GET", key_path("statics", "s1"))
    yield ex("statics/delete-rest", "DELETE", key_path("statics", "s1", 2))
    yield ex("statics/get-static-left", "GET", key_path("statics", "s1"), note="only the static is left")
    yield ex("statics/where", "GET", t, {"where": jq({"p": {"$eq": "s2"}})})


# --------------------------------------------------------------------------------------------------- counters


def counters() -> Iterator[Exchange]:
    """Counters: POST refused, PUT/PATCH increment by numbers or "+1"/"-1" strings, read back as strings."""
    c1 = key_path("counters", "c1")
    yield ex("counters/post-refused", "POST", rows_path("counters"), body={"id": "c1", "hits": 1})
    yield ex("counters/put-plus-one-string", "PUT", c1, body={"hits": "+1"})
    yield ex("counters/read-1", "GET", c1)
    yield ex("counters/put-number", "PUT", c1, body={"hits": 5})
    yield ex("counters/patch-minus-one-string", "PATCH", c1, body={"hits": "-1"})
    yield ex("counters/patch-string-number", "PATCH", c1, body={"hits": "10", "misses": -3})
    yield ex("counters/read-2", "GET", c1, note="1 + 5 - 1 + 10 = 15; misses -3")
    yield ex("counters/read-raw", "GET", c1, {"raw": "true"})
    yield ex("counters/put-raw", "PUT", c1, {"raw": "true"}, body={"misses": 1})
    yield ex("counters/put-float", "PUT", c1, body={"hits": 1.9})
    yield ex("counters/put-fraction-string", "PUT", c1, body={"hits": "1.9"})
    yield ex("counters/put-junk", "PUT", c1, body={"hits": "abc"})
    yield ex("counters/put-null", "PUT", c1, body={"hits": None})
    yield ex("counters/read-3", "GET", c1)
    yield ex("counters/read-no-such-row", "GET", key_path("counters", "nope"))
    yield ex("counters/where", "GET", rows_path("counters"), {"where": jq({"id": {"$eq": "c1"}})})
    yield ex("counters/delete", "DELETE", c1)
    yield ex("counters/read-after-delete", "GET", c1)


# --------------------------------------------------------------------------------------------------- put/patch


def put_patch() -> Iterator[Exchange]:
    """PUT and PATCH: both UPDATE only the given columns; response shapes; POST echo."""
    p1 = key_path("people", 1)
    t = rows_path("people")
    yield ex(
        "write/post-full-row",
        "POST",
        t,
        body={"id": 1, "firstName": "Ann", "email": "ann@example.com", "age": 30},
        note="a case-sensitive column name",
    )
    yield ex("write/put-partial", "PUT", p1, body={"firstName": "Anna"}, note="omitted columns kept")
    yield ex("write/get-after-put", "GET", p1)
    yield ex("write/patch-null", "PATCH", p1, body={"email": None}, note="JSON null writes null")
    yield ex("write/get-after-patch", "GET", p1)
    yield ex("write/put-raw", "PUT", p1, {"raw": "true"}, body={"age": 31}, note="raw: the bare body")
    yield ex("write/patch-raw", "PATCH", p1, {"raw": "true"}, body={"age": 32})
    yield ex("write/put-raw-false", "PUT", p1, {"raw": "false"}, body={"age": 33})
    yield ex("write/put-echo-is-the-input", "PUT", p1, body={"age": "34"}, note="echo keeps the string")
    yield ex("write/get-after-echo", "GET", p1, {"raw": "true"})
    yield ex("write/put-creates-row", "PUT", key_path("people", 2), body={"firstName": "Bo"}, note="upsert")
    yield ex("write/get-created-row", "GET", key_path("people", 2))
    yield ex("write/patch-creates-row", "PATCH", key_path("people", 3), body={"age": 9})
    yield ex("write/get-patch-created-row", "GET", key_path("people", 3))
    yield ex("write/put-only-nulls-creates-nothing", "PUT", key_path("people", 4), body={"age": None})
    yield ex("write/get-only-nulls", "GET", key_path("people", 4))
    yield ex("write/put-key-in-body", "PUT", p1, body={"id": 1, "age": 35})
    yield ex("write/put-empty-object", "PUT", p1, body={})
    yield ex("write/put-unknown-column", "PUT", p1, body={"nope": 1})
    yield ex("write/put-wrong-case-column", "PUT", p1, body={"firstname": "x"})
    yield ex("write/put-bad-value", "PUT", p1, body={"age": "old"})
    yield ex("write/fields-case-sensitive", "GET", p1, {"fields": "firstName,age"})
    yield ex("write/fields-wrong-case", "GET", p1, {"fields": "firstname"})
    yield ex(
        "write/post-echo-verbatim",
        "POST",
        t,
        body='{ "id" : 5,\n  "firstName":"Cy", "age": 4.0e1 }',
        keep_text=True,
        note="POST answers the request text itself",
    )
    yield ex("write/get-post-echo", "GET", key_path("people", 5))
    yield ex("write/post-upsert", "POST", t, body={"id": 5, "email": "cy@example.com"}, note="INSERT is an upsert")
    yield ex("write/get-post-upsert", "GET", key_path("people", 5))
    yield ex("write/post-only-key", "POST", t, body={"id": 6})
    yield ex("write/post-raw-param-ignored", "POST", t, {"raw": "true"}, body={"id": 7})
    yield ex("write/post-unicode-escape", "POST", t, body='{"id":8,"firstName":"\\u00e9"}', keep_text=True)
    yield ex("write/get-unicode-escape", "GET", key_path("people", 8), {"raw": "true"})
    yield ex("write/put-clustering-prefix", "PUT", key_path("events", "acme", 1, 1), body={"body": "x"})
    yield ex("write/patch-partition-only", "PATCH", key_path("events", "acme", 1), body={"body": "x"})
    yield ex(
        "write/put-where-compact-false",
        "PUT",
        key_path("events", "acme", 1, 1, 2),
        {"compactMapData": "false"},
        body={"attrs": [{"key": "size", "value": "XL"}]},
    )
    yield ex("write/get-after-compact-false", "GET", key_path("events", "acme", 1, 1, 2), {"fields": "attrs"})
    yield ex(
        "write/put-collections-replace",
        "PUT",
        key_path("events", "acme", 1, 1, 2),
        body={"tags": ["x"], "notes": "['y']"},
        note="collections are replaced, not appended",
    )
    yield ex("write/get-collections-replace", "GET", key_path("events", "acme", 1, 1, 2), {"fields": "tags,notes"})


# --------------------------------------------------------------------------------------------------- errors


def _seven_routes(prefix: str, ks: str, table: str, note: str) -> Iterator[Exchange]:
    base = rows_path(table, ks=ks)
    body = {"tenant": "acme", "region": 1, "bucket": 1, "seq": 1}
    yield ex(f"{prefix}-get-where", "GET", base, {"where": jq(ACME1)}, note=note)
    yield ex(f"{prefix}-get-rows", "GET", base + "/rows", note=note)
    yield ex(f"{prefix}-get-pk", "GET", base + "/acme/1", note=note)
    yield ex(f"{prefix}-post", "POST", base, body=body, note=note)
    yield ex(f"{prefix}-put", "PUT", base + "/acme/1/1/1", body={"body": "x"}, note=note)
    yield ex(f"{prefix}-patch", "PATCH", base + "/acme/1/1/1", body={"body": "x"}, note=note)
    yield ex(f"{prefix}-delete", "DELETE", base + "/acme/1/1/1", note=note)


def errors() -> Iterator[Exchange]:
    """Error statuses and bodies: unknown keyspace/table per route, auth, bodies, key paths, routes."""
    yield from _seven_routes("errors/unknown-keyspace", "no_such_ks", "events", "")
    yield from _seven_routes("errors/unknown-table", "{ks}", "no_such_table", "")
    ev = rows_path("events")
    one = key_path("events", "acme", 1, 1, 1)
    # auth
    yield ex("auth/missing-token-get", "GET", ev + "/rows", auth="none")
    yield ex("auth/missing-token-post", "POST", ev, body={"tenant": "acme"}, auth="none")
    yield ex("auth/missing-token-unknown-keyspace", "GET", rows_path("t", ks="no_such_ks") + "/rows", auth="none")
    yield ex("auth/bad-token-get", "GET", ev + "/rows", auth="bad", note=f"token {BAD_TOKEN}")
    yield ex("auth/bad-token-delete", "DELETE", one, auth="bad")
    yield ex(
        "auth/garbage-token",
        "GET",
        ev + "/rows",
        auth="none",
        headers={"x-cassandra-token": "garbage"},
        note="not a uuid",
    )
    yield ex(
        "auth/empty-token", "GET", ev + "/rows", auth="none", headers={"x-cassandra-token": ""}, note="empty header"
    )
    yield ex(
        "auth/bearer-header",
        "GET",
        ev + "/rows",
        auth="none",
        headers={"authorization": "Bearer whatever"},
        note="only X-Cassandra-Token counts",
    )
    # bodies
    for method, path in (("POST", ev), ("PUT", one), ("PATCH", one)):
        m = method.lower()
        yield ex(f"body/{m}-not-json", method, path, body="{nope")
        yield ex(f"body/{m}-array", method, path, body='[{"tenant":"acme"}]')
        yield ex(f"body/{m}-empty", method, path, body="")
        yield ex(f"body/{m}-none", method, path, headers={})
    yield ex("body/post-number", "POST", ev, body="42")
    yield ex("body/post-string", "POST", ev, body='"acme"')
    yield ex("body/post-null", "POST", ev, body="null")
    yield ex("body/post-empty-object", "POST", ev, body={})
    yield ex("body/post-trailing-garbage", "POST", ev, body='{"tenant":"acme","region":1,"bucket":1,"seq":1} x')
    yield ex("body/post-duplicate-key", "POST", rows_path("keys"), body='{"k":"dup","v":"1","v":"2"}')
    yield ex("body/get-duplicate-key", "GET", key_path("keys", "dup"), {"raw": "true"})
    yield ex(
        "body/post-unknown-column", "POST", ev, body={"tenant": "acme", "region": 1, "bucket": 1, "seq": 1, "x": 1}
    )
    yield ex("body/post-missing-partition-key", "POST", ev, body={"tenant": "acme", "bucket": 1, "seq": 1})
    yield ex("body/post-missing-clustering-key", "POST", ev, body={"tenant": "acme", "region": 1, "bucket": 1})
    yield ex("body/post-null-key", "POST", ev, body={"tenant": None, "region": 1, "bucket": 1, "seq": 1})
    yield ex("body/post-bad-key-value", "POST", ev, body={"tenant": "acme", "region": "x", "bucket": 1, "seq": 1})
    yield ex(
        "body/post-text-plain",
        "POST",
        rows_path("keys"),
        body='{"k":"plain","v":"1"}',
        headers={"content-type": "text/plain"},
    )
    yield ex("body/post-no-content-type", "POST", rows_path("keys"), body='{"k":"noct","v":"1"}', headers={})
    yield ex(
        "body/post-json-charset",
        "POST",
        rows_path("keys"),
        body='{"k":"charset","v":"1"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    # key paths
    yield ex("path/get-too-few-keys", "GET", key_path("events", "acme"))
    yield ex("path/get-too-many-keys", "GET", key_path("events", "acme", 1, 1, 1, 1))
    yield ex("path/get-bad-key-type", "GET", key_path("events", "acme", "one"))
    yield ex("path/get-bad-clustering-type", "GET", key_path("events", "acme", 1, "x"))
    yield ex("path/put-too-few-keys", "PUT", key_path("events", "acme"), body={"body": "x"})
    yield ex("path/put-too-many-keys", "PUT", key_path("events", "acme", 1, 1, 1, 1), body={"body": "x"})
    yield ex("path/put-bad-key-type", "PUT", key_path("events", "acme", 1, 1, "x"), body={"body": "x"})
    yield ex("path/patch-too-many-keys", "PATCH", key_path("events", "acme", 1, 1, 1, 1), body={"body": "x"})
    yield ex("path/empty-segment", "GET", rows_path("events", "acme", "", "1"))
    yield ex("path/trailing-slash-table", "GET", ev + "/", {"where": jq(ACME1)})
    yield ex("path/trailing-slash-key", "GET", key_path("events", "acme", 1) + "/")
    yield ex("path/space-key", "GET", rows_path("keys", "%20"), note="a key ' ' (no such row)")
    yield ex("path/accept-text-plain", "GET", ev + "/rows", headers={"accept": "text/plain"})
    yield ex("path/head-rows", "HEAD", ev + "/rows")
    yield ex("path/get-keyspace-only", "GET", "/v2/keyspaces/{ks}")
    yield ex("path/delete-without-key", "DELETE", ev)
    yield ex("path/put-without-key", "PUT", ev, body={"body": "x"})
    yield ex("path/patch-without-key", "PATCH", ev, body={"body": "x"})
    yield ex("path/post-with-key", "POST", key_path("events", "acme", 1, 1, 1), body={"body": "x"})
    yield ex("path/astra-prefix", "GET", "/api/rest" + ev + "/rows", note="Astra's proxy prefix: not served here")
    yield ex("path/unknown-keyspace-and-table-rows", "GET", rows_path("nope", ks="no_such_ks") + "/rows")
    yield ex("path/rows-then-more", "GET", ev + "/rows/acme", note="/rows followed by more segments")
    yield ex("path/upper-case-table", "GET", rows_path("EVENTS", "rows"), note="table names are case-sensitive")


# --------------------------------------------------------------------------------------------------- keys


KEY_VALUES = ["a/b", "a b", "a+b", "100%", "é日本", "it's", 'say "hi"', "rows", "a?b", "a#b", "a;b", "a", "'q'"]


def special_keys() -> Iterator[Exchange]:
    """Key values with special characters in the path: each segment is percent-decoded on its own."""
    t = rows_path("keys")
    for i, k in enumerate(KEY_VALUES):
        yield ex(f"keys/post-{i}", "POST", t, body={"k": k, "v": f"value {i}"}, note=f"key {k!r}")
    cases: list[tuple[str, str, str]] = [
        ("slash-encoded", "a%2Fb", "key a/b"),
        ("slash-lower-hex", "a%2fb", ""),
        ("slash-raw", "a/b", "two segments"),
        ("space-encoded", "a%20b", ""),
        ("plus-raw", "a+b", "a literal plus, not a space"),
        ("plus-encoded", "a%2Bb", ""),
        ("percent-encoded", "100%25", ""),
        ("percent-bare", "100%", "a malformed escape"),
        ("percent-double-encoded", "100%2525", "decoded twice?"),
        ("slash-double-encoded", "a%252Fb", "decoded twice?"),
        ("space-double-encoded", "a%2520b", ""),
        ("semicolon-double-encoded", "a%253Bb", "decoded after the matrix parameters are cut?"),
        ("unicode", seg("é日本"), ""),
        ("apostrophe-raw", "it's", ""),
        ("apostrophe-encoded", "it%27s", ""),
        ("quoted", "'a%20b'", "single quotes stripped: key 'a b'"),
        ("quoted-quotes", "''q''", "stripped once: key 'q'? or q?"),
        ("double-quotes", "say%20%22hi%22", ""),
        ("rows-literal", "rows", "the /rows route wins"),
        ("rows-quoted", "'rows'", "quotes stripped: the row keyed 'rows'"),
        ("rows-encoded", "%72ows", "an encoded 'r': route or key?"),
        ("question-encoded", "a%3Fb", ""),
        ("hash-encoded", "a%23b", ""),
        ("semicolon-raw", "a;b", "matrix parameters?"),
        ("semicolon-encoded", "a%3Bb", ""),
        ("dot-segment", ".", ""),
    ]
    for what, raw, note in cases:
        yield ex(f"keys/get-{what}", "GET", rows_path("keys", raw), {"raw": "true"}, note=note)
    yield ex("keys/put-slash", "PUT", rows_path("keys", "a%2Fb"), body={"v": "put"})
    yield ex("keys/get-after-put-slash", "GET", rows_path("keys", "a%2Fb"), {"raw": "true"})
    yield ex("keys/put-rows", "PUT", rows_path("keys", "rows"), body={"v": "put rows"}, note="no /rows PUT route")
    yield ex("keys/get-after-put-rows", "GET", rows_path("keys", "'rows'"), {"raw": "true"})
    yield ex("keys/delete-slash", "DELETE", rows_path("keys", "a%2Fb"))
    yield ex("keys/get-after-delete-slash", "GET", rows_path("keys", "a%2Fb"), {"raw": "true"})
    yield ex("keys/delete-rows", "DELETE", rows_path("keys", "rows"), note="DELETE /rows: the key 'rows'")
    yield ex("keys/get-after-delete-rows", "GET", rows_path("keys", "'rows'"), {"raw": "true"})
    yield ex("keys/where-percent", "GET", t, {"where": jq({"k": {"$eq": "100%"}}), "raw": "true"})
    yield ex("keys/where-semicolon", "GET", t, {"where": jq({"k": {"$eq": "a;b"}}), "raw": "true"})
    yield ex("keys/delete-semicolon-encoded", "DELETE", rows_path("keys", "a%3Bb"), note="which row goes?")
    yield ex("keys/rows-after-delete-semicolon", "GET", rows_path("keys", "rows"), {"raw": "true", "fields": "k"})
    yield ex("keys/where-plus", "GET", t, {"where": jq({"k": {"$eq": "a+b"}}), "raw": "true"})
    yield ex("keys/where-quoted", "GET", t, {"where": jq({"k": {"$eq": "'q'"}}), "raw": "true"}, note="stripped")
    yield ex("keys/where-in-quoted", "GET", t, {"where": jq({"k": {"$in": ["'q'"]}}), "raw": "true"}, note="$in")
    u = seg(UUID_A)
    typed = rows_path("typed_keys")
    yield ex(
        "keys/typed-post",
        "POST",
        typed,
        body={"u": UUID_A, "ts": "2021-01-01T00:00:00Z", "d": "2021-01-01", "v": "x"},
    )
    typed_cases: list[tuple[str, list[str], str]] = [
        ("typed-get-raw-colons", [UUID_A, "2021-01-01T00:00:00Z", "2021-01-01"], ""),
        ("typed-get-encoded", [u, seg("2021-01-01T00:00:00Z"), "2021-01-01"], ""),
        ("typed-get-offset-plus", [u, "2021-01-01T01:00:00+01:00", "2021-01-01"], "'+' in a path segment"),
        ("typed-get-millis", [u, "2021-01-01T00:00:00.000Z"], ""),
        ("typed-get-epoch-ms", [u, "1609459200000"], "epoch ms as a path value"),
        ("typed-get-uuid-upper", [UUID_A.upper()], ""),
        ("typed-get-bad-uuid", ["nope"], ""),
        ("typed-get-bad-date", [u, "2021-01-01T00:00:00Z", "yesterday"], ""),
    ]
    for what, segs, note in typed_cases:
        yield ex(f"keys/{what}", "GET", rows_path("typed_keys", *segs), {"raw": "true"}, note=note)


def exchanges() -> list[Exchange]:
    """Every exchange, in the order they are sent."""
    sections: Iterable[Iterator[Exchange]] = (
        routes(),
        fields_params(),
        page_size_params(),
        paging(),
        raw_params(),
        sort_params(),
        compact_map_params(),
        where_ops(),
        types(),
        statics(),
        counters(),
        put_patch(),
        special_keys(),
        errors(),
        deletes(),
    )
    return flatten(sections)


def flatten(sections: Iterable[Iterator[Exchange]]) -> list[Exchange]:
    """The exchanges of every section in order; a name used twice is a mistake in the scenario."""
    out = [e for section in sections for e in section]
    names = [e.name for e in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate exchange names: {dupes}")
    return out
