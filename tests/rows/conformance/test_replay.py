"""Our rows API answers every recorded exchange as the real Stargate v2.0.51 did.

Each exchange of `stargate-v2.0.51.json` is replayed, in order, against the service in-process on a throwaway
keyspace with the same schema and seed rows, and its answer compared with Stargate's: the status, the media type,
and the body (numbers by value, a `pageState` by presence, an error by its `code` and the stable opening of its
`description`). Where we answer differently on purpose, `DEVIATIONS` says so and why, and the test checks that we
still answer the way we chose.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.db.schema import drop_keyspace
from tests.rows.conformance.jsontext import dumps, loads
from tests.support.app import API_KEY, hardened_client
from tests.support.names import unique

RECORDING = loads(Path(__file__).with_name("stargate-v2.0.51.json").read_text())
EXCHANGES: list[dict[str, Any]] = RECORDING["exchanges"]
BAD_TOKEN = "00000000-0000-0000-0000-000000000000"

# Stargate's error texts that clients may match on: when Stargate's description opens with one, ours must too.
STABLE_OPENINGS = (
    "Invalid 'where' parameter, problem:",
    "Invalid 'sort' parameter, problem:",
    "Invalid path for row to find, problem:",
    "Invalid path for row to create, problem:",
    "Invalid path for row to update, problem:",
    "Invalid path for row to delete, problem:",
    "Invalid JSON payload",
    "Request invalid: 'where' must be provided.",
    "Role unauthorized for operation: Missing token",
    "Keyspace '",
    "Table '",
)

# name -> (our status, why we answer differently[, our body]). Every entry is a decision, documented in
# docs/rows-api.md; a stated body is compared as the recording's would be.
_CURSOR = "cursors are sealed and bound to their query: a raw Cassandra paging state, or garbage, is a 400, never a 500"
_STRICT = "the value would be stored wrong (wrapped, truncated, resolved or overflowed): a 400 naming it instead"
_STRICT_READ = "its write was refused (see the exchange before), so there is no row to read"
_LOOSE = "accepted beyond Stargate: a form whose meaning is unambiguous (nothing Stargate accepts changes meaning)"
_ONCE = "a key segment is percent-decoded once (RFC 3986); Stargate decodes twice and cuts ';' matrix parameters"
_500 = "Stargate answers 500; a bad request is a 400 here"
DEVIATIONS: dict[str, tuple[int, str] | tuple[int, str, Any]] = {
    "page-size/not-a-number": (400, "a page-size that is not a number is a 400 naming it, not JAX-RS's 404"),
    **dict.fromkeys(
        [
            "paging/page-state-not-base64",
            "paging/page-state-url-safe-chars",
            "paging/page-state-junk-bytes",
            "paging/page-state-literal",
            "paging/page-state-plus-as-space",
            "paging/page-state-url-safe",
            "paging/page-state-not-base64-rows",
            "paging/page-state-junk-bytes-rows",
            "where/broken-page-state",
        ],
        (400, _CURSOR),
    ),
    "where/contains-entry-not-map": (400, _500),
    "body/post-null": (400, _500),
    "where/float-for-int": (400, "1.7 for an int is refused, not truncated to 1"),
    "where/eq-list-as-json-array": (400, "both refuse it; ours says Cassandra's reason for a list column"),
    **{
        name: (400, _STRICT)
        for name in [
            "types/bigint-float",
            "types/bigint-overflow-number",
            "types/float-overflow",
            "types/inet-hostname-localhost",
            "types/int-overflow-number",
            "types/int-float",
            "types/smallint-overflow-number",
            "types/tinyint-overflow-number",
            "types/uuid-short-groups",
            "counters/put-float",
        ]
    },
    **{
        name: (200, _STRICT_READ, [])
        for name in [
            "types/bigint-float-read",
            "types/bigint-overflow-number-read",
            "types/float-overflow-read",
            "types/inet-hostname-localhost-read",
            "types/int-overflow-number-read",
            "types/int-float-read",
            "types/smallint-overflow-number-read",
            "types/tinyint-overflow-number-read",
            "types/uuid-short-groups-read",
        ]
    },
    "counters/read-3": (200, "one increment fewer: the 1.9 increment was refused"),
    "counters/where": (200, "one increment fewer: the 1.9 increment was refused"),
    "types/decimal-long-number-read": (
        200,
        "a decimal keeps every digit sent (Stargate read the JSON number as a double)",
        [{"c_decimal": Decimal("12345678901234567890.123456789")}],
    ),
    "types/float-tiny-read": (200, "the shortest decimal that reads back as the same float32 (1E-45, Java: 1.4E-45)"),
    **{
        name: (201, _LOOSE)
        for name in [
            "types/varint-integral-decimal",
            "types/timestamp-frac-7",
            "types/timestamp-frac-8",
            "types/timestamp-frac-9",
            "types/timestamp-epoch-ms-string",
            "types/list-json-strings-for-int",
            "types/map-json-string-values",
            "types/map-key-value-list-on-compact",
            "types/map-int-json",
            "types/tuple-json-nulls",
            "types/tuple-cql-nulls",
            "types/tuple-json-string-for-int",
            "types/udt-json-string-for-int",
            "types/nested-json-string-for-int",
            "types/map-object-on-non-compact",
            "types/map-cql-compact-on-non-compact",
        ]
    },
    "types/varint-integral-decimal-read": (200, _LOOSE, [{"c_varint": 5}]),
    "keys/typed-get-epoch-ms": (200, _LOOSE),
    "keys/get-percent-encoded": (200, _ONCE, [{"k": "100%", "v": "value 3"}]),
    "keys/get-percent-bare": (200, "a lone '%' is kept as data, as a browser or curl sends it"),
    "keys/get-percent-double-encoded": (200, _ONCE, []),
    "keys/get-slash-double-encoded": (200, _ONCE, []),
    "keys/get-space-double-encoded": (200, _ONCE, []),
    "keys/get-semicolon-double-encoded": (200, _ONCE, []),
    "keys/get-semicolon-raw": (200, _ONCE, [{"k": "a;b", "v": "value 10"}]),
    "keys/get-semicolon-encoded": (200, _ONCE, [{"k": "a;b", "v": "value 10"}]),
    "keys/rows-after-delete-semicolon": (200, "the DELETE of 'a;b' deleted 'a;b', not 'a' (see _ONCE)"),
    "auth/bearer-header": (401, "'Authorization: Bearer' is one of our key headers: a token that is no key is invalid"),
    "body/post-trailing-garbage": (400, "text after the JSON object is refused, not ignored"),
    "path/accept-text-plain": (200, "JSON whatever the Accept header says (Stargate: 406)"),
    "path/astra-prefix": (200, "the Astra URL shape /api/rest/v2/... is served too"),
}


@dataclass
class Replay:
    keyspace: str
    client: httpx.AsyncClient
    captured: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def replay(settings: Settings, cql: Session) -> AsyncIterator[Replay]:
    """The recording's schema and seed in a keyspace of its own, served with keys required for every call, as
    Stargate requires its token."""
    keyspace = unique("sgconf_")
    cql.execute(
        f"CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}",
        timeout=60,
    )
    try:
        for statement in [*RECORDING["schema"], *RECORDING["seed"]]:
            cql.execute(statement.replace("{ks}", keyspace), timeout=60)
        overrides = {"rows_keyspaces": keyspace, "protect_reads": True}
        async with hardened_client(settings, **overrides) as client:
            yield Replay(keyspace, client)
    finally:
        drop_keyspace(cql, keyspace)


async def send(replay: Replay, exchange: dict[str, Any]) -> httpx.Response:
    query = {
        key: _fill(str(value), replay.captured) for key, value in exchange["query"].items() if _fillable(value, replay)
    }
    url = exchange["path"].replace("{ks}", replay.keyspace)
    if query:
        url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    headers = dict(exchange["headers"])
    if exchange["auth"] == "token":
        headers["X-Cassandra-Token"] = API_KEY
    elif exchange["auth"] == "bad":
        headers["X-Cassandra-Token"] = BAD_TOKEN
    body = exchange.get("body")
    content = None if body is None else (body if isinstance(body, str) else dumps(body)).encode()
    # The path goes out byte for byte: its percent-encodings are what some exchanges test.
    request = replay.client.build_request(exchange["method"], url, headers=headers, content=content)
    request.url = request.url.copy_with(raw_path=url.encode())
    response = await replay.client.send(request)
    for name, source in exchange.get("capture", {}).items():
        value = _json(response).get(source) if isinstance(_json(response), dict) else None
        if value is None:
            replay.captured.pop(name, None)
        else:
            replay.captured[name] = value
    return response


def _fillable(value: object, replay: Replay) -> bool:
    """A `${var}` whose capture is gone (the last page had no pageState) leaves its parameter out."""
    text = str(value)
    return not (text.startswith("${") and text[2:-1] not in replay.captured)


def _fill(value: str, captured: dict[str, str]) -> str:
    for name, found in captured.items():
        value = value.replace("${" + name + "}", found)
    return value


def _json(response: httpx.Response) -> Any:
    try:
        return loads(response.text)
    except ValueError:
        return None


def comparable(value: Any) -> Any:
    """A JSON value with the parts that legitimately differ made equal: a cursor token is opaque (only whether there
    is one counts), numbers compare by value (Java writes 1.0E10 where Python writes 1e10)."""
    if isinstance(value, dict):
        return {k: ("<pageState>" if k == "pageState" else comparable(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def is_error(body: Any) -> bool:
    return isinstance(body, dict) and "description" in body and "code" in body


@pytest.mark.parametrize("exchange", EXCHANGES, ids=[e["name"] for e in EXCHANGES])
async def test_the_answer_is_stargates(replay: Replay, exchange: dict[str, Any]) -> None:
    response = await send(replay, exchange)
    deviation = DEVIATIONS.get(exchange["name"])
    if deviation is not None:
        status, why, *body = deviation
        assert response.status_code == status, f"{why}: {response.text}"
        if body:
            assert comparable(_json(response)) == comparable(body[0]), why
        return
    assert response.status_code == exchange["status"], response.text
    expected = exchange["response"]
    if exchange["response_format"] == "empty":
        assert response.content == b""
        return
    ours = _json(response)
    if is_error(expected):
        assert is_error(ours), response.text
        assert ours["code"] == expected["code"]
        opening = next((o for o in STABLE_OPENINGS if expected["description"].startswith(o)), None)
        if opening is not None:
            assert ours["description"].startswith(opening), (ours["description"], expected["description"])
        return
    assert response.headers["content-type"].split(";")[0] == "application/json"
    assert comparable(ours) == comparable(expected)
