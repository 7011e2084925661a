"""Record the schema-endpoints scenario against the real Stargate: `python -m tests.rows.conformance.record_schemas`.

Environment as for `record.py`: STARGATE_URL (http://127.0.0.41:8082), STARGATE_TOKEN (or STARGATE_AUTH_URL),
STARGATE_CQL (127.0.0.41:9042). Creates the scenario's two keyspaces (`sgschema_<UTC time>` and `..._simple`)
over CQL, sends every exchange of `schemas_scenario.py` over plain http.client, writes
stargate-v2.0.51-schemas.json next to this file, and drops the two keyspaces again (unless --keep).
In the recording the keyspace names read `{ks}` (`{KS}` upper case) and the datacenter `{dc}`.
Not run by CI: CI cannot start Stargate.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.rows.conformance import schemas_scenario as scenario
from tests.rows.conformance.jsontext import sorted_json
from tests.rows.conformance.record import (
    STARGATE_VERSION,
    VOLATILE_HEADERS,
    Wire,
    auth_headers,
    cql_session,
    fetch_token,
    parse_body,
    query_string,
    request_record,
    write_recording,
)
from tests.rows.conformance.scenario import Exchange

OUT = Path(__file__).with_name(f"stargate-{STARGATE_VERSION}-schemas.json")


def fill(text: str, ks: str, dc: str) -> str:
    """A statement or path of the scenario with its placeholders replaced."""
    return text.replace("{ks}", ks).replace("{KS}", ks.upper()).replace("{dc}", dc)


def normalise(text: str, ks: str, dc: str) -> str:
    """An answer with the run's names written back as placeholders (a datacenter only as a whole JSON string)."""
    return text.replace(ks, "{ks}").replace(ks.upper(), "{KS}").replace(f'"{dc}"', '"{dc}"')


def prepare(session: Any, ks: str) -> tuple[str, str]:
    """Create the keyspaces and the schema; return (local datacenter, Cassandra's release version)."""
    row = session.execute("SELECT data_center, release_version FROM system.local").one()
    dc, version = str(row.data_center), str(row.release_version)
    for statement in [*scenario.KEYSPACES, *scenario.SCHEMA]:
        session.execute(fill(statement, ks, dc), timeout=60)
    return dc, version


def send(wire: Wire, ex: Exchange, ks: str, dc: str, token: str) -> dict[str, Any]:
    """Send one exchange and return its recorded form."""
    path = fill(ex.path, ks, dc)
    qs = query_string(ex.query, {})
    target = f"{path}?{qs}" if qs else path
    headers = {**ex.request_headers(), **auth_headers(ex, token)}
    body = ex.body_text()
    status, raw_headers, data = wire.send(ex.method, target, None if body is None else body.encode(), headers)
    text = normalise(data.decode("utf-8", errors="replace"), ks, dc)
    fmt, parsed = parse_body(text)
    resp_headers = {k.lower(): normalise(v, ks, dc) for k, v in raw_headers if k.lower() not in VOLATILE_HEADERS}
    record = request_record(ex)
    record["status"] = status
    record["response_headers"] = sorted_json(resp_headers)
    record["response_format"] = fmt
    # Keys sorted; arrays keep Stargate's order (columns, fields and clustering order are meaningful).
    record["response"] = sorted_json(parsed)
    return record


def main(argv: list[str] | None = None) -> int:
    """Record every exchange into the JSON file (or --out)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--keyspace", help="keyspace to create (default: sgschema_<UTC time>)")
    ap.add_argument("--keep", action="store_true", help="leave the keyspaces on the node afterwards")
    args = ap.parse_args(argv)
    url = urlsplit(os.environ.get("STARGATE_URL", "http://127.0.0.41:8082"))
    token = os.environ.get("STARGATE_TOKEN") or fetch_token(
        os.environ.get("STARGATE_AUTH_URL", f"http://{url.hostname}:8081/v1/auth")
    )
    now = datetime.now(UTC)
    ks = args.keyspace or "sgschema_" + now.strftime("%Y%m%d_%H%M%S")
    session = cql_session(os.environ.get("STARGATE_CQL", f"{url.hostname}:9042"))
    try:
        dc, cassandra_version = prepare(session, ks)
        time.sleep(1)  # let the REST API's schema cache see the new keyspaces
        wire = Wire(url.hostname or "", url.port or 80)
        records = [send(wire, ex, ks, dc, token) for ex in scenario.exchanges()]
        wire.close()
    finally:
        if not args.keep:
            for name in (ks, f"{ks}_simple"):
                session.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=60)
        session.cluster.shutdown()
    doc = {
        "stargate": STARGATE_VERSION,
        "cassandra": cassandra_version,
        "recorded": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "keyspaces": scenario.KEYSPACES,
        "schema": scenario.SCHEMA,
        "exchanges": records,
    }
    write_recording(doc, args.out, ks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
