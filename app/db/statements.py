"""All DML of the service, prepared once per process in the lifespan and handed to routes as one typed object."""

from __future__ import annotations

from dataclasses import dataclass, fields

from cassandra import ConsistencyLevel
from cassandra.cluster import Session
from cassandra.query import PreparedStatement

ANIMAL_COLUMNS = "genus, species, image_url, size_cm, sightings, taxonomy"
PLANT_COLUMNS = "genus, species, sightings"

CQL: dict[str, str] = {
    "select_animal": f"SELECT {ANIMAL_COLUMNS} FROM animals WHERE genus = ? AND species = ?",
    "select_animals": f"SELECT {ANIMAL_COLUMNS} FROM animals WHERE genus = ?",
    "upsert_animal": f"INSERT INTO animals ({ANIMAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
    "select_plant": f"SELECT {PLANT_COLUMNS} FROM plants WHERE genus = ? AND species = ?",
    "select_plants": f"SELECT {PLANT_COLUMNS} FROM plants WHERE genus = ?",
    "upsert_plant": f"INSERT INTO plants ({PLANT_COLUMNS}) VALUES (?, ?, ?)",
    "ping": "SELECT release_version FROM system.local",
}
WRITES = {"upsert_animal", "upsert_plant"}


@dataclass(frozen=True, slots=True)
class Statements:
    select_animal: PreparedStatement
    select_animals: PreparedStatement
    upsert_animal: PreparedStatement
    select_plant: PreparedStatement
    select_plants: PreparedStatement
    upsert_plant: PreparedStatement
    ping: PreparedStatement


def prepare_statements(session: Session, *, read_consistency: int, write_consistency: int) -> Statements:
    """Prepare everything up front (blocking: call it from a worker thread), so a bad statement fails start-up."""
    prepared: dict[str, PreparedStatement] = {}
    for field in fields(Statements):
        statement = session.prepare(CQL[field.name])
        # Reads and our upserts (full-row writes of given values) are safe to retry or run speculatively.
        statement.is_idempotent = True
        if field.name == "ping":
            statement.consistency_level = ConsistencyLevel.ONE
        elif field.name in WRITES:
            statement.consistency_level = write_consistency
        else:
            statement.consistency_level = read_consistency
        prepared[field.name] = statement
    return Statements(**prepared)
