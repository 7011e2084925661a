"""The Stargate REST v2 schema-endpoints conformance scenario: keyspaces, schema and every exchange, in order.

`record_schemas.py` plays it against the real Stargate and writes `stargate-v2.0.51-schemas.json`; our read-only
`/v2/schemas/...` endpoints are tested against that recording (`test_schemas_replay.py`). Each exchange pins down
one behaviour and is named `area/what`. Statements and paths use placeholders, replaced (not `str.format`ted):
`{ks}`, the scenario's keyspace (a second one is `{ks}_simple`), `{KS}`, the same name in upper case, and `{dc}`,
the node's local datacenter (in statements only).

Nothing here writes schema through the REST API: the few non-GET exchanges are ones that change nothing on
Stargate either (a DROP ... IF EXISTS of a missing table, a body Stargate refuses, a method it does not route).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tests.rows.conformance.scenario import Exchange, flatten

UNKNOWN_KS = "no_such_ks"

# `{ks}`: NetworkTopologyStrategy (Stargate lists its datacenters); `{ks}_simple`: SimpleStrategy, and empty.
KEYSPACES: list[str] = [
    "CREATE KEYSPACE {ks} WITH replication = {'class': 'NetworkTopologyStrategy', '{dc}': 1}",
    "CREATE KEYSPACE {ks}_simple WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
]

SCHEMA: list[str] = [
    "CREATE TYPE {ks}.address (street text, city text, zip int)",
    # Fields in declaration order (not sorted), a frozen collection and a nested UDT among them.
    "CREATE TYPE {ks}.person (name text, age int, nicknames frozen<list<text>>, home frozen<address>,"
    " spot frozen<tuple<int, text>>)",
    'CREATE TYPE {ks}."Point" (x double, y double)',
    # Composite partition key, clustering DESC then ASC, statics (listed before the regular columns), a TTL.
    "CREATE TABLE {ks}.events (tenant text, region int, bucket int, seq int, body text, active boolean,"
    " s_note text static, s_count int static, tags set<text>, notes list<text>, attrs map<text, text>,"
    " scores map<text, int>, frozen_list frozen<list<text>>,"
    " PRIMARY KEY ((tenant, region), bucket, seq))"
    " WITH CLUSTERING ORDER BY (bucket DESC, seq ASC) AND default_time_to_live = 3600",
    "CREATE INDEX events_body ON {ks}.events (body)",
    "CREATE INDEX ON {ks}.events (active)",  # unnamed: Cassandra names it events_active_idx
    "CREATE INDEX events_tags ON {ks}.events (VALUES(tags))",
    "CREATE INDEX events_notes ON {ks}.events (notes)",  # a list's values, without saying VALUES
    "CREATE INDEX events_attrs ON {ks}.events (KEYS(attrs))",
    "CREATE INDEX events_scores ON {ks}.events (ENTRIES(scores))",
    "CREATE INDEX events_frozen ON {ks}.events (FULL(frozen_list))",
    "CREATE INDEX events_seq ON {ks}.events (seq)",  # a clustering column
    # Every CQL type of Cassandra 4.0 once, with collections, tuples, UDTs (frozen or not), varchar (printed text).
    "CREATE TABLE {ks}.all_types (id text PRIMARY KEY, c_ascii ascii, c_bigint bigint, c_blob blob,"
    " c_boolean boolean, c_date date, c_decimal decimal, c_double double, c_duration duration, c_float float,"
    " c_inet inet, c_int int, c_smallint smallint, c_text text, c_time time, c_timestamp timestamp,"
    " c_timeuuid timeuuid, c_tinyint tinyint, c_uuid uuid, c_varchar varchar, c_varint varint,"
    " c_list list<int>, c_set set<text>, c_map map<text, int>, c_tuple tuple<int, boolean, text>,"
    ' c_udt address, c_person frozen<person>, c_point frozen<"Point">, c_list_udt list<frozen<address>>,'
    " c_nested frozen<list<frozen<map<text, int>>>>, c_map_list map<text, frozen<list<int>>>,"
    " c_set_tuple set<frozen<tuple<int, text>>>, c_tuple_udt tuple<address, int>)",
    "CREATE TABLE {ks}.counters (id text PRIMARY KEY, hits counter, misses counter)",
    # Quoted names: mixed case, a space, a leading underscore; a UDT in the key; the regular columns' order.
    'CREATE TABLE {ks}."MixedCase" ("Pk" text, "Zeta" text, alpha text, "with space" int, "_under" int,'
    ' "Alpha" text, PRIMARY KEY ("Pk"))',
    'CREATE TABLE {ks}.places (spot frozen<"Point">, name text, home address, PRIMARY KEY (spot, name))'
    " WITH CLUSTERING ORDER BY (name DESC)",
    "CREATE TABLE {ks}.kv (k text PRIMARY KEY, v text)",
]

SCHEMAS = "/v2/schemas/keyspaces"


def ex(name: str, method: str, path: str, query: dict[str, str] | None = None, **kw: Any) -> Exchange:
    """Shorthand for an Exchange."""
    return Exchange(name=name, method=method, path=path, query=query or {}, **kw)


RAW = {"raw": "true"}


def keyspaces() -> Iterator[Exchange]:
    note_list = "every keyspace of the node; compared on the scenario's keyspaces only"
    yield ex("keyspaces/list", "GET", SCHEMAS, note=note_list)
    yield ex("keyspaces/list-raw", "GET", SCHEMAS, RAW, note=note_list)
    yield ex("keyspaces/one", "GET", f"{SCHEMAS}/{{ks}}", note="NetworkTopologyStrategy: datacenters listed")
    yield ex("keyspaces/one-raw", "GET", f"{SCHEMAS}/{{ks}}", RAW)
    yield ex("keyspaces/one-simple", "GET", f"{SCHEMAS}/{{ks}}_simple", RAW, note="SimpleStrategy: no datacenters")
    yield ex("keyspaces/unknown", "GET", f"{SCHEMAS}/{UNKNOWN_KS}", note="404, unlike the tables' 400")
    yield ex("keyspaces/unknown-raw", "GET", f"{SCHEMAS}/{UNKNOWN_KS}", RAW)
    yield ex("keyspaces/case-sensitive", "GET", f"{SCHEMAS}/{{KS}}", note="names are case-sensitive")
    yield ex("keyspaces/trailing-slash", "GET", f"{SCHEMAS}/{{ks}}/", RAW)
    yield ex("keyspaces/list-trailing-slash", "GET", f"{SCHEMAS}/", RAW)


def raw_param() -> Iterator[Exchange]:
    """`raw` is Java's Boolean.parseBoolean: "true" in any case; anything else is false."""
    for name, value in [("TRUE", "TRUE"), ("false", "false"), ("yes", "yes"), ("one", "1"), ("empty", "")]:
        yield ex(f"raw/{name}", "GET", f"{SCHEMAS}/{{ks}}", {"raw": value})


