"""The rows engine: reads and writes on any served table, from a parsed request to awaited driver futures.

No HTTP here (that is `app.routes.stargate`). A table's key shapes (read by each key prefix, insert, update, delete)
are prepared together when the table is first used or has changed, for at most KEY_SHAPE_TABLES tables at a time;
`where`, `fields` and `sort` shapes go through the bounded `StatementCache`, in one canonical text per logical
query. Every value is bound, and a value the driver cannot bind is the client's 400. A JSON page stops at
MAX_PAGE_BYTES as it does at its row count (`app.rows.page_bytes`).
"""

from __future__ import annotations

import copy
import hashlib
import re
import struct
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from cassandra.query import UNSET_VALUE, BoundStatement, PreparedStatement

from app.db.database import Database, Listing, Page, Pages, RawPage, Row
from app.exceptions import DatabaseError, RowsError
from app.metrics import PAGES_FETCHED
from app.rows import cql
from app.rows.catalog import Catalog, Column, Table
from app.rows.page_bytes import RowWidth
from app.rows.page_encoder import Build, rows_builder
from app.rows.query import DEFAULT_LIMITS, Condition, Order, QueryLimits, canonical
from app.rows.statements import KeyShapes, StatementCache
from app.singleflight import SingleFlight

MAX_PAGE_BYTES = 4 * 1024 * 1024  # the defaults of MAX_PAGE_BYTES and KEY_SHAPE_TABLES (app.config)
KEY_SHAPE_TABLES = 256
# What `BoundStatement.bind` raises for a value it cannot serialise (the driver wraps some in TypeError).
BIND_ERRORS = (ValueError, TypeError, UnicodeError, OverflowError, struct.error, OSError)


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
    width: RowWidth
    projection: tuple[str, ...] | None = None  # the client's `fields` order, when not the table's
    selected: tuple[str, ...] = ()  # the statement's columns, in its order (the table's when empty)

    @property
    def build(self) -> Build:
        """The driver's tuples of this read as the face's rows: encoded, in the client's order."""
        selected = self.selected or self.table.names
        output = self.projection or selected
        return rows_builder(self.table, selected, output, compact_maps=self.compact_maps)

    @property
    def identity(self) -> str:
        digest = hashlib.sha256(f"{self.statement.query_string}\0{self.values!r}".encode()).hexdigest()[:32]
        return f"rows:{self.table.keyspace}.{self.table.name}:{digest}"


