"""Writes of many rows grouped by partition, each group sent as one UNLOGGED batch of the bound statements.

Sending 100 rows as 100 requests costs a driver request, a reply and a future each; as 10 batches of one partition
each it costs 10. A batch whose statements all fall in one partition is one mutation: Cassandra applies it
atomically and in isolation, and does not warn about its size (`batch_size_warn_threshold` counts only batches over
several partitions). Each batch is still bounded: at most `BatchLimits.rows` statements and `BatchLimits.bytes` of
bound values (WRITE_BATCH_MAX_ROWS, WRITE_BATCH_MAX_BYTES).

What a caller sees stays what one write per row gave, except that a database failure (a timeout, an unavailable
replica, a refused role) fails every row of its batch:
- a batch Cassandra refused as invalid (its 400: one bad row) wrote nothing, so its rows are sent again one at a
  time and only the bad one fails;
- a row is never batched with an earlier write of the same primary key (nor, when it sets a static column, with an
  earlier write of the partition's statics): the rows of one batch share one write timestamp, and the later
  document must win as it does when sent after the other, not the greater value;
- `ordered` groups only consecutive rows of one partition and sends the groups one after another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, Protocol

import anyio
from cassandra.query import UNSET_VALUE, BoundStatement, PreparedStatement

from app.exceptions import RowsError, ServiceError
from app.rows.catalog import Table

if TYPE_CHECKING:
    from app.config import Settings

ROWS = 100  # the defaults of WRITE_BATCH_MAX_ROWS and WRITE_BATCH_MAX_BYTES (app.config)
BYTES = 1024 * 1024


class Writer(Protocol):
    """What sends a group: `RowsEngine.write_batch` (or its caller's view)."""

    async def write_batch(self, statements: Sequence[BoundStatement]) -> None: ...


@dataclass(frozen=True, slots=True)
class BatchLimits:
    rows: int = ROWS
    bytes: int = BYTES

    @classmethod
    def of(cls, settings: Settings) -> BatchLimits:
        return cls(settings.write_batch_max_rows, settings.write_batch_max_bytes)


@dataclass(frozen=True, slots=True)
class RowKeys:
    """Where a prepared write's partition key, primary key and static columns sit among its bind markers."""

    partition: tuple[int, ...]
    primary: tuple[int, ...]
    statics: tuple[int, ...]

    @classmethod
    def of(cls, table: Table, statement: PreparedStatement) -> RowKeys:
        where = {spec.name: i for i, spec in enumerate(statement.column_metadata or ())}
        return cls(
            tuple(where[c.name] for c in table.partition_key),
            tuple(where[c.name] for c in table.primary_key if c.name in where),
            tuple(where[c.name] for c in table.columns.values() if c.kind == "static" and c.name in where),
        )


class Pending(NamedTuple):
    """One bound row write, numbered by its caller (a document's index, a line's number). A tuple: one is made per
    row, on the hot path of a bulk write."""

    number: int
    statement: BoundStatement
    partition: tuple[object, ...]
    conflicts: tuple[tuple[object, ...], ...]  # what no other row of its batch may also write
    size: int

    @classmethod
    def of(cls, number: int, statement: BoundStatement, keys: RowKeys) -> Pending:
        values = statement.values
        value = values.__getitem__
        partition = tuple(map(value, keys.partition))
        conflicts: tuple[tuple[object, ...], ...] = (tuple(map(value, keys.primary)),)
        if keys.statics and [i for i in keys.statics if values[i] is not UNSET_VALUE]:
            conflicts += (("static", *partition),)  # a key is bytes: never "static"
        return cls(number, statement, partition, conflicts, sum([len(v) for v in values if v.__class__ is bytes]))


@dataclass(slots=True)
class _Group:
    partition: tuple[object, ...]
    rows: list[Pending] = field(default_factory=list)
    size: int = 0
    written: set[tuple[object, ...]] = field(default_factory=set)

    def takes(self, row: Pending, limits: BatchLimits) -> bool:
        if row.partition != self.partition or len(self.rows) >= limits.rows or self.size + row.size > limits.bytes:
            return False
        written = self.written
        for conflict in row.conflicts:  # noqa: SIM110 -- once per row: a loop, not a generator for any()
            if conflict in written:
                return False
        return True

    def add(self, row: Pending) -> None:
        self.rows.append(row)
        self.size += row.size
        self.written.update(row.conflicts)


def plan(rows: Sequence[Pending], limits: BatchLimits, *, ordered: bool) -> list[list[Pending]]:
    """The batches, in the order of their first row: unordered, every row of a partition with the others of it;
    ordered, only runs of consecutive rows of one partition. A row over the limits alone is a batch of one."""
    groups: list[_Group] = []
    open_groups: dict[tuple[object, ...], _Group] = {}
    for row in rows:
        group = (groups[-1] if groups else None) if ordered else open_groups.get(row.partition)
        if group is None or not group.takes(row, limits):
            group = _Group(row.partition)
            groups.append(group)
            open_groups[row.partition] = group
        group.add(row)
    return [group.rows for group in groups]


async def write(writer: Writer, group: Sequence[Pending], *, ordered: bool) -> list[Exception | None]:
    """The outcome of each row of one group, in its order (shorter when `ordered` stopped at a failure)."""
    try:
        await writer.write_batch([row.statement for row in group])
    except RowsError as exc:  # Cassandra refused the batch as invalid: nothing was written; find the bad rows
        if len(group) == 1:
            return [exc]
        return await _one_by_one(writer, group, ordered=ordered)
    except ServiceError as exc:
        return [exc] * len(group)
    return [None] * len(group)


async def _one_by_one(writer: Writer, group: Sequence[Pending], *, ordered: bool) -> list[Exception | None]:
    outcomes: list[Exception | None] = []
    for row in group:
        try:
            await writer.write_batch([row.statement])
        except ServiceError as exc:
            outcomes.append(exc)
            if ordered:
                break
        else:
            outcomes.append(None)
    return outcomes


async def write_all(
    writer: Writer, groups: Sequence[Sequence[Pending]], *, ordered: bool, concurrency: int
) -> dict[int, Exception | None]:
    """Every group's rows' outcomes by their number. Ordered: one group after another, none after a failure (the
    rows not sent are absent). Unordered: at most `concurrency` groups in flight, started in order."""
    outcomes: dict[int, Exception | None] = {}
    if ordered:
        for group in groups:
            results = await write(writer, group, ordered=True)
            outcomes.update((row.number, result) for row, result in zip(group, results, strict=False))
            if len(results) < len(group) or any(result is not None for result in results):
                break
        return outcomes
    gate = anyio.Semaphore(concurrency)

    async def one(group: Sequence[Pending]) -> None:
        async with gate:
            results = await write(writer, group, ordered=False)
        outcomes.update((row.number, result) for row, result in zip(group, results, strict=True))

    async with anyio.create_task_group() as tasks:
        for group in groups:
            tasks.start_soon(one, group)
    return outcomes
