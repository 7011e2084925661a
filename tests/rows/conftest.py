"""The rows API's tables: each module gets tables of its own in the session's keyspace, which the app serves."""

from __future__ import annotations

import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args

from app.config import Settings
from tests.support.rows import create_table

# Stargate's documentation example, widened: a composite partition key and two clustering columns, one descending.
PEOPLE_COLUMNS = (
    "country text, city text, name text, born int, nickname text, score int, active boolean, "
    "PRIMARY KEY ((country, city), name, born)"
)
PEOPLE_ORDER = "CLUSTERING ORDER BY (name ASC, born DESC)"


@pytest.fixture(scope="session")
def keyspace_name(settings: Settings) -> str:
    return settings.keyspace


@pytest.fixture(scope="module")
def people(cql: Session) -> str:
    """Six people in two partitions: ("fr", "paris") holds four, ("fr", "lyon") two."""
    table = create_table(cql, PEOPLE_COLUMNS, options=PEOPLE_ORDER, prefix="people")
    insert = cql.prepare(
        f"INSERT INTO {table} (country, city, name, born, nickname, score, active) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    rows = [
        ("fr", "paris", "ada", 1990, "a", 10, True),
        ("fr", "paris", "ada", 1985, None, 20, False),
        ("fr", "paris", "bob", 1970, "b", 30, True),
        ("fr", "paris", "cyd", 2000, "c", 40, False),
        ("fr", "lyon", "dan", 1960, "d", 50, True),
        ("fr", "lyon", "eve", 1999, "e", 60, True),
    ]
    execute_concurrent_with_args(cql, insert, rows)
    return table
