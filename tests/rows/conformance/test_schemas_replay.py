"""Our schema endpoints answer every recorded exchange as the real Stargate v2.0.51 did.

Each exchange of `stargate-v2.0.51-schemas.json` is replayed, in order, against the service in-process, on two
throwaway keyspaces with the scenario's schema (`schemas_scenario.py`), and its answer compared with Stargate's.

What is compared:
- the status, and for a success the media type (`application/json`; Stargate adds `;charset=UTF-8`);
- a success body in full, with the keyspace names written back as `{ks}`/`{KS}` and the local datacenter as `{dc}`.
  This includes the order of every array whose order means something: columns (keys, statics, then the rest),
  primary key parts, clustering order, UDT fields, indexes. Of the table options Stargate shows only
  `defaultTimeToLive` and `clusteringExpression`, which Cassandra 4.0 (Stargate's) and 5.0 (ours) keep alike, so
  they are compared exactly; none of the options that differ between the two versions (compaction, caching,
  speculative retry, ...) is in an answer. `datacenters` is compared with the datacenter's name normalised: both
  nodes have one datacenter and the scenario gives it one replica, so the shape `[{"name": <the local DC>,
  "replicas": 1}]` is what is compared.
- an error by its `code` and its whole `description` (the texts are Stargate's), unless `OUR_TEXT` says why not.

`UNORDERED` lists the answers whose order is Stargate's cache order rather than a contract, and `SERVED_ONLY` the
listings of every keyspace, where Stargate lists the whole node and we list the served keyspaces only. Where we
answer differently on purpose, `DEVIATIONS` says so and why, and the test checks that we still answer as we chose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.rows.conformance import schemas_scenario as scenario
from tests.rows.conformance.jsontext import dumps, loads
from tests.rows.conformance.record import request_record
from tests.rows.conformance.replay import Deviations, Replay, json_of, judge, send, serve
from tests.support.names import unique

RECORDING = loads(Path(__file__).with_name("stargate-v2.0.51-schemas.json").read_text())
EXCHANGES: list[dict[str, Any]] = RECORDING["exchanges"]

_ORDER = (
    "Stargate lists tables in its schema cache's order (creation order since it started: a restart reorders "
    "them); ours is by name, so both are compared sorted"
)
UNORDERED: dict[str, str] = dict.fromkeys(
    ["keyspaces/list", "keyspaces/list-raw", "keyspaces/list-trailing-slash"],
    "Stargate's keyspace list comes out of a hash map (two calls in the recording differ): compared sorted",
) | dict.fromkeys(["tables/list", "tables/list-raw", "tables/list-trailing-slash"], _ORDER)
SERVED_ONLY = {
    "keyspaces/list",
    "keyspaces/list-raw",
    "keyspaces/list-trailing-slash",
}  # Stargate: every keyspace of the node, system ones too; ours: the served ones (ROWS_KEYSPACES), the scenario's two

# name -> why our error description is not Stargate's (the status and code still are).
_BAD_TOKEN_TEXT = "a key that is not one of API_KEYS gets the rows API's 401 text, not Stargate's gRPC one"
OUR_TEXT: dict[str, str] = {
    **{f"auth/{what}-bad-token": _BAD_TOKEN_TEXT for what in ("keyspaces", "tables", "columns", "types", "indexes")},
    "writes/create-table-bad-json": "a body that is not JSON says why ('Invalid JSON payload: ...'), where Stargate "
    "answers RESTEasy's bare 'HTTP 400 Bad Request'",
}

# name -> (our status, why we answer differently[, our body]). Every entry is a decision, documented in
# docs/rows-api.md ("Schema endpoints").
DEVIATIONS: Deviations = {
    "paths/astra-prefix": (
        200,
        "the Astra URL shape /api/rest/v2/schemas/... is served too, as for the rows API",
        {"datacenters": [{"name": "{dc}", "replicas": 1}], "name": "{ks}"},
    ),
}


# ---- the recording holds the scenario (no database needed) ---------------------------------------------------


def test_the_recording_is_the_scenarios() -> None:
    assert RECORDING["keyspaces"] == scenario.KEYSPACES
    assert RECORDING["schema"] == scenario.SCHEMA
    assert [e["name"] for e in EXCHANGES] == [e.name for e in scenario.exchanges()]
    for ex, rec in zip(scenario.exchanges(), EXCHANGES, strict=True):
        sent = {k: v for k, v in rec.items() if k in request_record(ex)}
        assert sent == loads(dumps(request_record(ex))), ex.name


def test_every_listed_name_is_an_exchange() -> None:
    names = {e["name"] for e in EXCHANGES}
    for listed in (UNORDERED, SERVED_ONLY, OUR_TEXT, DEVIATIONS):
        assert set(listed) <= names


# ---- the replay ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def replay(settings: Settings, cql: Session) -> AsyncIterator[Replay]:
    """The scenario's keyspaces and schema on our node, served with keys required for reads, as Stargate requires
    its token."""
    keyspace = unique("sgschema_")
    datacenter = str(cql.execute("SELECT data_center FROM system.local").one()["data_center"])
    statements = [*scenario.KEYSPACES, *scenario.SCHEMA]
    async with serve(
        settings, cql, statements, keyspace=keyspace, datacenter=datacenter, also=[f"{keyspace}_simple"]
    ) as served:
        yield served


def _by_name(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: str(item["name"]))


def comparable(name: str, value: Any) -> Any:
    """The answer with what legitimately differs made equal: the order of the unordered listings, and the
    keyspaces besides the scenario's in Stargate's list of every keyspace."""
    wrapped = isinstance(value, dict) and set(value) == {"data"}
    items = value["data"] if wrapped else value
    if name in SERVED_ONLY:
        items = [k for k in items if "{ks}" in k["name"]]
    if name in UNORDERED:
        items = _by_name(items)
    return {"data": items} if wrapped else items


@pytest.mark.parametrize("exchange", EXCHANGES, ids=[e["name"] for e in EXCHANGES])
async def test_the_answer_is_stargates(replay: Replay, exchange: dict[str, Any]) -> None:
    name = exchange["name"]
    response = await send(replay, exchange)
    ours = json_of(replay.normalise(response.text)) if response.content else None

    def same_error(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
        if name not in OUR_TEXT:
            assert ours["description"] == theirs["description"]

    judge(exchange, response, ours, DEVIATIONS, same_error=same_error, comparable=partial(comparable, name))
