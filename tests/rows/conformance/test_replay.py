"""Our rows API answers every recorded exchange as the real Stargate v2.0.51 did.

Each exchange of `stargate-v2.0.51.json` is replayed, in order, against the service in-process on a throwaway
keyspace with the same schema and seed rows, and its answer compared with Stargate's: the status, the media type,
and the body (numbers by value, a `pageState` by presence, an error by its `code` and the stable opening of its
`description`). Where we answer differently on purpose, `DEVIATIONS` says so and why, and the test checks that we
still answer the way we chose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.rows.conformance.jsontext import loads
from tests.rows.conformance.replay import Deviations, Replay, json_of, judge, send, serve
from tests.support.names import unique

RECORDING = loads(Path(__file__).with_name("stargate-v2.0.51.json").read_text())
EXCHANGES: list[dict[str, Any]] = RECORDING["exchanges"]

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
DEVIATIONS: Deviations = {
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


@pytest.fixture(scope="module")
async def replay(settings: Settings, cql: Session) -> AsyncIterator[Replay]:
    """The recording's schema and seed in a keyspace of its own, served with keys required for every call, as
    Stargate requires its token."""
    keyspace = unique("sgconf_")
    create = "CREATE KEYSPACE {ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    async with serve(settings, cql, [create, *RECORDING["schema"], *RECORDING["seed"]], keyspace=keyspace) as served:
        yield served


def comparable(value: Any) -> Any:
    """A JSON value with the parts that legitimately differ made equal: a cursor token is opaque (only whether there
    is one counts), numbers compare by value (Java writes 1.0E10 where Python writes 1e10)."""
    if isinstance(value, dict):
        return {k: ("<pageState>" if k == "pageState" else comparable(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def same_error(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Where Stargate's description opens with a text clients may match on, ours opens with it too."""
    opening = next((o for o in STABLE_OPENINGS if theirs["description"].startswith(o)), None)
    if opening is not None:
        assert ours["description"].startswith(opening), (ours["description"], theirs["description"])


@pytest.mark.parametrize("exchange", EXCHANGES, ids=[e["name"] for e in EXCHANGES])
async def test_the_answer_is_stargates(replay: Replay, exchange: dict[str, Any]) -> None:
    response = await send(replay, exchange)
    judge(exchange, response, json_of(response.text), DEVIATIONS, same_error=same_error, comparable=comparable)
