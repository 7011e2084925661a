"""The OpenAPI document: Stargate's generic routes, and each served table typed from its CQL types (checked against
what the API really answers for rows of every type), kept in step with the schema while the service runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import orjson
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.main import create_app
from app.openapi.document import RowsDocs
from app.openapi.operations import ROWS_TAG
from app.rows.type_schemas import SCALARS, read_schema, write_schema
from app.rows.types import SCALAR_KINDS, CqlType
from tests.support.app import API_KEY, client_for, hardened_client, hardened_settings, lifespan
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.rows import create_table, path

GENERIC = "/v2/keyspaces/{keyspaceName}/{tableName}"
NDJSON = ("application/x-ndjson", "application/jsonl")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER

SCALAR_COLUMNS = (
    "k text PRIMARY KEY, a ascii, vc varchar, ti tinyint, si smallint, i int, bi bigint, vi varint, "
    "de decimal, f float, d double, b boolean, u uuid, tu timeuuid, ts timestamp, dt date, tm time, "
    "du duration, ip inet, bl blob"
)


# ---- helpers ---------------------------------------------------------------------------------------------------


async def document(client: httpx.AsyncClient, url: str = "/openapi.json") -> dict[str, Any]:
    response = await client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


async def described(client: httpx.AsyncClient, keyspace: str, *tables: str) -> dict[str, Any]:
    """The document once it describes these tables: the app's driver learns of a new table by a schema event."""
    found: dict[str, Any] = {}

    async def ready() -> bool:
        found.update(await document(client))
        return all(f"{keyspace}.{t}.Row" in found["components"]["schemas"] for t in tables)

    await eventually(ready, within=20, what="the document describes the new tables")
    return found


