"""Record the scenario against the real Stargate: `python -m tests.rows.conformance.record`.

Environment: STARGATE_URL (http://127.0.0.41:8082), STARGATE_TOKEN (or STARGATE_AUTH_URL to fetch one),
STARGATE_CQL (127.0.0.41:9042; user cassandra/cassandra unless STARGATE_CQL_USER/STARGATE_CQL_PASSWORD).
Creates a fresh keyspace, applies SCHEMA and SEED over CQL, sends every exchange over plain http.client (so the
path goes out byte for byte, percent-encodings and all) and writes stargate-v2.0.51.json next to this file.
Not run by CI: CI cannot start Stargate.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from tests.rows.conformance.jsontext import dumps, loads, sorted_json
from tests.rows.conformance.scenario import BAD_TOKEN, SCHEMA, SEED, Exchange, exchanges

STARGATE_VERSION = os.environ.get("STARGATE_VERSION", "v2.0.51")
OUT = Path(__file__).with_name(f"stargate-{STARGATE_VERSION}.json")
# Response headers that change from run to run, or only describe the transfer.
VOLATILE_HEADERS = {"date", "content-length", "connection", "keep-alive", "transfer-encoding"}
VAR = re.compile(r"\$\{(\w+)\}")


def fetch_token(auth_url: str) -> str:
    """A fresh table-based auth token from Stargate's auth service."""
    u = urlsplit(auth_url)
    conn = http.client.HTTPConnection(u.hostname or "", u.port or 80, timeout=30)
    body = json.dumps({"username": "cassandra", "password": "cassandra"})
    conn.request("POST", u.path, body=body, headers={"content-type": "application/json"})
    resp = conn.getresponse()
    data = json.loads(resp.read())
    conn.close()
    return str(data["authToken"])


def cql_session(cql: str) -> Any:
    """A driver session on Stargate's CQL port (the embedded Cassandra behind the REST API)."""
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster

    host, _, port = cql.partition(":")
    auth = PlainTextAuthProvider(
        os.environ.get("STARGATE_CQL_USER", "cassandra"), os.environ.get("STARGATE_CQL_PASSWORD", "cassandra")
    )
    cluster = Cluster([host], port=int(port or 9042), auth_provider=auth, protocol_version=4)
    return cluster.connect()