TABLES = ["events", "all_types", "counters", "MixedCase", "places", "kv"]


def tables() -> Iterator[Exchange]:
    base = f"{SCHEMAS}/{{ks}}/tables"
    yield ex("tables/list", "GET", base, note="compared as a set: Stargate's order is its schema cache's")
    yield ex("tables/list-raw", "GET", base, RAW)
    yield ex("tables/list-empty-keyspace", "GET", f"{SCHEMAS}/{{ks}}_simple/tables")
    yield ex("tables/list-unknown-keyspace", "GET", f"{SCHEMAS}/{UNKNOWN_KS}/tables")
    yield ex("tables/list-trailing-slash", "GET", base + "/", RAW)
    for table in TABLES:
        yield ex(f"tables/one-{table}", "GET", f"{base}/{table}", RAW)
    yield ex("tables/one-wrapped", "GET", f"{base}/events")
    yield ex("tables/unknown", "GET", f"{base}/no_such_table", note="404, and the keyspace is not quoted")
    yield ex("tables/unknown-keyspace", "GET", f"{SCHEMAS}/{UNKNOWN_KS}/tables/kv")
    yield ex("tables/case-sensitive", "GET", f"{base}/mixedcase", note="the name as stored, not CQL's folding")
    yield ex("tables/quoted-name", "GET", f"{base}/%22MixedCase%22", note="quotes are part of the name asked")


def columns() -> Iterator[Exchange]:
    base = f"{SCHEMAS}/{{ks}}/tables"
    yield ex("columns/list-events", "GET", f"{base}/events/columns")
    yield ex("columns/list-events-raw", "GET", f"{base}/events/columns", RAW)
    yield ex("columns/list-all-types", "GET", f"{base}/all_types/columns", RAW)
    yield ex("columns/list-mixed-case", "GET", f"{base}/MixedCase/columns", RAW)
    yield ex("columns/one-partition-key", "GET", f"{base}/events/columns/tenant")
    yield ex("columns/one-clustering", "GET", f"{base}/events/columns/seq", RAW)
    yield ex("columns/one-static", "GET", f"{base}/events/columns/s_note", RAW)
    yield ex("columns/one-udt", "GET", f"{base}/all_types/columns/c_point", RAW)
    yield ex("columns/one-counter", "GET", f"{base}/counters/columns/hits", RAW)
    yield ex("columns/one-space", "GET", f"{base}/MixedCase/columns/with%20space", RAW)
    yield ex("columns/one-case", "GET", f"{base}/MixedCase/columns/zeta", note="case-sensitive")
    yield ex("columns/unknown", "GET", f"{base}/events/columns/no_such_column", note="404")
    yield ex("columns/unknown-table", "GET", f"{base}/no_such_table/columns", note="400 here, 404 for the table")
    yield ex("columns/unknown-table-one", "GET", f"{base}/no_such_table/columns/k")
    yield ex("columns/unknown-keyspace", "GET", f"{SCHEMAS}/{UNKNOWN_KS}/tables/kv/columns")


