"""Prepared statements for the rows API, keyed by their CQL text: prepared once, off the event loop, in a bounded
cache, with hits, misses, refusals and evictions in /metrics.

A miss is client-triggered and costs a round trip to every node, so it goes through the process's
`ColdPathBudget`: a token (or a 503), one of its few worker threads, and, when Cassandra refuses the statement,
a place in its memory of refusals, answered from there for NEGATIVE_CACHE_SECONDS. Concurrent requests for the
same new shape share one preparation (`app.singleflight`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from cassandra.query import PreparedStatement

from app.db.errors import map_driver_error
from app.exceptions import RowsError
from app.metrics import ROWS_STATEMENTS, ROWS_STATEMENTS_CACHED
from app.rows.budget import ColdPathBudget
from app.singleflight import SingleFlight


@dataclass(eq=False, slots=True)
class KeyShapes:
    """The statements every table needs, by key prefix length (reads and deletes) or key length (updates)."""

    select: dict[int, PreparedStatement]
    delete: dict[int, PreparedStatement]
    update: dict[int, PreparedStatement]
    insert: PreparedStatement | None


class StatementCache:
    def __init__(self, session: Any, *, capacity: int, budget: ColdPathBudget | None = None) -> None:
        self._session = session
        self.capacity = capacity
        self.budget = budget if budget is not None else ColdPathBudget.default()
        self._ready: OrderedDict[str, PreparedStatement] = OrderedDict()
        self._flight: SingleFlight[str, PreparedStatement] = SingleFlight()
        self._hit = ROWS_STATEMENTS.labels("hit")
        self._miss = ROWS_STATEMENTS.labels("miss")
        self._refused = ROWS_STATEMENTS.labels("refused")  # answered from the memory of refusals
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
        refused = self.budget.refused.get(cql)
        if refused is not None:
            self._refused.inc()
            raise refused
        if self._flight.running(cql):
            self._hit.inc()
        else:
            self.budget.spend_prepare()
            self._miss.inc()

        async def produce() -> PreparedStatement:
            statement = await self.prepare(cql)
            statement.is_idempotent = idempotent
            statement.consistency_level = consistency
            if serial is not None:
                statement.serial_consistency_level = serial
            self._keep(cql, statement)
            return statement

        return await self._flight.run(cql, produce)

    def spend(self, count: int) -> None:
        """`count` preparations outside the cache (a table's key shapes): budgeted and counted as misses."""
        self.budget.spend_prepare(count)
        self._miss.inc(count)

    async def prepare(self, cql: str) -> PreparedStatement:
        """One preparation in the budget's worker threads; a refusal is remembered (for the key shapes too, which
        are prepared outside the cache but through here). The caller has spent the token."""
        try:
            return await self.budget.run(lambda: self._prepare_blocking(cql))
        except RowsError as exc:
            self.budget.refused.remember(cql, exc)
            raise

    def _keep(self, cql: str, statement: PreparedStatement) -> None:
        self._ready[cql] = statement
        while len(self._ready) > self.capacity:
            self._ready.popitem(last=False)
            self._evicted.inc()
        ROWS_STATEMENTS_CACHED.set(len(self._ready))

    def _prepare_blocking(self, cql: str) -> PreparedStatement:
        """`Session.prepare`, with its failures mapped: run it in a worker thread, never on the loop."""
        try:
            return self._session.prepare(cql)
        except Exception as exc:
            mapped = map_driver_error(exc)
            if mapped.error == "database_invalid_request":
                # Cassandra refused the statement itself: the request was wrong, not the database.
                raise RowsError(400, mapped.detail, "invalid_query") from None
            raise mapped from exc
