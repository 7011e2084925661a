#!/usr/bin/env python3
"""scripts/cassandra_ring.py ADDRESS... [--timeout S]: wait until every node lists all the others in system.peers_v2.

Run by `scripts/cassandra wait` for a multi-node cluster, with the project's venv (it needs cassandra-driver).
A node answers CQL before gossip has told it about its neighbours: nodes started together on busy cores can each
believe they are alone for a while. A keyspace created then is created with one node's view, the driver has no
peers to wait for schema agreement from, and the next statement, sent to another node, finds no such keyspace.
Each node is asked alone (a white-list policy), since every node must know the whole ring.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import WhiteListRoundRobinPolicy


def peers_of(address: str) -> set[str]:
    """The peers one node knows, or none while it cannot be asked."""
    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([address]))
    cluster = Cluster(
        [address], protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile}, connect_timeout=5
    )
    try:
        session = cluster.connect()
        return {str(row.peer) for row in session.execute("SELECT peer FROM system.peers_v2")}
    except Exception:  # still starting, or busy: ask again
        return set()
    finally:
        cluster.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/cassandra_ring.py")
    parser.add_argument("addresses", nargs="+")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    logging.getLogger("cassandra").setLevel(logging.ERROR)  # connection retries are expected here
    started = time.monotonic()
    pending = set(args.addresses)
    while True:
        for address in sorted(pending):
            if set(args.addresses) - {address} <= peers_of(address):
                pending.discard(address)
        if not pending:
            print(f"==> every node lists the others as peers ({time.monotonic() - started:.1f} s after CQL)")
            return 0
        if time.monotonic() - started > args.timeout:
            print(
                f"scripts/cassandra_ring.py: {', '.join(sorted(pending))} did not see the whole ring within "
                f"{args.timeout:g} s",
                file=sys.stderr,
            )
            return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
