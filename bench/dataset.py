"""The benchmark's own keyspace and rows: one partition of 1,000,000 plants, one of 100,000, point-read animals.

Loaded with the driver's concurrent execution and only when missing, so a second run starts measuring at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent
from cassandra.query import BatchStatement, BatchType, PreparedStatement

from app.config import Settings, load_settings
from app.db.cluster import connect
from app.db.schema import apply_schema
from app.db.statements import CQL

KEYSPACE = "bench"
MILLION = "Million"  # genus of the 1,000,000-plant partition
HUNDRED_K = "Hundredk"
ONE = "One"  # a one-row partition: the time-to-first-byte reference
POINT = "Point"  # genus of the animals read by key
POINT_KEYS = 10_000
WRITE = "Write"  # genus the write benchmark upserts into
SIZES = {MILLION: 1_000_000, HUNDRED_K: 100_000, ONE: 1}
BATCH = 100  # rows per unlogged batch: ~3 KB, under the 5 KB batch-size warning


def species(i: int) -> str:
    return f"s{i:07d}"


def settings() -> Settings:
    return load_settings(cassandra_keyspace=KEYSPACE, request_timeout=60)


def _complete(session: Session, select: PreparedStatement, genus: str, count: int) -> bool:
    """A partition counts as loaded when sampled keys and the last one are there (cheaper than counting)."""
    probes = {*range(0, count, max(1, count // 20)), count - 1}
    return all(session.execute(select, (genus, species(i))).one() is not None for i in probes)


def _load_partition(session: Session, statement: PreparedStatement, rows: Sequence[tuple[object, ...]]) -> None:
    """Unlogged batches of BATCH rows of one partition (one mutation each for Cassandra), run concurrently."""

    def batches() -> Iterator[tuple[BatchStatement, tuple[()]]]:
        for start in range(0, len(rows), BATCH):
            batch = BatchStatement(batch_type=BatchType.UNLOGGED)
            for values in rows[start : start + BATCH]:
                batch.add(statement, values)
            yield batch, ()

    execute_concurrent(session, batches(), concurrency=32, raise_on_first_error=True)


def load(log: bool = True, active: Settings | None = None, partitions: dict[str, int] = SIZES) -> None:
    """Into our node by default; `active` points it elsewhere (the Stargate peer gets a subset of `partitions`)."""
    active = active or settings()
    cluster, session = connect(active)
    try:
        apply_schema(session, active, keyspace=KEYSPACE, sample_data=False)
        plant = session.prepare(CQL["upsert_plant"])
        select_plant = session.prepare(CQL["select_plant"])
        for genus, count in partitions.items():
            if _complete(session, select_plant, genus, count):
                continue
            started = time.monotonic()
            _load_partition(session, plant, [(genus, species(i), i % 1000) for i in range(count)])
            if log:
                print(f"==> loaded {count:,} plants into {genus} in {time.monotonic() - started:.0f} s", flush=True)
        animal = session.prepare(CQL["upsert_animal"])
        if not _complete(session, session.prepare(CQL["select_animal"]), POINT, POINT_KEYS):
            rows_a = [
                (POINT, species(i), f"https://example.org/{i}.jpg", 4.8, i, ["Arthropoda", "Insecta"])
                for i in range(POINT_KEYS)
            ]
            _load_partition(session, animal, rows_a)
    finally:
        cluster.shutdown()


def load_points(active: Settings) -> None:
    """The Point animals only, into `active`'s own keyspace (the Astra stand-in's, made by its console step): what
    the point-read benchmark over TLS reads. Tables as `schema/` has them; no keyspace is created on Astra."""
    cluster, session = connect(active, keyspace=active.keyspace)
    try:
        apply_schema(session, active, sample_data=False)
        animal = session.prepare(CQL["upsert_animal"])
        if not _complete(session, session.prepare(CQL["select_animal"]), POINT, POINT_KEYS):
            rows = [
                (POINT, species(i), f"https://example.org/{i}.jpg", 4.8, i, ["Arthropoda", "Insecta"])
                for i in range(POINT_KEYS)
            ]
            _load_partition(session, animal, rows)
    finally:
        cluster.shutdown()


if __name__ == "__main__":
    load()