def prepare_keyspace(session: Any, ks: str) -> str:
    """Create the keyspace, the schema and the seed rows; return Cassandra's release version."""
    session.execute(f"CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
    for stmt in SCHEMA:
        session.execute(stmt.format(ks=ks), timeout=60)
    for stmt in SEED:
        session.execute(stmt.format(ks=ks))
    row = session.execute("SELECT release_version FROM system.local").one()
    return str(row.release_version)


def query_string(query: dict[str, str], variables: dict[str, str]) -> str:
    """The query string as sent: values with ${var} filled in, every reserved character percent-encoded."""

    def fill(value: str) -> str:
        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in variables:
                raise KeyError(f"variable {m.group(1)} was not captured")
            return variables[m.group(1)]

        return VAR.sub(sub, value)

    return "&".join(f"{quote(k, safe='')}={quote(fill(v), safe='')}" for k, v in query.items())


def auth_headers(ex: Exchange, token: str) -> dict[str, str]:
    """The token header this exchange's auth mode asks for."""
    if ex.auth == "token":
        return {"X-Cassandra-Token": token}
    if ex.auth == "bad":
        return {"X-Cassandra-Token": BAD_TOKEN}
    return {}


def parse_body(text: str) -> tuple[str, Any]:
    """(format, value): parsed JSON, else the text itself; 'empty' for no body at all."""
    if text == "":
        return "empty", ""
    try:
        return "json", loads(text)
    except ValueError:
        return "text", text


def request_record(ex: Exchange) -> dict[str, Any]:
    """The request half of an exchange's record, in the recording's key order."""
    record: dict[str, Any] = {
        "name": ex.name,
        "note": ex.note,
        "method": ex.method,
        "path": ex.path,
        "query": sorted_json(ex.query),
        "headers": sorted_json(ex.request_headers()),
        "auth": ex.auth,
    }
    if ex.body is not None:
        record["body"] = sorted_json(ex.body)
    if ex.capture:
        record["capture"] = sorted_json(ex.capture)
    return record


class Wire:
    """One keep-alive HTTP connection, reopened whenever the server says it will close it (never a resend)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def send(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body) of one request; the target goes out byte for byte."""
        self.conn.request(method, target, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.will_close:
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return resp.status, resp.getheaders(), data

    def close(self) -> None:
        self.conn.close()


def send(wire: Wire, ex: Exchange, ks: str, token: str, variables: dict[str, str]) -> dict[str, Any]:
    """Send one exchange and return its recorded form; the keyspace name is written back as {ks}."""
    path = ex.path.replace("{ks}", ks)
    qs = query_string(ex.query, variables)
    target = f"{path}?{qs}" if qs else path
    headers = {**ex.request_headers(), **auth_headers(ex, token)}
    body = ex.body_text()
    status, raw_headers, data = wire.send(ex.method, target, None if body is None else body.encode(), headers)
    text = data.decode("utf-8", errors="replace").replace(ks, "{ks}")
    fmt, parsed = parse_body(text)
    for var, fieldname in ex.capture.items():
        if isinstance(parsed, dict) and isinstance(parsed.get(fieldname), str):
            variables[var] = parsed[fieldname]
        else:
            variables.pop(var, None)
    resp_headers = {k.lower(): v.replace(ks, "{ks}") for k, v in raw_headers if k.lower() not in VOLATILE_HEADERS}
    record = request_record(ex)
    record["status"] = status
    record["response_headers"] = sorted_json(resp_headers)
    record["response_format"] = fmt
    record["response"] = sorted_json(parsed)
    if ex.keep_text:
        record["response_text"] = text
    return record


def main(argv: list[str] | None = None) -> int:
    """Record every exchange into the JSON file (or --out)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--keyspace", help="keyspace to create (default: sgconf_<UTC time>)")
    args = ap.parse_args(argv)
    url = urlsplit(os.environ.get("STARGATE_URL", "http://127.0.0.41:8082"))
    token = os.environ.get("STARGATE_TOKEN") or fetch_token(
        os.environ.get("STARGATE_AUTH_URL", f"http://{url.hostname}:8081/v1/auth")
    )
    now = datetime.now(UTC)
    ks = args.keyspace or "sgconf_" + now.strftime("%Y%m%d_%H%M%S")
    session = cql_session(os.environ.get("STARGATE_CQL", f"{url.hostname}:9042"))
    cassandra_version = prepare_keyspace(session, ks)
    session.cluster.shutdown()
    time.sleep(1)  # let the REST API's schema cache see the new keyspace

    wire = Wire(url.hostname or "", url.port or 80)
    variables: dict[str, str] = {}
    records = [send(wire, ex, ks, token, variables) for ex in exchanges()]
    wire.close()
    doc = {
        "stargate": STARGATE_VERSION,
        "cassandra": cassandra_version,
        "recorded": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "schema": SCHEMA,
        "seed": SEED,
        "exchanges": records,
    }
    write_recording(doc, args.out, ks)
    return 0


def write_recording(doc: dict[str, Any], out: Path, keyspace: str) -> None:
    """The recording as JSON text, and a line counting its exchanges by status."""
    out.write_text(dumps(doc, indent=2) + "\n")
    statuses: dict[int, int] = {}
    for r in doc["exchanges"]:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    print(
        f"{len(doc['exchanges'])} exchanges into {out} (keyspace {keyspace}); statuses {dict(sorted(statuses.items()))}"
    )


if __name__ == "__main__":
    sys.exit(main())
