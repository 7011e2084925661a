"""Apply `schema/` to a keyspace: the keyspace itself (self-hosted only), the tables, and the sample data.

Used by `scripts/init-db`, by `INIT_SCHEMA_ON_STARTUP=true`, and by the tests' throwaway keyspaces. Blocking on
purpose: it runs before serving or in a worker thread, never on the event loop.

The CQL lives in the top-level `schema/` of a checkout; the wheel carries the same files as `app/cql/`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from cassandra import InvalidRequest
from cassandra.cluster import Session

from app.config import IDENTIFIER, Mode, Settings
from app.exceptions import StartupError

log = logging.getLogger("app.schema")

_PACKAGED = Path(__file__).resolve().parents[1] / "cql"  # an installed wheel
SCHEMA_DIR = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "schema"  # a checkout
KEYSPACE_FILE = "keyspace.cql"
TABLES_FILE = "001_tables.cql"
SAMPLE_DATA_FILE = "002_sample_data.cql"
DDL_TIMEOUT = 60.0


def cql_statements(text: str) -> list[str]:
    """Split a CQL file into statements: `--` comments dropped, `;` at a line's end closes a statement."""
    statements, current = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        current.append(line)
        if stripped.endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if current:
        statements.append("\n".join(current))
    return statements


def keyspace_cql(keyspace: str, replication: str) -> str:
    if not IDENTIFIER.match(keyspace):
        raise ValueError(f"invalid keyspace name {keyspace!r}")
    if not re.fullmatch(r"\{[\w\s':,.-]*\}", replication):
        raise ValueError(f"CASSANDRA_REPLICATION must be a CQL map literal, got {replication!r}")
    template = (SCHEMA_DIR / KEYSPACE_FILE).read_text()
    [statement] = cql_statements(template)
    return statement.format(keyspace=keyspace, replication=replication)


def apply_schema(
    session: Session, settings: Settings, *, keyspace: str | None = None, sample_data: bool = True
) -> None:
    """Create what is missing and upsert the sample rows; running it twice changes nothing."""
    keyspace = keyspace or settings.keyspace
    if settings.mode is Mode.SELF_HOSTED:
        _change_schema(session, keyspace_cql(keyspace, settings.cassandra_replication))
    try:
        session.set_keyspace(keyspace)
    except InvalidRequest as exc:
        if settings.mode is Mode.ASTRA and "does not exist" in str(exc):
            # Astra refuses CREATE KEYSPACE over CQL: the keyspace is made in its console, never here.
            raise StartupError(f"keyspace {keyspace!r} does not exist: create it in the Astra console") from None
        raise
    files = [TABLES_FILE] + ([SAMPLE_DATA_FILE] if sample_data else [])
    for name in files:
        statements = cql_statements((SCHEMA_DIR / name).read_text())
        for statement in statements:
            _change_schema(session, statement)
        log.info("applied %s (%d statements) to keyspace %s", name, len(statements), keyspace)


def drop_keyspace(session: Session, keyspace: str) -> None:
    if not IDENTIFIER.match(keyspace):
        raise ValueError(f"invalid keyspace name {keyspace!r}")
    session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=DDL_TIMEOUT)


def _change_schema(session: Session, statement: str) -> None:
    """One statement; a schema change is followed by the whole cluster before the next one is sent. The driver waits
    for that only `max_schema_agreement_wait` (10 s); on a loaded cluster of several nodes it took longer, and the
    next statement reached a node that did not know the keyspace yet."""
    result = session.execute(statement, timeout=DDL_TIMEOUT)
    if result.response_future.is_schema_agreed or session.cluster is None:
        return
    if not session.cluster.control_connection.wait_for_schema_agreement(wait_time=DDL_TIMEOUT):
        log.warning("the nodes did not agree on the schema within %g s of: %s", DDL_TIMEOUT, statement.split("(")[0])
