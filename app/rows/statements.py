"""Prepared statements for the rows API, keyed by their CQL text: prepared once, off the event loop, in a bounded
cache, with hits, misses and evictions in /metrics.

`Session.prepare` blocks until every node answered, so it runs in a worker thread; concurrent requests for the
same new shape wait on one preparation instead of each starting their own.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

import anyio
from cassandra.query import PreparedStatement

from app.db.errors import map_driver_error
from app.exceptions import RowsError
from app.metrics import ROWS_STATEMENTS, ROWS_STATEMENTS_CACHED


class StatementCache:
    def __init__(self, session: Any, *, capacity: int) -> None:
        self._session = session
        self.capacity = capacity
        self._ready: OrderedDict[str, PreparedStatement] = OrderedDict()
        self._pending: dict[str, asyncio.Future[PreparedStatement]] = {}
        self._hit = ROWS_STATEMENTS.labels("hit")
        self._miss = ROWS_STATEMENTS.labels("miss")
        self._evicted = ROWS_STATEMENTS.labels("evicted")

    def __len__(self) -> int:
        return len(self._ready)

    async def get(
        self, cql: str, *, idempotent: bool, consistency: int, serial: int | None = None
    ) -> PreparedStatement:
        ready = self._ready.get(cql)
        if ready is not None:
            self._ready.move_to_end(cql)
            self._hit.inc()
            return ready
        pending = self._pending.get(cql)
        if pending is not None:
            self._hit.inc()
            return await asyncio.shield(pending)
        self._miss.inc()
        done: asyncio.Future[PreparedStatement] = asyncio.get_running_loop().create_future()
        self._pending[cql] = done
        try:
            statement = await anyio.to_thread.run_sync(self.prepare_blocking, cql)
        except BaseException as exc:
            done.set_exception(exc)
            done.exception()  # retrieved: the waiters re-raise it, nobody else must report it
            raise
        finally:
            del self._pending[cql]
        statement.is_idempotent = idempotent
        statement.consistency_level = consistency
        if serial is not None:
            statement.serial_consistency_level = serial
        self._ready[cql] = statement
        while len(self._ready) > self.capacity:
            self._ready.popitem(last=False)
            self._evicted.inc()
        ROWS_STATEMENTS_CACHED.set(len(self._ready))
        done.set_result(statement)
        return statement

    def prepare_blocking(self, cql: str) -> PreparedStatement:
        """`Session.prepare`, with its failures mapped: run it in a worker thread, never on the loop."""
        try:
            return self._session.prepare(cql)
        except Exception as exc:
            mapped = map_driver_error(exc)
            if mapped.error == "database_invalid_request":
                # Cassandra refused the statement itself: the request was wrong, not the database.
                raise RowsError(400, mapped.detail, "invalid_query") from None
            raise mapped from exc