def types() -> Iterator[Exchange]:
    base = f"{SCHEMAS}/{{ks}}/types"
    yield ex("types/list", "GET", base)
    yield ex("types/list-raw", "GET", base, RAW)
    yield ex("types/list-empty-keyspace", "GET", f"{SCHEMAS}/{{ks}}_simple/types", RAW)
    yield ex("types/list-unknown-keyspace", "GET", f"{SCHEMAS}/{UNKNOWN_KS}/types", note="200 and [], no error")
    yield ex("types/one", "GET", f"{base}/person")
    yield ex("types/one-raw", "GET", f"{base}/address", RAW)
    yield ex("types/one-quoted-name", "GET", f"{base}/Point", RAW)
    yield ex("types/unknown", "GET", f"{base}/no_such_type")
    yield ex("types/unknown-keyspace", "GET", f"{SCHEMAS}/{UNKNOWN_KS}/types/address")
    yield ex("types/case-sensitive", "GET", f"{base}/point")


def indexes() -> Iterator[Exchange]:
    base = f"{SCHEMAS}/{{ks}}/tables"
    note = "the rows of system_schema.indexes, never wrapped: there is no raw parameter"
    yield ex("indexes/list", "GET", f"{base}/events/indexes", note=note)
    yield ex("indexes/compact-false", "GET", f"{base}/events/indexes", {"compactMapData": "false"})
    yield ex("indexes/compact-true", "GET", f"{base}/events/indexes", {"compactMapData": "true"})
    yield ex("indexes/raw-ignored", "GET", f"{base}/events/indexes", {"raw": "false"})
    yield ex("indexes/none", "GET", f"{base}/kv/indexes")
    yield ex("indexes/unknown-table", "GET", f"{base}/no_such_table/indexes")
    yield ex("indexes/unknown-keyspace", "GET", f"{SCHEMAS}/{UNKNOWN_KS}/tables/kv/indexes")


def auth() -> Iterator[Exchange]:
    for what, path in [
        ("keyspaces", SCHEMAS),
        ("tables", f"{SCHEMAS}/{{ks}}/tables"),
        ("columns", f"{SCHEMAS}/{{ks}}/tables/kv/columns"),
        ("types", f"{SCHEMAS}/{{ks}}/types"),
        ("indexes", f"{SCHEMAS}/{{ks}}/tables/events/indexes"),
    ]:
        yield ex(f"auth/{what}-no-token", "GET", path, auth="none")
        yield ex(f"auth/{what}-bad-token", "GET", path, auth="bad")
    yield ex("auth/unknown-keyspace-no-token", "GET", f"{SCHEMAS}/{UNKNOWN_KS}", auth="none", note="401 before 404")


def paths() -> Iterator[Exchange]:
    yield ex("paths/astra-prefix", "GET", f"/api/rest{SCHEMAS}/{{ks}}", RAW, note="Stargate itself: not routed")
    yield ex("paths/unknown-below-table", "GET", f"{SCHEMAS}/{{ks}}/tables/kv/nothing")
    yield ex("paths/index-by-name", "GET", f"{SCHEMAS}/{{ks}}/tables/events/indexes/events_body")


def writes() -> Iterator[Exchange]:
    """Schema writes that change nothing on Stargate either: what it would answer, where we answer 405."""
    yield ex("writes/patch-keyspaces", "PATCH", SCHEMAS, body={}, note="a method Stargate does not route")
    yield ex(
        "writes/drop-missing-table",
        "DELETE",
        f"{SCHEMAS}/{{ks}}_simple/tables/no_such_table",
        note="DROP TABLE IF EXISTS of nothing",
    )
    yield ex("writes/create-table-bad-json", "POST", f"{SCHEMAS}/{{ks}}_simple/tables", body="{not json")
    yield ex("writes/create-type-no-name", "POST", f"{SCHEMAS}/{{ks}}_simple/types", body={"fields": []})


def exchanges() -> list[Exchange]:
    """Every exchange, in the order they are sent."""
    sections: Iterable[Iterator[Exchange]] = (
        keyspaces(),
        raw_param(),
        tables(),
        columns(),
        types(),
        indexes(),
        auth(),
        paths(),
        writes(),
    )
    return flatten(sections)
