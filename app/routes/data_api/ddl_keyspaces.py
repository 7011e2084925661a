"""The Data API's database commands: createKeyspace, dropKeyspace and findKeyspaces, on the keyspaces this service
serves (ROWS_KEYSPACES; `*` for every non-system keyspace).

The replication a client asks for is read into a CQL map from fixed words and checked names and numbers only:
`SimpleStrategy` with a `replication_factor`, or `NetworkTopologyStrategy` with a factor per datacenter.
"""

from __future__ import annotations

import re
from typing import Any

from app.routes.data_api.command import Answer, Command, Spec
from app.routes.data_api.ddl_errors import request_error, schema_error
from app.routes.data_api.ddl_run import catalog_of, field_name, field_object, known_fields, ok, run_ddl
from app.schema_ddl.fields import cql_name

MAX_REPLICATION_FACTOR = 10
MAX_DATACENTERS = 16
_DATACENTER = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_STRATEGIES = {"SimpleStrategy", "NetworkTopologyStrategy"}


def _factor(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_REPLICATION_FACTOR:
        raise request_error(
            "COMMAND_FIELD_VALUE_INVALID",
            f"The replication factor of {what} must be an integer from 1 to {MAX_REPLICATION_FACTOR}.",
        )
    return value


def replication(options: dict[str, Any]) -> str:
    """`options.replication` as the CQL map of CREATE KEYSPACE (SimpleStrategy, factor 1 when absent)."""
    given = field_object(options, "replication", required=False) or {"class": "SimpleStrategy"}
    strategy = given.get("class", "SimpleStrategy")
    if strategy not in _STRATEGIES:
        raise request_error(
            "COMMAND_FIELD_VALUE_INVALID",
            f"Command field 'command.options.replication.strategy' value {str(strategy)[:64]!r} not valid: must "
            'match "SimpleStrategy|NetworkTopologyStrategy".',
        )
    rest = {k: v for k, v in given.items() if k != "class"}
    if strategy == "SimpleStrategy":
        if set(rest) - {"replication_factor"}:
            raise request_error("COMMAND_FIELD_VALUE_INVALID", "SimpleStrategy takes a replication_factor only.")
        factor = _factor(rest.get("replication_factor", 1), "SimpleStrategy")
        return f"{{'class': 'SimpleStrategy', 'replication_factor': {factor}}}"
    if not rest or len(rest) > MAX_DATACENTERS or not all(_DATACENTER.fullmatch(dc) for dc in rest):
        raise request_error(
            "COMMAND_FIELD_VALUE_INVALID",
            f"NetworkTopologyStrategy takes 1 to {MAX_DATACENTERS} datacenter names, each with its replication factor.",
        )
    factors = ", ".join(f"'{dc}': {_factor(f, dc)}" for dc, f in rest.items())
    return f"{{'class': 'NetworkTopologyStrategy', {factors}}}"


def _served_name(command: Command) -> str:
    name = field_name(command.options, "keyspace")
    if name not in catalog_of(command).served:
        raise schema_error(
            "INVALID_KEYSPACE",
            f"The keyspace {name} is not one this service serves (ROWS_KEYSPACES): it cannot be created or dropped "
            "here.",
        )
    return name


async def create_keyspace(command: Command) -> Answer:
    known_fields(command, frozenset({"name", "options"}), frozenset({"replication"}))
    name = _served_name(command)
    cql_map = replication(field_object(command.options, "options", required=False))
    await run_ddl(command, f"CREATE KEYSPACE IF NOT EXISTS {cql_name(name)} WITH REPLICATION = {cql_map}", target=name)
    return ok()


async def drop_keyspace(command: Command) -> Answer:
    known_fields(command, frozenset({"name", "options"}))
    name = _served_name(command)
    await run_ddl(command, f"DROP KEYSPACE IF EXISTS {cql_name(name)}", target=name)
    return ok()


async def find_keyspaces(command: Command) -> Answer:
    known_fields(command, frozenset({"options"}))
    return Answer(status={"keyspaces": catalog_of(command).keyspaces()})


COMMANDS: dict[str, Spec] = {
    "createKeyspace": Spec("database", "admin", create_keyspace),
    "dropKeyspace": Spec("database", "admin", drop_keyspace),
    "findKeyspaces": Spec("database", "read", find_keyspaces),
}
