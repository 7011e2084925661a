"""A vector search: `sort: {"vec": [..]}` (or `{"$binary": ...}`) as CQL's `ORDER BY vec ANN OF ?`, one page of at
most 1,000 rows, with `$similarity` (the index's similarity function) when `includeSimilarity` asks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.routes.data_api import errors
from app.routes.data_api.command import Command
from app.routes.data_api.filters import indexed_columns
from app.routes.data_api.target import field_invalid
from app.routes.data_api.values import decode_as, documents
from app.rows import cql
from app.rows.catalog import Table
from app.rows.engine import bind_checked
from app.rows.query import canonical
from app.rows.types import float32_shortest

if TYPE_CHECKING:
    from app.routes.data_api.read import Read

MAX_VECTOR_LIMIT = 1000  # the Data API's max-vector-search-limit
FUNCTIONS = {
    "cosine": "similarity_cosine",
    "dot_product": "similarity_dot_product",
    "euclidean": "similarity_euclidean",
}


def _metric(table: Table, column: str) -> str:
    for index in getattr(table.source, "indexes", {}).values():
        options = getattr(index, "index_options", None) or {}
        if options.get("target", "").strip('"') == column:
            return str(options.get("similarity_function", "cosine")).lower()
    return "cosine"


async def vector_read(
    command: Command, table: Table, read: Read, limit: int | None, options: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    column = read.sort.vector
    assert column is not None
    if column.name not in indexed_columns(table):
        raise errors.error(
            "CANNOT_VECTOR_SORT_NON_INDEXED_VECTOR_COLUMNS",
            "SORT",
            **errors.table_vars(table),
            vectorIndexedColumns=errors.names(indexed_columns(table)),
            sortColumns=column.name,
        )
    try:
        vector = decode_as(column.type, read.sort.by)
    except ValueError as exc:
        raise errors.error("INVALID_VECTOR_SORT_EXPRESSION", "SORT", jsonType=str(exc)) from None
    count = limit if limit is not None else command.backend.settings.data_api_page_size
    if count > MAX_VECTOR_LIMIT:
        raise field_invalid("options.limit", count, f"a vector search answers at most {MAX_VECTOR_LIMIT} rows")
    similarity = bool(options.get("includeSimilarity"))
    conditions = canonical(table, read.filter.conditions)
    text = cql.select(table, read.selected, conditions)
    if similarity:
        function = FUNCTIONS.get(_metric(table, column.name), "similarity_cosine")
        text = text.replace(" FROM ", f', {function}({column.cql}, ?) AS "$similarity" FROM ', 1)
    text += f" ORDER BY {column.cql} ANN OF ? LIMIT ?"
    engine = command.backend.engine
    statement = await engine.statements.get(text, idempotent=True, consistency=engine.consistency.read)
    values = [vector] if similarity else []
    values += [v for c in conditions for v in c.values]
    values += [vector, count]
    page = await command.backend.db.execute(bind_checked(statement, values))
    rows = [row for row in page.rows if read.filter.matches(row)]
    found = documents(rows, read.answered)
    if similarity:
        for document, row in zip(found, rows, strict=True):
            document["$similarity"] = float32_shortest(row.get("$similarity"))  # a float: 0.99993885, as the Data API
    extra: dict[str, Any] = {}
    if options.get("includeSortVector"):
        extra["sortVector"] = vector
    return found, extra