def resolve(doc: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in item:
        kind, name = item["$ref"].split("/")[-2:]
        item = doc["components"][kind][name]
    return item


def parameters(doc: dict[str, Any], operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = [resolve(doc, p) for p in operation.get("parameters", [])]
    return {p["name"]: p for p in found}


def component(doc: dict[str, Any], keyspace: str, table: str, kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][f"{keyspace}.{table}.{kind}"]
    return schema


def validator(doc: dict[str, Any], schema: dict[str, Any], *, formats: bool = True) -> jsonschema.Validator:
    """A 2020-12 validator for one schema of the document, its `#/components/...` references resolvable."""
    root = {**schema, "components": doc["components"]}
    return jsonschema.Draft202012Validator(root, format_checker=FORMATS if formats else None)


def table_paths(doc: dict[str, Any], keyspace: str, table: str) -> list[str]:
    base = f"/v2/keyspaces/{keyspace}/{table}"
    return [p for p in doc["paths"] if p == base or p.startswith(base + "/")]


def walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def assert_valid_openapi(doc: dict[str, Any]) -> None:
    """The structural rules of OpenAPI 3.1 a client generator relies on (openapi-spec-validator is not in the test
    lock): every schema is a valid JSON Schema 2020-12, every reference resolves, each operation declares exactly
    its path's template parameters (required), operation ids are unique, responses are status codes or ranges."""
    assert doc["openapi"].startswith("3.1") and {"title", "version"} <= doc["info"].keys()
    for node in walk(doc):
        ref = node.get("$ref")
        if isinstance(ref, str):
            kind, name = ref.removeprefix("#/components/").split("/")
            assert name in doc["components"][kind], ref
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    ids: list[str] = []
    for template, item in doc["paths"].items():
        names = set(re.findall(r"{([^}]+)}", template))
        for method, operation in item.items():
            assert method in METHODS, (template, method)
            ids.append(operation["operationId"])
            found = parameters(doc, operation).values()
            declared = {p["name"] for p in found if p["in"] == "path"}
            assert declared == names and all(p["required"] for p in found if p["in"] == "path"), template
            for p in found:
                assert ("schema" in p) != ("content" in p) and len(p.get("content", {None: None})) == 1
                jsonschema.Draft202012Validator.check_schema(
                    p.get("schema") or next(iter(p["content"].values()))["schema"]
                )
            assert all(re.fullmatch(r"[1-5](?:[0-9]{2}|XX)|default", status) for status in operation["responses"])
    assert len(ids) == len(set(ids)), "operation ids repeat"


# ---- the generic routes ----------------------------------------------------------------------------------------


def test_the_generic_routes_are_documented_before_the_lifespan_runs(settings: Settings) -> None:
    doc = create_app(settings).openapi()  # no driver: only what needs no schema
    paths = doc["paths"]
    operations = {
        (method, p): op["operationId"]
        for p, item in paths.items()
        if p.startswith("/v2/")
        for method, op in item.items()
    }
    assert operations == {
        ("get", GENERIC): "getRowWithWhere",
        ("post", GENERIC): "createRow",
        ("get", GENERIC + "/rows"): "getAllRows",
        ("get", GENERIC + "/{primaryKey}"): "getRows",
        ("put", GENERIC + "/{primaryKey}"): "updateRows",
        ("patch", GENERIC + "/{primaryKey}"): "patchRows",
        ("delete", GENERIC + "/{primaryKey}"): "deleteRows",
    }
    where = parameters(doc, paths[GENERIC]["get"])
    assert where["where"]["required"] is True and "application/json" in where["where"]["content"]
    assert {"keyspaceName", "tableName", "fields", "page-size", "page-state", "raw", "sort"} <= where.keys()
    assert {"compactMapData", "format", "allowFiltering"} <= where.keys()
    assert where["page-size"]["schema"]["default"] == 100
    assert where["format"]["schema"]["enum"] == ["ndjson"]
    assert where["fields"]["style"] == "form" and where["fields"]["explode"] is False
    assert set(parameters(doc, paths[GENERIC]["post"])) >= {"ttl", "timestamp", "ifNotExists", "compactMapData"}
    assert set(parameters(doc, paths[GENERIC + "/{primaryKey}"]["put"])) >= {"primaryKey", "raw", "ttl"}
    assert_valid_openapi(doc)


def test_the_generic_routes_answer_stargates_envelope_statuses_and_error_body(settings: Settings) -> None:
    doc = create_app(settings).openapi()
    by_key = doc["paths"][GENERIC + "/{primaryKey}"]
    read = by_key["get"]["responses"]
    content = read["200"]["content"]
    page = resolve(doc, content["application/json"]["schema"]["oneOf"][0])
    assert page["required"] == ["count", "data"] and set(page["properties"]) == {"count", "pageState", "data"}
    assert content["application/json"]["schema"]["oneOf"][1]["type"] == "array"  # raw=true
    assert all(media in content for media in NDJSON)
    assert "200" in by_key["put"]["responses"] and "200" in by_key["patch"]["responses"]
    assert "204" in by_key["delete"]["responses"]
    error = resolve(doc, resolve(doc, read["400"])["content"]["application/json"]["schema"])
    assert set(error["properties"]) == {"description", "code", "grpcStatus", "internalTxId"}


def test_a_post_takes_one_row_or_an_ndjson_ingest(settings: Settings) -> None:
    post = create_app(settings).openapi()["paths"][GENERIC]["post"]
    assert {"application/json", *NDJSON} <= post["requestBody"]["content"].keys()
    assert {"201", "200", "409"} <= post["responses"].keys()  # a row written, an ingest's report, ifNotExists
    report = post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert report.endswith("rows.IngestReport")


def test_the_token_header_is_a_security_scheme_beside_the_api_keys(settings: Settings) -> None:
    doc = create_app(hardened_settings(settings)).openapi()  # API_KEYS set
    schemes = doc["components"]["securitySchemes"]
    assert schemes["CassandraToken"] == {**schemes["CassandraToken"], "in": "header", "name": "X-Cassandra-Token"}
    assert {"HTTPBearer", "APIKeyHeader"} <= schemes.keys()
    post = doc["paths"][GENERIC]["post"]
    assert {"CassandraToken": []} in post["security"] and {} not in post["security"]  # writes need a key
    assert {} in doc["paths"][GENERIC]["get"]["security"]  # reads are open without PROTECT_READS
    protected = create_app(hardened_settings(settings, protect_reads=True)).openapi()
    assert {} not in protected["paths"][GENERIC]["get"]["security"]
    demo = create_app(settings).openapi()  # no API_KEYS, ALLOW_ANONYMOUS_WRITES: writes are open too
    assert demo["paths"][GENERIC]["post"]["security"] == [{}]


def test_astras_url_shape_is_said_in_the_rows_tag(settings: Settings) -> None:
    doc = create_app(settings).openapi()
    rows = next(t for t in doc["tags"] if t["name"] == ROWS_TAG)
    assert "/api/rest/v2/keyspaces/" in rows["description"]
    assert not any(p.startswith("/api/rest/") for p in doc["paths"])  # said once, not listed twice


# ---- the type mapping: one table for the codec's kinds ---------------------------------------------------------


def test_every_scalar_kind_of_the_codec_has_a_json_schema() -> None:
    assert SCALARS.keys() == SCALAR_KINDS


def test_a_key_column_or_counter_is_written_without_null_and_other_columns_with() -> None:
    assert not validator({"components": {}}, write_schema(CqlType("int"), null=False)).is_valid(None)
    assert validator({"components": {}}, write_schema(CqlType("int"))).is_valid(None)
    assert not validator({"components": {}}, read_schema(CqlType("list", (CqlType("int"),)))).is_valid(None)


# ---- each served table -----------------------------------------------------------------------------------------


async def test_the_live_document_is_valid_openapi_3_1(
    client: httpx.AsyncClient, cql: Session, keyspace_name: str
) -> None:
    tables = [
        create_table(cql, SCALAR_COLUMNS, prefix="valid"),
        create_table(cql, "k int, c text, s int static, m map<text, int>, PRIMARY KEY (k, c)", prefix="valid"),
        create_table(cql, '"Key Name" int PRIMARY KEY, "Quoted" text', prefix="valid"),
        create_table(cql, "k int PRIMARY KEY, n counter", prefix="valid"),
    ]
    assert_valid_openapi(await described(client, keyspace_name, *tables))


async def test_a_table_of_every_scalar_type_has_its_typed_row_schema(
    client: httpx.AsyncClient, cql: Session, keyspace_name: str
) -> None:
    table = create_table(cql, SCALAR_COLUMNS, prefix="scalars")
    props = component(await described(client, keyspace_name, table), keyspace_name, table, "Row")["properties"]
    assert next(iter(props)) == "k" and set(props) == {c.split()[0] for c in SCALAR_COLUMNS.split(", ")}
    assert props["i"]["type"] == ["integer", "null"] and (props["i"]["minimum"], props["i"]["maximum"]) == (
        -(2**31),
        2**31 - 1,
    )
    assert props["bi"]["format"] == "int64" and "minimum" not in props["vi"]
    assert props["u"]["format"] == props["tu"]["format"] == "uuid"
    assert re.fullmatch(props["ts"]["pattern"], "2021-04-23T18:42:22.139Z") and re.fullmatch(
        props["dt"]["pattern"], "-0001-01-01"
    )
    assert props["bl"]["contentEncoding"] == "base64"
    assert {"type": "null"} in props["f"]["anyOf"] and {"enum": ["NaN", "Infinity", "-Infinity"]} in props["d"]["anyOf"]
    assert props["k"]["description"] == "`text`, partition key"


# Every CQL type the codec knows, in one table: a UDT (frozen and not), collections, a tuple, a vector, a static.
TYPE_COLUMNS = (
    "k text, c int, s int static, a ascii, ti tinyint, si smallint, i int, bi bigint, vi varint, de decimal, "
    "f float, d double, b boolean, u uuid, tu timeuuid, ts timestamp, dt date, tm time, du duration, ip inet, "
    "bl blob, l list<int>, st set<text>, m map<text, int>, mi map<int, boolean>, md map<date, frozen<list<int>>>, "
    "fl frozen<list<double>>, tp tuple<int, text, blob>, ad frozen<{udt}>, au {udt}, v vector<float, 3>, "
    "PRIMARY KEY (k, c)"
)
FULL = {
    "k": "full", "c": 1, "s": 7, "a": "abc", "ti": 127, "si": -32768, "i": 2147483647, "bi": 9223372036854775807,
    "vi": "123456789012345678901234567890", "de": "3.14159265358979323846", "f": 1.1, "d": 2.5, "b": True,
    "u": "123e4567-e89b-42d3-a456-426614174000", "tu": "d2177dd0-eaa2-11de-a572-001b779c76e3",
    "ts": "2021-04-23T18:42:22.139Z", "dt": "2021-04-23", "tm": "10:30:00.5", "du": "1y2mo3d4h5m6s7ms",
    "ip": "::1", "bl": "yv4=", "l": [1, 2], "st": ["x", "y"], "m": {"p": 1}, "mi": {"1": True},
    "md": {"2021-04-23": [1]}, "fl": [1.5], "tp": [1, "a", "AA=="],
    "ad": {"street": "s", "zip": 1, "tags": ["t"]}, "au": {"street": "u", "zip": None, "tags": None},
    "v": [0.1, 0.2, 0.3],
}  # fmt: skip
EXTREMES = {
    "k": "extremes", "c": 1, "f": "NaN", "d": "-Infinity", "ts": 253402300800000, "dt": "-0001-01-01",
    "du": "-2d", "ip": "::ffff:1.2.3.4", "bl": "", "tp": [None, None, None], "vi": "-1",
}  # fmt: skip
NULLS = {"k": "nulls", "c": 1}


@pytest.fixture(scope="module")
async def typed(session_client: httpx.AsyncClient, cql: Session, keyspace_name: str) -> tuple[str, dict[str, Any]]:
    """A table of every type, three rows written through the API (full values, extremes, nulls), and the
    document describing it. Each body is first checked against the document's own insert schema."""
    udt = unique("addr")
    cql.execute(f"CREATE TYPE {udt} (street text, zip int, tags frozen<set<text>>)", timeout=60)
    table = create_table(cql, TYPE_COLUMNS.format(udt=udt), prefix="typed")
    doc = await described(session_client, keyspace_name, table)
    insert = validator(doc, component(doc, keyspace_name, table, "Insert"))
    for row in (FULL, EXTREMES, NULLS):
        body = {name: value for name, value in row.items() if name not in ("vi", "de")}
        insert.validate(body)  # the written forms: what the document says a POST takes...
        raw = orjson.dumps(body)
        if "vi" in row:  # ...with varint and decimal digits sent as JSON numbers, every digit kept
            raw = (
                raw[:-1]
                + f',"vi":{row["vi"]}'.encode()
                + (f',"de":{row["de"]}'.encode() if "de" in row else b"")
                + b"}"
            )
        answer = await session_client.post(
            path(keyspace_name, table), content=raw, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 201, answer.text  # ...is what it takes
    return table, doc


@pytest.mark.parametrize("params", [{}, {"raw": "true"}, {"compactMapData": "false"}, {"fields": "k,c,m,ad"}])
async def test_the_answer_for_rows_of_every_type_is_what_the_document_says(
    client: httpx.AsyncClient, keyspace_name: str, typed: tuple[str, dict[str, Any]], params: dict[str, str]
) -> None:
    table, doc = typed
    operation = doc["paths"][f"/v2/keyspaces/{keyspace_name}/{table}/rows"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    answer = await client.get(path(keyspace_name, table, "rows"), params=params)
    assert answer.status_code == 200
    body = answer.json()
    rows = body if params.get("raw") else body["data"]
    assert len(rows) == 3
    validator(doc, schema, formats=False).validate(body)
    row = validator(doc, component(doc, keyspace_name, table, "Row"))
    for found in rows:  # formats too (uuid, ipv4/ipv6)
        row.validate(found)


async def test_each_line_of_an_ndjson_stream_is_a_row_of_the_document(
    client: httpx.AsyncClient, keyspace_name: str, typed: tuple[str, dict[str, Any]]
) -> None:
    table, doc = typed
    media = doc["paths"][f"/v2/keyspaces/{keyspace_name}/{table}/rows"]["get"]["responses"]["200"]["content"]
    line = validator(doc, media["application/x-ndjson"]["x-itemSchema"], formats=False)
    answer = await client.get(path(keyspace_name, table, "rows"), headers={"accept": "application/x-ndjson"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(text) for text in answer.text.splitlines()]
    assert len(lines) == 3 and all(line.is_valid(found) for found in lines)


async def test_the_row_schema_refuses_a_value_of_another_json_kind_in_any_column(
    client: httpx.AsyncClient, keyspace_name: str, typed: tuple[str, dict[str, Any]]
) -> None:
    """The schemas are typed, not "anything": the real full row, each column in turn given a value of another kind."""
    table, doc = typed
    row = validator(doc, component(doc, keyspace_name, table, "Row"))
    full = (await client.get(path(keyspace_name, table, "full", 1))).json()["data"][0]
    assert row.is_valid(full)
    accepted = [
        name for name, value in full.items() if row.is_valid({**full, name: 12345 if type(value) is str else "x"})
    ]
    assert accepted == []


async def test_counters_read_as_strings_and_are_written_as_increments(
    client: httpx.AsyncClient, cql: Session, keyspace_name: str
) -> None:
    table = create_table(cql, "k text PRIMARY KEY, n counter", prefix="counted")
    doc = await described(client, keyspace_name, table)
    update = validator(doc, component(doc, keyspace_name, table, "Update"))
    assert update.is_valid({"n": 5}) and update.is_valid({"n": "+5"}) and not update.is_valid({"n": None})
    written = await client.put(path(keyspace_name, table, "a"), json={"n": "+5"}, headers={"X-API-Key": API_KEY})
    assert written.status_code == 200
    read = (await client.get(path(keyspace_name, table, "a"))).json()["data"][0]
    assert read == {"k": "a", "n": "5"}
    validator(doc, component(doc, keyspace_name, table, "Row")).validate(read)
    assert "post" not in doc["paths"][f"/v2/keyspaces/{keyspace_name}/{table}"]  # PUT/PATCH only


async def test_path_parameters_follow_the_primary_key(
    client: httpx.AsyncClient, cql: Session, keyspace_name: str
) -> None:
    table = create_table(
        cql,
        "region text, shard int, day date, seq bigint, note text, PRIMARY KEY ((region, shard), day, seq)",
        prefix="keyed",
    )
    doc = await described(client, keyspace_name, table)
    base = f"/v2/keyspaces/{keyspace_name}/{table}"
    assert table_paths(doc, keyspace_name, table) == [
        base,
        base + "/rows",
        base + "/{region}/{shard}",
        base + "/{region}/{shard}/{day}",
        base + "/{region}/{shard}/{day}/{seq}",
    ]
    full = doc["paths"][base + "/{region}/{shard}/{day}/{seq}"]
    assert set(full) == {"get", "put", "patch", "delete"}
    for operation in full.values():
        keys = [p for p in operation["parameters"] if p.get("in") == "path"]
        assert [p["name"] for p in keys] == ["region", "shard", "day", "seq"]
        assert [p["schema"]["type"] for p in keys] == ["string", "integer", "string", "integer"]
    assert set(doc["paths"][base + "/{region}/{shard}"]) == {"get", "delete"}  # no static column to set
    body = resolve(doc, full["put"]["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["properties"]) == {"note"}  # keys are in the path, not the body


async def test_a_table_created_while_running_appears_and_a_dropped_one_disappears(
    client: httpx.AsyncClient, cql: Session, keyspace_name: str
) -> None:
    table = create_table(cql, "k text PRIMARY KEY, v int", prefix="arriving")
    base = f"/v2/keyspaces/{keyspace_name}/{table}"

    async def shown() -> bool:
        return base + "/{k}" in (await document(client))["paths"]

    await eventually(shown, within=20, what="the new table is in the document")
    cql.execute(f"DROP TABLE {table}", timeout=60)

    async def gone() -> bool:
        doc = await document(client)
        return (
            not table_paths(doc, keyspace_name, table)
            and f"{keyspace_name}.{table}.Row" not in doc["components"]["schemas"]
        )

    await eventually(gone, within=20, what="the dropped table has left the document")


async def test_an_added_column_shows(client: httpx.AsyncClient, cql: Session, keyspace_name: str) -> None:
    table = create_table(cql, "k text PRIMARY KEY, v int", prefix="widening")

    async def has(column: str) -> bool:
        schemas = (await document(client))["components"]["schemas"]
        return column in schemas.get(f"{keyspace_name}.{table}.Row", {}).get("properties", {})

    await eventually(lambda: has("v"), within=20, what="column v is in the document")
    cql.execute(f"ALTER TABLE {table} ADD extra set<int>", timeout=60)
    await eventually(lambda: has("extra"), within=20, what="the added column is in the document")


async def test_one_tables_document_alone(client: httpx.AsyncClient, cql: Session, keyspace_name: str) -> None:
    table = create_table(cql, "k text, c int, v text, PRIMARY KEY (k, c)", prefix="alone")
    await described(client, keyspace_name, table)
    doc = await document(client, f"/openapi/{keyspace_name}/{table}.json")
    assert {p.split("/")[4] for p in doc["paths"]} == {table}
    assert doc["tags"] == [{"name": f"rows: {keyspace_name}.{table}", "description": doc["tags"][0]["description"]}]
    assert_valid_openapi(doc)
    missing = await client.get(f"/openapi/{keyspace_name}/{unique('absent')}.json")
    assert missing.status_code == 404
    assert (await client.get("/openapi/system/local.json")).status_code == 404  # not served: not described


async def test_under_protect_reads_tables_are_described_only_to_a_key(settings: Settings, keyspace_name: str) -> None:
    plants = f"/v2/keyspaces/{keyspace_name}/plants/{{genus}}/{{species}}"
    async with hardened_client(settings, protect_reads=True) as client:
        assert plants not in (await document(client))["paths"]  # the generic document: the data's shape is data
        assert GENERIC in (await document(client))["paths"]
        assert (await client.get(f"/openapi/{keyspace_name}/plants.json")).status_code == 401
        keyed = {"X-Cassandra-Token": API_KEY}
        assert plants in (await client.get("/openapi.json", headers=keyed)).json()["paths"]
        assert (await client.get(f"/openapi/{keyspace_name}/plants.json", headers=keyed)).status_code == 200


async def test_the_document_is_built_again_only_when_the_schema_changed(
    settings: Settings, cql: Session, keyspace_name: str
) -> None:
    application = create_app(settings)
    docs = application.openapi
    assert isinstance(docs, RowsDocs)
    async with lifespan(application) as manager, client_for(manager.app) as client:
        first = (await client.get("/openapi.json")).content
        builds = docs.builds
        for _ in range(3):
            assert (await client.get("/openapi.json")).content == first
            await client.get(f"/v2/keyspaces/{keyspace_name}/plants/Plantago/major")  # the data path builds nothing
        assert docs.builds == builds
        table = create_table(cql, "k text PRIMARY KEY", prefix="rebuilt")
        await described(client, keyspace_name, table)
        assert docs.builds > builds
        assert application.openapi_schema is docs()  # FastAPI's cached document is the current one
