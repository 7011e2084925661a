"""The rows engine: reads and writes on any served table, from a parsed request to awaited driver futures.

No HTTP here (that is `app.routes.rows`). A table's key shapes (read by each key prefix, insert, update, delete)
are prepared together when the table is first used or has changed; `where`, `fields` and `sort` shapes go through
the bounded `StatementCache`. Every value is bound.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from cassandra.query import UNSET_VALUE, BoundStatement, PreparedStatement

from app.db.database import Database, Listing, Page, Pages, Row
from app.exceptions import DatabaseError, RowsError
from app.rows import cql
from app.rows.catalog import Catalog, Column, Table
from app.rows.query import Condition, Order
from app.rows.statements import StatementCache
from app.rows.types import BadValue


@dataclass(frozen=True, slots=True)
class Consistency:
    read: int
    write: int
    serial: int


@dataclass(frozen=True, slots=True)
class WriteOptions:
    ttl: int | None = None
    timestamp: int | None = None
    if_not_exists: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """A read, ready to run: the statement, its values, and the identity its cursors are sealed to."""

    table: Table
    statement: PreparedStatement
    values: tuple[object, ...]
    compact_maps: bool

    @property
    def identity(self) -> str:
        digest = hashlib.sha256(f"{self.statement.query_string}\0{self.values!r}".encode()).hexdigest()[:32]
        return f"rows:{self.table.keyspace}.{self.table.name}:{digest}"


@dataclass(eq=False, slots=True)
class KeyShapes:
    """The statements every table needs, by key prefix length (reads and deletes) or key length (updates)."""

    select: dict[int, PreparedStatement]
    delete: dict[int, PreparedStatement]
    update: dict[int, PreparedStatement]
    insert: PreparedStatement | None


class RowsEngine:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        statements: StatementCache,
        consistency: Consistency,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.statements = statements
        self.consistency = consistency
        self._shaping: dict[int, asyncio.Future[KeyShapes]] = {}

    # ---- reads -----------------------------------------------------------------------------------------------

    async def query(
        self,
        table: Table,
        conditions: Sequence[Condition],
        *,
        columns: Sequence[Column] | None = None,
        order: Sequence[Order] = (),
        allow_filtering: bool = False,
        compact_maps: bool = True,
    ) -> Query:
        """The prepared read for these restrictions: a key shape when it is one, else a cached `where` shape."""
        values = tuple(v for c in conditions for v in c.values)
        if columns is None and not order and not allow_filtering and _is_key_prefix(table, conditions):
            shapes = await self.shapes(table)
            return Query(table, shapes.select[len(conditions)], values, compact_maps)
        text = cql.select(
            table, columns or list(table.columns.values()), conditions, order, allow_filtering=allow_filtering
        )
        statement = await self.statements.get(text, idempotent=True, consistency=self.consistency.read)
        return Query(table, statement, values, compact_maps)

    async def page(self, query: Query, *, page_size: int, paging_state: bytes | None) -> Page:
        page = await self._execute(query.statement.bind(query.values), page_size=page_size, paging_state=paging_state)
        encode = query.table.row_encoder(compact_maps=query.compact_maps)
        if encode is not None:
            page = Page([encode(row) for row in page.rows], page.paging_state)
        return page

    def listing(self, query: Query) -> Listing:
        """Every page of the query, for streaming."""
        encode = query.table.row_encoder(compact_maps=query.compact_maps)

        async def fetch(page_size: int, paging_state: bytes | None) -> Pages:
            pages = self.db.pages(query.statement.bind(query.values), page_size=page_size, paging_state=paging_state)
            try:
                async for page in pages:
                    yield page if encode is None else Page([encode(row) for row in page.rows], page.paging_state)
            except DatabaseError as exc:
                raise _as_request_error(exc) from None
            finally:
                await pages.aclose()

        return Listing(query.identity, fetch)

    # ---- writes ----------------------------------------------------------------------------------------------

    async def insert(
        self, table: Table, row: dict[str, Any], *, compact_maps: bool, options: WriteOptions
    ) -> Row | None:
        """Insert (an upsert, as in CQL). With `if_not_exists`, the existing row when one was there, else None."""
        if table.is_counter_table:
            raise RowsError(
                400, f"Table '{table.name}' has counter columns: write them with PUT or PATCH", "counter_table"
            )
        values = self._row_values(table, row, compact_maps=compact_maps, action="create")
        missing = [c.name for c in table.primary_key if values[c.name] is UNSET_VALUE or values[c.name] is None]
        if missing and not options.if_not_exists and self._statics_only(table, values, missing):
            statics = [c for c in table.columns.values() if c.kind == "static"]
            statement = await self.statements.get(
                cql.insert_static(table), idempotent=True, consistency=self.consistency.write
            )
            bound = [values[c.name] for c in (*table.partition_key, *statics)]
            await self._execute(statement.bind([*bound, _unset(options.ttl), _unset(options.timestamp)]))
            return None
        if missing:
            raise RowsError(
                400, f"Invalid path for row to create, problem: missing primary key column(s) {missing}", "bad_row"
            )
        ordered = [values[name] for name in table.columns]
        if options.if_not_exists:
            if options.timestamp is not None:
                raise RowsError(400, "'timestamp' cannot be combined with 'ifNotExists'", "bad_write_option")
            statement = await self.statements.get(
                cql.insert(table, if_not_exists=True),
                idempotent=False,
                consistency=self.consistency.write,
                serial=self.consistency.serial,
            )
            page = await self._execute(statement.bind([*ordered, _unset(options.ttl)]))
            result = page.rows[0] if page.rows else {"[applied]": True}
            if result.get("[applied]", True):
                return None
            existing = {k: v for k, v in result.items() if k != "[applied]"}
            encode = table.row_encoder(compact_maps=compact_maps)
            return encode(existing) if encode is not None else existing
        shapes = await self.shapes(table)
        assert shapes.insert is not None
        await self._execute(shapes.insert.bind([*ordered, _unset(options.ttl), _unset(options.timestamp)]))
        return None

    async def update(
        self,
        table: Table,
        key: Sequence[Condition],
        changes: dict[str, Any],
        *,
        compact_maps: bool,
        options: WriteOptions,
    ) -> None:
        """PUT and PATCH (identical in Stargate): set the given columns of the row (or partition) at the key."""
        shapes = await self.shapes(table)
        statement = shapes.update.get(len(key))
        settable = cql.updatable(table, len(key))
        if statement is None or not settable:
            what = "non-key columns" if len(key) == len(table.primary_key) else "static columns"
            raise RowsError(
                400,
                f"Invalid path for row to update, problem: table '{table.name}' has no {what} to set under a key of "
                f"{len(key)} value(s) (its primary key has {len(table.primary_key)})",
                "bad_key",
            )
        if not changes:
            raise RowsError(400, "Invalid path for row to update, problem: the body sets no columns", "bad_row")
        for name in changes:
            column = _column(table, name, "update")
            problem = None
            if column.is_key:
                problem = f"primary key column '{name}' cannot be set"
            elif column not in settable:
                problem = f"column '{name}' is not static: give the full primary key"
            if problem:
                raise RowsError(400, f"Invalid path for row to update, problem: {problem}", "bad_row")
        values = self._row_values(table, changes, compact_maps=compact_maps, action="update")
        bound: list[object] = []
        if not table.is_counter_table:
            bound += [_unset(options.ttl), _unset(options.timestamp)]
        elif options.ttl is not None or options.timestamp is not None:
            raise RowsError(400, "counter columns take no 'ttl' or 'timestamp'", "bad_write_option")
        bound += [values[c.name] for c in settable]
        bound += [v for c in key for v in c.values]
        await self._execute(statement.bind(bound))

    async def delete(self, table: Table, key: Sequence[Condition]) -> None:
        shapes = await self.shapes(table)
        await self._execute(shapes.delete[len(key)].bind([v for c in key for v in c.values]))

    @staticmethod
    def _statics_only(table: Table, values: dict[str, object], missing: list[str]) -> bool:
        """A body with the partition key and static columns only: it writes the partition's statics, no row."""
        clustering = {c.name for c in table.clustering}
        given = {name for name, value in values.items() if value is not UNSET_VALUE}
        statics = {c.name for c in table.columns.values() if c.kind == "static"}
        return (
            bool(statics & given)
            and set(missing) <= clustering
            and given <= statics | {c.name for c in table.partition_key}
        )

    def _row_values(self, table: Table, row: dict[str, Any], *, compact_maps: bool, action: str) -> dict[str, object]:
        """Every column's value to bind: decoded from the body, or unset (written as nothing) when absent."""
        values: dict[str, object] = dict.fromkeys(table.columns, UNSET_VALUE)
        for name, value in row.items():
            column = _column(table, name, action)
            try:
                values[name] = column.decode(value, compact_maps=compact_maps)
            except BadValue as exc:
                raise RowsError(
                    400,
                    f"Invalid path for row to {action}, problem: Failed to deserialize field '{table.name}.{name}', "
                    f"problem: {exc}",
                    "bad_value",
                ) from None
        return values

    # ---- statements ------------------------------------------------------------------------------------------

    async def shapes(self, table: Table) -> KeyShapes:
        """The table's key shapes, prepared once per description of the table (in parallel, off the loop)."""
        shapes = table.prepared.get("shapes")
        if isinstance(shapes, KeyShapes):
            return shapes
        pending = self._shaping.get(id(table))
        if pending is not None:
            return await asyncio.shield(pending)
        done: asyncio.Future[KeyShapes] = asyncio.get_running_loop().create_future()
        self._shaping[id(table)] = done
        try:
            shapes = await self._prepare_shapes(table)
        except BaseException as exc:
            done.set_exception(exc)
            done.exception()
            raise
        finally:
            del self._shaping[id(table)]
        table.prepared["shapes"] = shapes
        done.set_result(shapes)
        return shapes

    async def _prepare_shapes(self, table: Table) -> KeyShapes:
        keys = len(table.primary_key)
        partition = len(table.partition_key)
        texts: dict[tuple[str, int], str] = {}
        for length in [0, *range(partition, keys + 1)]:
            conditions = [Condition(c, "=", ()) for c in table.primary_key[:length]]
            texts[("select", length)] = cql.select(table, list(table.columns.values()), conditions)
        for length in range(partition, keys + 1):
            texts[("delete", length)] = cql.delete(table, length)
        for length in {partition, keys}:
            if cql.updatable(table, length):
                texts[("update", length)] = cql.update(table, length)
        if not table.is_counter_table:
            texts[("insert", 0)] = cql.insert(table)
        prepared: dict[tuple[str, int], PreparedStatement] = {}

        async def prepare(key: tuple[str, int], text: str) -> None:
            statement = await anyio.to_thread.run_sync(self.statements.prepare_blocking, text)
            kind = key[0]
            statement.is_idempotent = not (kind == "update" and table.is_counter_table)
            statement.consistency_level = self.consistency.read if kind == "select" else self.consistency.write
            prepared[key] = statement

        async with anyio.create_task_group() as group:
            for key, text in texts.items():
                group.start_soon(prepare, key, text)
        return KeyShapes(
            select={n: s for (kind, n), s in prepared.items() if kind == "select"},
            delete={n: s for (kind, n), s in prepared.items() if kind == "delete"},
            update={n: s for (kind, n), s in prepared.items() if kind == "update"},
            insert=prepared.get(("insert", 0)),
        )

    async def _execute(
        self, statement: BoundStatement, *, page_size: int | None = None, paging_state: bytes | None = None
    ) -> Page:
        try:
            return await self.db.execute(statement, page_size=page_size, paging_state=paging_state)
        except DatabaseError as exc:
            raise _as_request_error(exc) from None


def _column(table: Table, name: str, action: str) -> Column:
    """A body's column, or Stargate's 400 for an unknown one (prefixed with what the request was doing)."""
    try:
        return table.column(name)
    except RowsError as exc:
        raise RowsError(400, f"Invalid path for row to {action}, problem: {exc.description}", exc.error) from None


def _is_key_prefix(table: Table, conditions: Sequence[Condition]) -> bool:
    """`pk = ? AND ... AND ckN = ?` in key order: the shape of a key path (or no restriction at all)."""
    if not conditions:
        return True
    if len(conditions) < len(table.partition_key) or len(conditions) > len(table.primary_key):
        return False
    return all(c.op == "=" and c.column is k for c, k in zip(conditions, table.primary_key, strict=False))


def _unset(value: int | None) -> object:
    return UNSET_VALUE if value is None else value


def _as_request_error(exc: DatabaseError) -> Exception:
    """Cassandra refusing a statement is the client's 400 here (Stargate's INVALID_ARGUMENT); the rest stays."""
    if exc.error == "database_invalid_request":
        return RowsError(400, exc.detail, "invalid_query")
    return exc
