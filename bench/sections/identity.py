"""Pass-through identity priced against keys mode, in the same run, on an auth node of its own started the tests' way
(`tests/support/auth_node.py`, `cached=True`: 127.0.0.61, PasswordAuthenticator and CassandraAuthorizer with
Cassandra's default 2 s auth caches, as in production; AUTH_NODE_KEEP=1 reuses a running one and leaves it running):

- point reads through the rows API at c=64: keys mode (the service's own role), pass-through with one warm identity,
  and pass-through with IDENTITIES identities in rotation (every session cached before the measured runs); every
  variant once per round, ROUNDS rounds in a fresh random order, as the A/B groups (bench/sections/ab.py);
- what a new identity costs: `bench/tools/identity_cost.py --json` in a process of its own (time to first answer,
  CPU, RSS and threads added, one identity and IDENTITIES of them).

The targets (bench/report/identity.py): warm pass-through at most 10% more service CPU per read than keys mode;
IDENTITIES warm identities at most 20% more than one; a cached identity at most 2 MiB RSS and no thread of its own.
"""

from __future__ import annotations

import base64
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import orjson

from bench.harness.common import PYTHON, ROOT, log
from bench.harness.context import Context
from bench.harness.load import measure, wrk
from bench.harness.processes import process_cpu_s
from bench.harness.service import Service, start, stop
from bench.sections.ab import CONCURRENCY, ROUNDS, summary
from bench.tools.identity_cost import KEYSPACE, PASSWORD, make_roles
from tests.support.auth_node import SUPERUSER, connect_as, running_auth_node

IDENTITIES = 50
ROWS = 100  # the table's keys, read at random
KEYS = "keys mode (the service's role)"
ONE = "pass-through, 1 warm identity"
MANY = f"pass-through, {IDENTITIES} warm identities in rotation"
ROLES = {KEYS: "keys", ONE: "one", MANY: "many"}  # what bench/report/identity.py finds each row by


def token(username: str) -> str:
    encode = base64.b64encode
    return f"Cassandra:{encode(username.encode()).decode()}:{encode(PASSWORD.encode()).decode()}"


def run(ctx: Context) -> None:
    keep = os.environ.get("AUTH_NODE_KEEP")
    with running_auth_node(cached=True) as node:
        os.environ["AUTH_NODE_KEEP"] = "1"  # identity_cost's process reuses this node
        try:
            cluster, superuser = connect_as(node.address, *SUPERUSER)
            try:
                names = [c.username for c in make_roles(superuser, IDENTITIES + 1, rows=ROWS)]
            finally:
                cluster.shutdown()
            rows = reads(ctx, node.address, names, node_pid(node.home))
            cost = new_identity_cost()
        finally:
            if keep is None:
                os.environ.pop("AUTH_NODE_KEEP", None)
            else:
                os.environ["AUTH_NODE_KEEP"] = keep
    ctx.results["identity"] = {"reads": rows, "cost": cost, "node": node.address}


def reads(ctx: Context, address: str, names: list[str], node_pid: int | None) -> list[dict[str, Any]]:
    """The three variants, interleaved; each service's CPU per read over exactly its runs."""
    env = {
        "CASSANDRA_CONTACT_POINTS": address,
        "CASSANDRA_USERNAME": SUPERUSER[0],
        "CASSANDRA_PASSWORD": SUPERUSER[1],
        "CASSANDRA_KEYSPACE": KEYSPACE,
        "ROWS_KEYSPACES": KEYSPACE,
        "SAMPLE_API": "off",
        "INIT_SCHEMA_ON_STARTUP": "false",
        # the benchmark's one client address logs IDENTITIES + 1 roles in: not a flood
        "IDENTITY_LOGINS_PER_SECOND": "1000",
        "IDENTITY_LOGINS_PER_ADDRESS_PER_SECOND": "1000",
        "IDENTITY_SESSIONS": str(IDENTITIES + 10),
    }
    path = f"/v2/keyspaces/{KEYSPACE}/t"
    variants = {
        KEYS: ({"AUTH_MODE": "keys"}, []),
        ONE: ({"AUTH_MODE": "passthrough"}, [token(names[0])]),
        MANY: ({"AUTH_MODE": "passthrough"}, [token(name) for name in names[1:]]),
    }
    running: dict[str, Service] = {}
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    try:
        for index, (name, (mode, _tokens)) in enumerate(variants.items()):
            running[name] = start(name, "app.main:app", ctx.logs, tag=f"-identity{index}", **env, **mode)
        for name, service in running.items():  # every identity logged in and cached, the JITs of both sides warm
            load(service, path, variants[name][1], 4, 3)
            load(service, path, variants[name][1], CONCURRENCY, max(3.0, ctx.args.seconds))
        order = random.Random(19)
        for _ in range(ROUNDS):
            for name, service in order.sample(list(running.items()), len(running)):
                tokens = variants[name][1]
                rounds[name].append(
                    measure(
                        lambda s=service, t=tokens: load(s, path, t, CONCURRENCY, ctx.args.seconds),
                        service.cpu_seconds,
                        (lambda: process_cpu_s(node_pid)) if node_pid else None,
                    )
                )
    finally:
        stop(running.values())
    rows = [{**summary(name, runs), "role": ROLES[name]} for name, runs in rounds.items() if runs]
    for row in rows:
        log(f"identity: {row['variant']}: {row['rps']:.0f} req/s, {row['cpu_ms']:.3f} ms CPU/req (median)")
    return rows


def load(service: Service, path: str, tokens: list[str], concurrency: int, seconds: float) -> dict[str, float]:
    saved = {name: os.environ.get(name) for name in ("BENCH_TOKENS", "BENCH_PATH", "BENCH_ROWS")}
    os.environ.update(BENCH_TOKENS=",".join(tokens), BENCH_PATH=path, BENCH_ROWS=str(ROWS))
    try:
        return wrk(service.url, "identity_read.lua", concurrency, seconds)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def node_pid(home: Path) -> int | None:
    try:
        pid = int((home / "node1" / "pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def new_identity_cost() -> dict[str, Any]:
    """bench/tools/identity_cost.py in a process of its own (its RSS and threads are the service's alone)."""
    command = [
        PYTHON,
        "-m",
        "bench.tools.identity_cost",
        "--identities",
        str(IDENTITIES),
        "--clusters",
        "5",
        "--cached",
    ]
    out = subprocess.run([*command, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=900, check=True).stdout
    figures: dict[str, Any] = orjson.loads(out.strip().splitlines()[-1])
    for row in figures["rows"]:
        log(f"identity: {row['what']}: {row['rss_kib']:+.0f} KiB, {row['threads']:+d} threads")
    return figures
