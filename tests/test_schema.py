"""schema/ and scripts/init-db: statements split as written, the keyspace template guarded, loading idempotent."""

from __future__ import annotations

import subprocess

import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.db.schema import apply_schema, cql_statements, keyspace_cql
from tests.support.names import unique
from tests.support.processes import ROOT, service_env


def test_cql_files_split_into_statements_without_comments() -> None:
    text = "-- a comment\nCREATE TABLE t (\n  k int PRIMARY KEY\n);\n\nINSERT INTO t (k) VALUES (1);\n"
    assert cql_statements(text) == ["CREATE TABLE t (\n  k int PRIMARY KEY\n)", "INSERT INTO t (k) VALUES (1)"]


def test_keyspace_template_is_filled_with_validated_values() -> None:
    statement = keyspace_cql("demo", "{'class': 'SimpleStrategy', 'replication_factor': 1}")
    assert statement.startswith("CREATE KEYSPACE IF NOT EXISTS demo")
    assert "'replication_factor': 1" in statement


@pytest.mark.parametrize(
    ("keyspace", "replication"),
    [("bad-name", "{'class': 'SimpleStrategy', 'replication_factor': 1}"), ("demo", "{}; DROP KEYSPACE x")],
)
def test_keyspace_template_refuses_anything_but_an_identifier_and_a_map(keyspace: str, replication: str) -> None:
    with pytest.raises(ValueError):
        keyspace_cql(keyspace, replication)


def test_applying_the_schema_twice_leaves_exactly_the_sample_rows(cql: Session, settings: Settings) -> None:
    apply_schema(cql, settings)
    count = cql.execute("SELECT count(*) AS n FROM plants WHERE genus = 'Plantago'").one()["n"]
    animals = cql.execute("SELECT species FROM animals WHERE genus = 'Vanessa'").all()
    assert count == 88
    assert [a["species"] for a in animals] == ["atalanta", "cardui"]


def test_init_db_script_creates_a_fresh_keyspace_with_the_sample_data(cql: Session, settings: Settings) -> None:
    keyspace = unique("initdb_")
    env = service_env(settings, CASSANDRA_KEYSPACE=keyspace)
    try:
        result = subprocess.run(
            [str(ROOT / "scripts/init-db")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        count = cql.execute(f"SELECT count(*) AS n FROM {keyspace}.plants WHERE genus = 'Plantago'").one()["n"]
        assert count == 88
    finally:
        cql.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=60)
