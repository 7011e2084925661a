"""Issue 22 item 5, a measured prototype and nothing more: the rows engine's reads executed through acsylla (the
ScyllaDB/DataStax C++ driver) behind the `Database` seam. Not shipped; no setting selects it.

`python -m bench.targets.native [--reads 2000] [--rounds 8]`: one process, the service's own engine (catalog, key
shapes, statements prepared by cassandra-driver), a rows point read by full key (and a 1,000-row page, a tenth as
many) done once through `Database.execute_rows` and once through `NativeRows.execute_rows`, rounds alternating;
prints CPU per read. The two give the same bytes for the benchmark's tables (checked by hand, not by a test).

What it skips that a real seam would need: the values come back as acsylla gives them (no codec parity check), the
in-flight bound, the request timeout, error mapping and refusals are not there, and the engine's statements are
bound by cassandra-driver first and decoded back to Python values for acsylla.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from typing import Any

import uvloop
from asgi_lifespan import LifespanManager

from app.config import load_settings
from app.db.database import Database, RawPage
from app.encoding import dumps
from app.main import create_app
from app.rows.query import key_conditions
from bench import dataset
from bench.harness.service import PAGE_STATE_SECRET


class NativeRows(Database):
    """`execute_rows` through an acsylla session; everything else of the seam is the wrapped `Database`'s."""

    def __init__(self, db: Database, session: Any) -> None:
        self.__dict__.update(db.__dict__)
        self._native = session
        self._prepared: dict[bytes, Any] = {}

    async def execute_rows(
        self, statement: Any, *, page_size: int | None = None, paging_state: bytes | None = None
    ) -> RawPage:
        prepared = statement.prepared_statement
        native = self._prepared.get(prepared.query_id)
        if native is None:
            native = self._prepared[prepared.query_id] = await self._native.create_prepared(prepared.query_string)
        values = [
            None if raw is None else spec.type.deserialize(raw, 4)
            for raw, spec in zip(statement.values, prepared.column_metadata, strict=True)
        ]
        result = await self._native.execute(native.bind(values, page_size=page_size, page_state=paging_state))
        state = result.page_state() if result.has_more_pages() else None
        return RawPage([row.as_tuple() for row in result.all()], state)


async def main(reads: int, rounds: int, concurrency: int = 16) -> None:
    import acsylla

    settings = load_settings(cassandra_keyspace=dataset.KEYSPACE, page_state_secret=PAGE_STATE_SECRET)
    cluster = acsylla.create_cluster(["127.0.0.1"], port=9042, request_timeout=10)
    native = await cluster.create_session(keyspace=dataset.KEYSPACE)
    async with LifespanManager(create_app(settings)) as manager:
        engine = manager._state["backend"].engine
        sides = {"cassandra-driver": engine, "acsylla": engine.as_caller(NativeRows(engine.db, native))}
        animals = await engine.catalog.table(dataset.KEYSPACE, "animals")
        plants = await engine.catalog.table(dataset.KEYSPACE, "plants")
        works = {
            "rows point read": (
                animals,
                lambda i: [dataset.POINT, dataset.species(i % dataset.POINT_KEYS)],
                100,
                reads,
            ),
            "1,000-row page": (plants, lambda i: [dataset.HUNDRED_K], 1000, reads // 10),
        }
        for work, (table, key, size, count) in works.items():

            async def worker(side: Any, first: int) -> None:
                for i in range(first, count, concurrency):  # noqa: B023 -- awaited within its own iteration
                    query = await side.query(table, key_conditions(key(i), table, action="find"))  # noqa: B023
                    page = await side.page(query, page_size=size, paging_state=None)  # noqa: B023
                    dumps({"count": len(page.rows), "data": page.rows})

            spent: dict[str, list[float]] = {name: [] for name in sides}
            for round_ in range(rounds + 1):
                for name in sides if round_ % 2 == 0 else list(sides)[::-1]:
                    started = time.process_time()
                    await asyncio.gather(*(worker(sides[name], k) for k in range(concurrency)))
                    if round_:  # the first round warms both
                        spent[name].append((time.process_time() - started) * 1000 / count)
            for name, runs in spent.items():
                print(f"{name}: {work}, min {min(runs):.3f} median {statistics.median(runs):.3f} ms CPU per read")
    await native.close()


if __name__ == "__main__":
    args = dict(zip(sys.argv[1::2], sys.argv[2::2], strict=False))
    uvloop.run(main(int(args.get("--reads", 2000)), int(args.get("--rounds", 8))))