class RowsEngine:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        statements: StatementCache,
        consistency: Consistency,
        *,
        max_page_bytes: int = MAX_PAGE_BYTES,
        key_shape_tables: int = KEY_SHAPE_TABLES,
        limits: QueryLimits = DEFAULT_LIMITS,
    ) -> None:
        self.db = db
        self.limits = limits  # what one request's `where`, `sort` and bodies may hold
        self.catalog = catalog
        self.statements = statements
        self.consistency = consistency
        self.max_page_bytes = max_page_bytes
        self.key_shape_tables = key_shape_tables
        self._shaping: SingleFlight[Table, KeyShapes] = SingleFlight()
        # The tables whose key shapes are held, least recently used first.
        self._shaped: OrderedDict[tuple[str, str], Table] = OrderedDict()
        self._json_pages = PAGES_FETCHED.labels("rows_page")

    def as_caller(self, db: Database) -> RowsEngine:
        """This engine executing on `db` (a caller's view, `Database.on`): catalog, statement cache, key shapes and
        budget stay shared; only where statements run differs."""
        view = copy.copy(self)
        view.db = db
        return view

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
        """The prepared read for these restrictions: a key shape when it is one, else a cached `where` shape.

        One logical query is one CQL text: conditions in canonical order, columns in the table's order (the rows
        are put back in the client's `fields` order as they are read)."""
        conditions = canonical(table, conditions)
        values = tuple(v for c in conditions for v in c.values)
        if columns is None and not order and not allow_filtering and _is_key_prefix(table, conditions):
            shapes = await self.shapes(table)
            return Query(table, shapes.select[len(conditions)], values, compact_maps, table.width(table.names))
        asked = tuple(dict.fromkeys(c.name for c in columns)) if columns else table.names
        names = tuple(sorted(asked, key=table.positions.__getitem__))
        text = cql.select(table, [table.columns[n] for n in names], conditions, order, allow_filtering=allow_filtering)
        statement = await self.statements.get(text, idempotent=True, consistency=self.consistency.read)
        projection = asked if asked != names else None
        return Query(table, statement, values, compact_maps, table.width(names), projection, names)

    async def page(self, query: Query, *, page_size: int, paging_state: bytes | None) -> Page:
        """Up to `page_size` rows, and less when MAX_PAGE_BYTES is reached first: driver pages sized from the
        row width, stopping after the one that reaches the budget, whose paging state the cursor carries."""
        bound = bind_checked(query.statement, query.values)
        build = query.build
        rows: list[Row] = []
        spent = 0
        state = paging_state
        while True:
            size = query.width.rows_for(self.max_page_bytes - spent, cap=page_size - len(rows))
            page = await self._execute_rows(bound, page_size=size, paging_state=state)
            self._json_pages.inc()
            spent += query.width.measure(page.rows)
            rows += build(page.rows)
            state = page.paging_state
            room = self.max_page_bytes - spent
            if state is None or len(rows) >= page_size or room < query.width.per_row:
                break
        return Page(rows, state)

    def listing(self, query: Query) -> Listing:
        """Every page of the query, for streaming: each driver page at most the rows MAX_PAGE_BYTES holds."""
        bound = bind_checked(query.statement, query.values)
        build = query.build

        async def fetch(page_size: int, paging_state: bytes | None) -> Pages:
            state = paging_state
            try:
                while True:
                    size = query.width.rows_for(self.max_page_bytes, cap=page_size)
                    page = await self.db.execute_rows(bound, page_size=size, paging_state=state)
                    query.width.measure(page.rows)
                    yield Page(build(page.rows), page.paging_state)
                    if page.paging_state is None:
                        return
                    state = page.paging_state
            except DatabaseError as exc:
                raise _as_request_error(exc) from None

        return Listing(query.identity, fetch)

    # ---- writes ----------------------------------------------------------------------------------------------

    async def insert(
        self, table: Table, row: dict[str, Any], *, compact_maps: bool, options: WriteOptions
    ) -> Row | None:
        """Insert (an upsert, as in CQL). With `if_not_exists`, the existing row when one was there, else None."""
        if not options.if_not_exists:
            await self._execute(await self.bound_insert(table, row, compact_maps=compact_maps, options=options))
            return None
        values = self._insert_values(table, row, compact_maps=compact_maps)
        self._refuse_missing_key(table, values)
        if options.timestamp is not None:
            raise RowsError(400, "'timestamp' cannot be combined with 'ifNotExists'", "bad_write_option")
        statement = await self.statements.get(
            cql.insert(table, if_not_exists=True),
            idempotent=False,
            consistency=self.consistency.write,
            serial=self.consistency.serial,
        )
        ordered = [values[name] for name in table.columns]
        page = await self._execute(bind_checked(statement, [*ordered, _unset(options.ttl)]))
        result = page.rows[0] if page.rows else {"[applied]": True}
        if result.get("[applied]", True):
            return None
        existing = {k: v for k, v in result.items() if k != "[applied]"}
        encode = table.row_encoder(compact_maps=compact_maps)
        return encode(existing) if encode is not None else existing

    async def bound_insert(
        self, table: Table, row: dict[str, Any], *, compact_maps: bool, options: WriteOptions
    ) -> BoundStatement:
        """The unconditional insert a body makes, bound and not sent (`insert`, and `app.rows.batches` for a bulk
        ingest): a body of the partition key and static columns only writes the partition's statics."""
        values = self._insert_values(table, row, compact_maps=compact_maps)
        timing = [_unset(options.ttl), _unset(options.timestamp)]
        missing = [c.name for c in table.primary_key if values[c.name] is UNSET_VALUE or values[c.name] is None]
        if missing and self._statics_only(table, values, missing):
            statics = [c for c in table.columns.values() if c.kind == "static"]
            statement = await self.statements.get(
                cql.insert_static(table), idempotent=True, consistency=self.consistency.write
            )
            return bind_checked(statement, [*(values[c.name] for c in (*table.partition_key, *statics)), *timing])
        self._refuse_missing_key(table, values)
        shapes = await self.shapes(table)
        assert shapes.insert is not None
        return bind_checked(shapes.insert, [*(values[name] for name in table.columns), *timing])

    def _insert_values(self, table: Table, row: dict[str, Any], *, compact_maps: bool) -> dict[str, object]:
        if table.is_counter_table:
            raise RowsError(
                400, f"Table '{table.name}' has counter columns: write them with PUT or PATCH", "counter_table"
            )
        return self._row_values(table, row, compact_maps=compact_maps, action="create")

    @staticmethod
    def _refuse_missing_key(table: Table, values: dict[str, object]) -> None:
        missing = [c.name for c in table.primary_key if values[c.name] is UNSET_VALUE or values[c.name] is None]
        if missing:
            raise RowsError(
                400, f"Invalid path for row to create, problem: missing primary key column(s) {missing}", "bad_row"
            )

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
        await self._execute(bind_checked(statement, bound))

    async def delete(self, table: Table, key: Sequence[Condition]) -> None:
        shapes = await self.shapes(table)
        await self._execute(bind_checked(shapes.delete[len(key)], [v for c in key for v in c.values]))

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
            except ValueError as exc:  # BadValue, or a conversion the codec left unchecked (e.g. int() of 5,000 digits)
                raise RowsError(
                    400,
                    f"Invalid path for row to {action}, problem: Failed to deserialize field '{table.name}.{name}', "
                    f"problem: {exc}",
                    "bad_value",
                ) from None
        return values

    # ---- statements ------------------------------------------------------------------------------------------

    async def shapes(self, table: Table) -> KeyShapes:
        """The table's key shapes, prepared once per description of the table (together, off the loop), and
        held for the KEY_SHAPE_TABLES most recently used tables."""
        shapes = table.key_shapes
        if shapes is not None:
            key = (table.keyspace, table.name)
            if self._shaped.get(key) is table:
                self._shaped.move_to_end(key)
            return shapes
        return await self._shaping.run(table, lambda: self._prepare_shapes(table))

    async def _prepare_shapes(self, table: Table) -> KeyShapes:
        texts = _key_texts(table)
        self.statements.spend(len(texts))
        prepared: dict[tuple[str, int], PreparedStatement] = {}

        async def prepare(key: tuple[str, int], text: str) -> None:
            statement = await self.statements.prepare(text)
            kind = key[0]
            statement.is_idempotent = not (kind == "update" and table.is_counter_table)
            statement.consistency_level = self.consistency.read if kind == "select" else self.consistency.write
            prepared[key] = statement

        async with anyio.create_task_group() as group:
            for key, text in texts.items():
                group.start_soon(prepare, key, text)
        shapes = KeyShapes(
            select={n: s for (kind, n), s in prepared.items() if kind == "select"},
            delete={n: s for (kind, n), s in prepared.items() if kind == "delete"},
            update={n: s for (kind, n), s in prepared.items() if kind == "update"},
            insert=prepared.get(("insert", 0)),
        )
        self._hold(table, shapes)
        return shapes

    def _hold(self, table: Table, shapes: KeyShapes) -> None:
        """Keep the shapes on the table; forget those of the least recently used tables beyond KEY_SHAPE_TABLES."""
        table.key_shapes = shapes
        key = (table.keyspace, table.name)
        replaced = self._shaped.pop(key, None)
        if replaced is not None and replaced is not table:
            replaced.key_shapes = None  # an older description of the same table
        self._shaped[key] = table
        while len(self._shaped) > self.key_shape_tables:
            _, oldest = self._shaped.popitem(last=False)
            oldest.key_shapes = None

    async def write_batch(self, statements: Sequence[BoundStatement]) -> None:
        """Bound writes of one partition as one UNLOGGED batch (`app.rows.batches` groups them); one goes alone.
        Cassandra refusing it is a `RowsError` (400), as for any statement."""
        try:
            if len(statements) == 1:
                await self.db.execute(statements[0])
            else:
                await self.db.execute_batch(statements)
        except DatabaseError as exc:
            raise _as_request_error(exc) from None

    async def _execute(
        self, statement: BoundStatement, *, page_size: int | None = None, paging_state: bytes | None = None
    ) -> Page:
        try:
            return await self.db.execute(statement, page_size=page_size, paging_state=paging_state)
        except DatabaseError as exc:
            raise _as_request_error(exc) from None

    async def _execute_rows(self, statement: BoundStatement, *, page_size: int, paging_state: bytes | None) -> RawPage:
        try:
            return await self.db.execute_rows(statement, page_size=page_size, paging_state=paging_state)
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


