"""`find` and `findOne` on a table: the rows engine's prepared statements and bound values, pages sealed with the
service's page-state codec, the Data API's projection schema and warnings.

A sort that follows the clustering order of one partition runs in CQL (ORDER BY, or nothing when it is the stored
order) and pages; any other sort reads at most DATA_API_MAX_SORT_ROWS rows and sorts them in memory, with the Data
API's warning, `sortedRowCount`, and no next page (as the Data API: data-api#1736)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.db.database import Page, Pages, Row
from app.routes.data_api import errors
from app.routes.data_api.command import Answer, Command, Spec, Warning
from app.routes.data_api.filters import Filter, filter_warnings, is_key_restriction, parse_filter
from app.routes.data_api.key_read import find_one_by_key
from app.routes.data_api.projection import Sort, parse_projection, parse_sort
from app.routes.data_api.target import field_invalid, known_fields, options_of, table_of
from app.routes.data_api.values import documents, row_writer, schema_of
from app.routes.data_api.vectors import vector_read
from app.rows.catalog import Column, Table
from app.rows.engine import Query, bind_checked
from app.rows.query import Order

FIELDS = frozenset({"filter", "projection", "sort", "options"})
FIND_OPTIONS = frozenset({"limit", "skip", "pageState", "includeSimilarity", "includeSortVector"})
FIND_ONE_OPTIONS = frozenset({"includeSimilarity", "includeSortVector"})
NO_LIMIT = 0xFFFFFFFF
_REMAINING = struct.Struct(">I")  # the rows a `limit` still allows, sealed with the driver's paging state


@dataclass(slots=True)
class Read:
    """One read, parsed: the table, its filter, the columns to answer and to select, the sort."""

    table: Table
    filter: Filter
    answered: list[Column]
    selected: list[Column]
    sort: Sort
    warnings: list[Warning]
    key_restriction: bool  # the key alone decides the rows: no ALLOW FILTERING


def parse_read(command: Command, table: Table) -> Read:
    settings = command.backend.settings
    parsed = parse_filter(
        table,
        command.options.get("filter"),
        max_properties=settings.data_api_max_filter_properties,
        max_in_values=settings.data_api_max_in_values,
    )
    answered = parse_projection(table, command.options.get("projection"))
    sort = parse_sort(table, command.options.get("sort"))
    needed = {c.name for c in answered} | {r.column.name for r in parsed.residuals}
    needed |= {c.name for c, _ in sort.columns}
    selected = [c for c in table.columns.values() if c.name in needed]
    key_restriction = is_key_restriction(table, parsed)
    warnings = filter_warnings(table, parsed, key_restriction=key_restriction)
    return Read(table, parsed, answered, selected, sort, warnings, key_restriction)


def _count(options: dict[str, Any], name: str) -> int | None:
    value = options.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise field_invalid(f"options.{name}", value, "must be a non-negative integer")
    return value


async def find(command: Command) -> Answer:
    known_fields(command, FIELDS)
    options = options_of(command, FIND_OPTIONS)
    table = await table_of(command)
    read = parse_read(command, table)
    limit, skip = _count(options, "limit"), _count(options, "skip")
    page_state = options.get("pageState")
    if page_state is not None and not isinstance(page_state, str):
        raise field_invalid("options.pageState", page_state, "must be a string")
    page_size = command.backend.settings.data_api_page_size
    status: dict[str, Any] = {}
    if read.sort.vector is not None:
        rows, extra = await vector_read(command, read.table, read, limit, options)
        data: dict[str, Any] = {"documents": rows, "nextPageState": None}
        return Answer(data, {**extra, "projectionSchema": schema_of(read.answered)}, read.warnings)
    order, sort_warning = cql_order(read)
    if sort_warning is not None or skip:
        if page_state:
            raise errors.error(
                "UNSUPPORTED_PAGINATION_WITH_IN_MEMORY_SORTING",
                "SORT",
                **errors.table_vars(table),
                partitionSorting=errors.names(c.name for c in table.clustering),
                sortColumns=errors.names(c.name for c, _ in read.sort.columns),
            )
        rows, sorted_count = await _sorted_in_memory(command, read, limit or page_size, skip or 0)
        if sort_warning is not None:
            read.warnings.append(sort_warning)
            status["sortedRowCount"] = sorted_count
        data = {"documents": documents(rows, read.answered), "nextPageState": None}
    else:
        query = await statement_for(command, read, order)
        rows, token = await _page(command, read, query, page_size, limit, page_state)
        data = {"documents": documents(rows, read.answered), "nextPageState": token}
    status["projectionSchema"] = schema_of(read.answered)
    return Answer(data, status, read.warnings)


async def find_one(command: Command) -> Answer:
    known_fields(command, FIELDS)
    options = options_of(command, FIND_ONE_OPTIONS)
    table = await table_of(command)
    by_key = await find_one_by_key(command, table)  # the plain read by full key, on the table's plan
    if by_key is not None:
        return by_key
    read = parse_read(command, table)
    status: dict[str, Any] = {}
    if read.sort.vector is not None:
        rows, extra = await vector_read(command, table, read, 1, options)
        status.update(extra)
        document = rows[0] if rows else None
    else:
        order, sort_warning = cql_order(read)
        if sort_warning is not None:
            found, sorted_count = await _sorted_in_memory(command, read, 1, 0)
            read.warnings.append(sort_warning)
            status["sortedRowCount"] = sorted_count
        else:
            found, _ = await _page(command, read, await statement_for(command, read, order), 1, 1, None)
        document = documents(found, read.answered)[0] if found else None
    status["projectionSchema"] = schema_of(read.answered)
    return Answer({"document": document}, status, read.warnings)


# ---- sort: in CQL when it is the clustering order of one partition ---------------------------------------------


def cql_order(read: Read) -> tuple[list[Order], Warning | None]:
    """The ORDER BY that serves the sort in CQL (empty: the stored order), or the warning of an in-memory sort."""
    table, sort = read.table, read.sort.columns
    if not sort:
        return [], None
    common = {
        "keyspace": table.keyspace,
        "table": table.name,
        "partitionSorting": errors.names(c.name for c in table.clustering),
        "partitionKeys": errors.names(c.name for c in table.partition_key),
        "sortColumns": ", ".join(c.name for c, _ in sort),
    }
    if any(column not in table.clustering for column, _ in sort):
        return [], errors.warning("IN_MEMORY_SORTING_DUE_TO_NON_PARTITION_SORTING", **common)
    equal = {c.column.name for c in read.filter.conditions if c.op == "="}
    if not all(c.name in equal for c in table.partition_key) or read.filter.residuals:
        return [], errors.warning("IN_MEMORY_SORTING_DUE_TO_PARTITION_KEY_NOT_RESTRICTED", **common)
    if [c for c, _ in sort] != list(table.clustering[: len(sort)]):
        return [], errors.warning(
            "IN_MEMORY_SORTING_DUE_TO_OUT_OF_ORDER_PARTITION_SORTING", **common, outOfOrderClusteringKeys=""
        )
    stored = [descending == column.descending for column, descending in sort]
    if all(stored):
        return [], None
    if not any(stored):
        return [Order(column, descending) for column, descending in sort], None
    return [], errors.warning("IN_MEMORY_SORTING_DUE_TO_OUT_OF_ORDER_PARTITION_SORTING", **common)


def _sort_rows(rows: list[Row], sort: Sequence[tuple[Column, bool]]) -> None:
    """Stable sorts from the last key to the first; nulls first ascending (last descending)."""
    for column, descending in reversed(sort):
        name = column.name
        rows.sort(key=lambda row: (0,) if row.get(name) is None else (1, row[name]), reverse=descending)


async def _sorted_in_memory(command: Command, read: Read, count: int, skip: int) -> tuple[list[Row], int]:
    bound = command.backend.settings.data_api_max_sort_rows
    query = await statement_for(command, read, [])
    rows, _ = await _page(command, read, query, bound + 1, None, None, scan=bound + 1, seal=False)
    if len(rows) > bound:
        raise errors.error("OVERLOADED_SORT_ROW_LIMIT", "SORT", maxLimit=bound, unit="row")
    _sort_rows(rows, read.sort.columns)
    return rows[skip : skip + count], len(rows)


# ---- the statement and its pages -------------------------------------------------------------------------------


async def statement_for(command: Command, read: Read, order: list[Order]) -> Query:
    table = read.table
    everything = len(read.selected) == len(table.columns)
    return await command.backend.engine.query(
        table,
        read.filter.conditions,
        columns=None if everything else read.selected,
        order=order,
        allow_filtering=not read.key_restriction,
    )


async def _page(
    command: Command,
    read: Read,
    query: Query,
    page_size: int,
    limit: int | None,
    page_state: str | None,
    *,
    scan: int | None = None,
    seal: bool = True,
) -> tuple[list[Row], str | None]:
    """Up to `page_size` matching rows (fewer at `limit`, or once `scan` rows were read for the filter's
    in-memory predicates), and the sealed token of what follows."""
    backend = command.backend
    remaining = NO_LIMIT if limit is None else limit
    state: bytes | None = None
    if page_state:
        opened = backend.cursors.open(page_state, "data_api:" + query.identity)
        remaining, state = _REMAINING.unpack_from(opened)[0], opened[_REMAINING.size :]
    want = min(page_size, remaining)
    scan = scan if scan is not None else backend.settings.data_api_max_sort_rows
    bound = bind_checked(query.statement, query.values)
    rows: list[Row] = []
    scanned = 0
    while want > len(rows):
        page = await backend.db.execute(bound, page_size=want - len(rows), paging_state=state)
        scanned += len(page.rows)
        rows += [row for row in page.rows if read.filter.matches(row)] if read.filter.residuals else page.rows
        state = page.paging_state
        if state is None or scanned >= scan:
            break
    if remaining != NO_LIMIT:
        remaining -= len(rows)
    if state is None or remaining == 0 or not seal:
        return rows, None
    return rows, backend.cursors.seal(_REMAINING.pack(remaining) + state, "data_api:" + query.identity)


async def stream(command: Command) -> Pages:
    """`find` as NDJSON (an extension: `Accept: application/x-ndjson`): every matching row, page after page, as
    the rows API streams (`app.streaming`). A sort must be the clustering order (an in-memory sort cannot stream)."""
    known_fields(command, FIELDS)
    options = options_of(command, frozenset({"limit"}))
    table = await table_of(command)
    read = parse_read(command, table)
    limit = _count(options, "limit")
    order, sort_warning = cql_order(read)
    if sort_warning is not None or read.sort.vector is not None:
        raise errors.error(
            "SORT_CLAUSE_INVALID", "SORT", problem="a stream (NDJSON) sorts only by the clustering order of a partition"
        )
    query = await statement_for(command, read, order)
    bound = bind_checked(query.statement, query.values)
    write = row_writer(read.answered)
    db, size = command.backend.db, command.backend.settings.page_size

    async def pages() -> Pages:
        state: bytes | None = None
        left = NO_LIMIT if limit is None else limit
        while left > 0:
            page = await db.execute(bound, page_size=min(size, left), paging_state=state)
            rows = (
                [write(r) for r in page.rows if read.filter.matches(r)]
                if read.filter.residuals
                else [write(r) for r in page.rows]
            )
            left -= len(rows)
            yield Page(rows, page.paging_state)
            if page.paging_state is None:
                return
            state = page.paging_state

    return pages()


COMMANDS: dict[str, Spec] = {
    "find": Spec("table", "read", find),
    "findOne": Spec("table", "read", find_one),
}
