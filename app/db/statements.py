"""All DML of the service, prepared once per process in the lifespan and handed to routes as one typed object.

The sample's statements (tables `animals` and `plants`) are one face among others: SAMPLE_API decides at start-up
whether they are prepared, so the service also serves a keyspace that lacks those tables (the rows API, /readyz).

The lifespan prepares them with their keyspace written in (`keyspace=`): in AUTH_MODE=passthrough they run on the
caller's session, which has no keyspace of its own. Cassandra keeps a prepared statement per node, so it runs there
by id; but an unqualified one would draw Cassandra 5's "USE <keyspace> with prepared statements" warning at each
execution, and could not be prepared again on that session (the driver does so when a node answers UNPREPARED).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, fields

from cassandra import ConsistencyLevel
from cassandra.cluster import Session
from cassandra.metadata import protect_name
from cassandra.query import PreparedStatement

from app.config import SampleApi
from app.exceptions import ServiceError, StartupError

ANIMAL_COLUMNS = "genus, species, image_url, size_cm, sightings, taxonomy"
PLANT_COLUMNS = "genus, species, sightings"
SAMPLE_TABLES = ("animals", "plants")

SAMPLE_CQL: dict[str, str] = {
    "select_animal": f"SELECT {ANIMAL_COLUMNS} FROM animals WHERE genus = ? AND species = ?",
    "select_animals": f"SELECT {ANIMAL_COLUMNS} FROM animals WHERE genus = ?",
    "upsert_animal": f"INSERT INTO animals ({ANIMAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
    "select_plant": f"SELECT {PLANT_COLUMNS} FROM plants WHERE genus = ? AND species = ?",
    "select_plants": f"SELECT {PLANT_COLUMNS} FROM plants WHERE genus = ?",
    "upsert_plant": f"INSERT INTO plants ({PLANT_COLUMNS}) VALUES (?, ?, ?)",
}
PING_CQL = "SELECT release_version FROM system.local"
CQL: dict[str, str] = {**SAMPLE_CQL, "ping": PING_CQL}
WRITES = {"upsert_animal", "upsert_plant"}
SAMPLE_TABLE = re.compile(r"\b(FROM|INTO) (animals|plants)\b")


def qualified(cql: str, keyspace: str | None) -> str:
    """A sample statement with its keyspace written in (quoted by the driver's rule); as is without one."""
    if keyspace is None:
        return cql
    return SAMPLE_TABLE.sub(lambda found: f"{found[1]} {protect_name(keyspace)}.{found[2]}", cql)


class SampleOff(ServiceError):
    """A sample route while the sample is off: a 404 in the sample's error shape, saying why."""

    def __init__(self, why: str) -> None:
        super().__init__(404, "not_found", f"the sample API (/animal, /plant) is off: {why}")


@dataclass(frozen=True, slots=True)
class SampleStatements:
    select_animal: PreparedStatement
    select_animals: PreparedStatement
    upsert_animal: PreparedStatement
    select_plant: PreparedStatement
    select_plants: PreparedStatement
    upsert_plant: PreparedStatement


@dataclass(frozen=True, slots=True)
class Statements:
    """The readiness ping, and the sample's statements unless SAMPLE_API turned them off (`why` says which)."""

    ping: PreparedStatement
    sample_statements: SampleStatements | None
    why: str = ""
    sample_cql: tuple[str, ...] = ()  # the sample's texts as prepared (qualified or not)

    def sample(self) -> SampleStatements:
        """The sample's statements, or SampleOff (404) when the sample is off."""
        if self.sample_statements is None:
            raise SampleOff(self.why)
        return self.sample_statements

    @property
    def essential_cql(self) -> list[str]:
        """The statements without which this process cannot serve (a refusal of one makes /readyz 502)."""
        return [PING_CQL, *(self.sample_cql if self.sample_statements else ())]

    # The repository's names for the sample's statements.
    @property
    def select_animal(self) -> PreparedStatement:
        return self.sample().select_animal

    @property
    def select_animals(self) -> PreparedStatement:
        return self.sample().select_animals

    @property
    def upsert_animal(self) -> PreparedStatement:
        return self.sample().upsert_animal

    @property
    def select_plant(self) -> PreparedStatement:
        return self.sample().select_plant

    @property
    def select_plants(self) -> PreparedStatement:
        return self.sample().select_plants

    @property
    def upsert_plant(self) -> PreparedStatement:
        return self.sample().upsert_plant


def decide_sample(setting: SampleApi, keyspace: str, tables: Collection[str]) -> tuple[bool, str]:
    """Whether the sample is served, and why, from SAMPLE_API and the keyspace's tables. `on` without the tables is
    a StartupError: the operator asked for the sample, and its routes would fail on every request."""
    missing = [table for table in SAMPLE_TABLES if table not in tables]
    absent = f"keyspace {keyspace} has no table {' or '.join(missing)}"
    if setting == "off":
        return False, "SAMPLE_API=off"
    if not missing:
        return True, f"SAMPLE_API={setting}, and keyspace {keyspace} has the tables animals and plants"
    if setting == "on":
        raise StartupError(
            f"SAMPLE_API=on, but {absent}: run scripts/init-db, or set SAMPLE_API=auto (or off) to serve without "
            "the sample's /animal and /plant"
        )
    return False, f"SAMPLE_API=auto, and {absent}"


def prepare_statements(
    session: Session,
    *,
    read_consistency: int,
    write_consistency: int,
    sample: bool = True,
    why: str = "",
    keyspace: str | None = None,
) -> Statements:
    """Prepare everything up front (blocking: call it from a worker thread), so a bad statement fails start-up.
    With `keyspace`, the sample's statements name it (the lifespan's way); without, the session's keyspace holds."""
    ping = session.prepare(PING_CQL)
    ping.is_idempotent = True
    ping.consistency_level = ConsistencyLevel.ONE
    if not sample:
        return Statements(ping, None, why)
    prepared: dict[str, PreparedStatement] = {}
    texts = {name: qualified(cql, keyspace) for name, cql in SAMPLE_CQL.items()}
    for field in fields(SampleStatements):
        statement = session.prepare(texts[field.name])
        # Reads and our upserts (full-row writes of given values) are safe to retry or run speculatively.
        statement.is_idempotent = True
        statement.consistency_level = write_consistency if field.name in WRITES else read_consistency
        prepared[field.name] = statement
    return Statements(ping, SampleStatements(**prepared), why, tuple(texts.values()))