def _key_texts(table: Table) -> dict[tuple[str, int], str]:
    """The CQL of a table's key shapes: a read and a delete per key prefix, an update per settable key, an insert."""
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
    return texts


def bind_checked(statement: PreparedStatement, values: Sequence[object]) -> BoundStatement:
    """The statement bound to a client's values; a value the driver cannot serialise is a 400 naming its column."""
    try:
        return statement.bind(values)
    except BIND_ERRORS as exc:
        column, reason = _unbindable(statement, values)
        if column is None:
            raise RowsError(400, f"Invalid value: {exc}", "bad_value") from None
        raise RowsError(400, f"Invalid value for column '{column}': {reason}", "bad_value") from None


def _unbindable(statement: PreparedStatement, values: Sequence[object]) -> tuple[str | None, str]:
    """Which bind marker's value failed, and why: the values serialised one by one (only once binding failed)."""
    for spec, value in zip(statement.column_metadata or (), values, strict=False):
        if value is None or value is UNSET_VALUE:
            continue
        try:
            spec.type.serialize(value, statement.protocol_version)
        except Exception as exc:
            return _marker_column(spec.name), str(exc)
    return None, ""


def _marker_column(name: str) -> str:
    """The column behind a bind marker's name: `in(v)`, `key(m)` and `value(m)` are column v or m."""
    found = re.fullmatch(r"(?:in|key|value)\((.+)\)", name)
    return found.group(1) if found else name


def _unset(value: int | None) -> object:
    return UNSET_VALUE if value is None else value


def _as_request_error(exc: DatabaseError) -> Exception:
    """Cassandra refusing a statement is the client's 400 here (Stargate's INVALID_ARGUMENT); the rest stays."""
    if exc.error == "database_invalid_request":
        return RowsError(400, exc.detail, "invalid_query")
    return exc
