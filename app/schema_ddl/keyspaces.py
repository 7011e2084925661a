"""`POST /v2/schemas/keyspaces` and `DELETE .../{keyspace}`: Stargate's body (`SchemaBuilderHelper`), its defaults
(1 replica under SimpleStrategy, 3 per datacenter under NetworkTopologyStrategy) and its words."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from app.schema_ddl.fields import bad, cql_name, echo, identifier, integer, literal

MAX_REPLICAS = 1000
MAX_DATACENTERS = 64
MAX_DATACENTER_NAME = 128
DEFAULT_REPLICAS_SIMPLE = 1
DEFAULT_REPLICAS_PER_DATACENTER = 3


@dataclass(frozen=True, slots=True)
class KeyspaceCreate:
    name: str
    cql: str
    datacenters: tuple[str, ...]  # as given, for Stargate's answer to one that does not exist


def _shown(payload: object) -> str:
    text = orjson.dumps(payload).decode()
    return text if len(text) <= 200 else text[:200] + "..."


def create_keyspace(payload: object) -> KeyspaceCreate:
    """`CREATE KEYSPACE IF NOT EXISTS` (Stargate's: an existing keyspace is a 201 too) with `replicas` (SimpleStrategy)
    or `datacenters` (NetworkTopologyStrategy)."""
    if not isinstance(payload, dict):
        raise bad(f"Invalid JSON payload for Keyspace creation; must be JSON Object: {_shown(payload)}")
    if payload.get("name") is None:
        raise bad(f"Missing 'name' String property in payload Object: {_shown(payload)}")
    name = identifier(payload["name"], "'name'")
    datacenters = payload.get("datacenters")
    if datacenters is None:
        replicas = payload.get("replicas", DEFAULT_REPLICAS_SIMPLE)
        factor = integer(replicas, "'replicas'", low=1, high=MAX_REPLICAS)
        replication = f"{{'class': 'SimpleStrategy', 'replication_factor': {factor}}}"
        return KeyspaceCreate(name, _create(name, replication), ())
    factors = _datacenters(datacenters, payload)
    entries = "".join(f", {literal(dc)}: {factor}" for dc, factor in factors.items())
    replication = f"{{'class': 'NetworkTopologyStrategy'{entries}}}"
    return KeyspaceCreate(name, _create(name, replication), tuple(factors))


def _create(name: str, replication: str) -> str:
    return f"CREATE KEYSPACE IF NOT EXISTS {cql_name(name)} WITH replication = {replication}"


def _datacenters(given: object, payload: dict[str, object]) -> dict[str, int]:
    if not isinstance(given, list) or not all(isinstance(dc, dict) for dc in given):
        raise bad(f"malformatted JSON payload ({_shown(payload)}) for Keyspace creation: 'datacenters' must be a list")
    if not given:
        raise bad(f"malformatted JSON payload ({_shown(payload)}) for Keyspace creation: empty 'datacenters'")
    if len(given) > MAX_DATACENTERS:
        raise bad(f"'datacenters' holds more than {MAX_DATACENTERS} entries")
    factors: dict[str, int] = {}
    for dc in given:
        name = dc.get("name")
        if not isinstance(name, str) or not name:
            raise bad(
                f"malformatted JSON payload ({_shown(payload)}) for Keyspace creation: one of 'datacenters' entries "
                "missing 'name'"
            )
        if len(name) > MAX_DATACENTER_NAME or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
            raise bad(f"datacenter name {echo(name)} is not one (printable, at most {MAX_DATACENTER_NAME} characters)")
        if name in factors:
            raise bad(f"datacenter {echo(name)} is listed twice in 'datacenters'")
        replicas = dc.get("replicas", DEFAULT_REPLICAS_PER_DATACENTER)
        factors[name] = integer(replicas, f"'replicas' of datacenter {echo(name)}", low=0, high=MAX_REPLICAS)
    return factors


def drop_keyspace(name: str) -> str:
    """`DROP KEYSPACE IF EXISTS`: a keyspace that is not there is a 204, as in Stargate."""
    return f"DROP KEYSPACE IF EXISTS {cql_name(name)}"
