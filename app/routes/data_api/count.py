"""`countRows` (an extension: the Data API's open asks data-api#2037 and #2038): the rows a filter matches, counted
page by page up to a bound, with `moreData: true` when the count stopped at it.

`{"countRows": {"filter": {...}, "options": {"upperBound": 1000}}}` on a table answers
`{"status": {"count": 1000, "moreData": true}}`. The bound defaults to 1,000 (as collections' `countDocuments` caps)
and is at most DATA_API_MAX_SORT_ROWS: a count reads the rows' keys, so its cost grows with it."""

from __future__ import annotations

from app.routes.data_api.command import Answer, Command, Spec
from app.routes.data_api.read import cql_order, parse_read, statement_for
from app.routes.data_api.target import field_invalid, known_fields, options_of, table_of
from app.rows.engine import bind_checked

DEFAULT_BOUND = 1000


async def count_rows(command: Command) -> Answer:
    known_fields(command, frozenset({"filter", "options"}))
    options = options_of(command, frozenset({"upperBound"}))
    most = command.backend.settings.data_api_max_sort_rows
    bound = options.get("upperBound", min(DEFAULT_BOUND, most))
    if isinstance(bound, bool) or not isinstance(bound, int) or not 1 <= bound <= most:
        raise field_invalid(
            "options.upperBound", bound, f"must be an integer from 1 to {most} (DATA_API_MAX_SORT_ROWS)"
        )
    table = await table_of(command)
    read = parse_read(command, table)
    read.answered = []
    keys = {c.name for c in table.primary_key} | {r.column.name for r in read.filter.residuals}
    read.selected = [c for c in table.columns.values() if c.name in keys]
    order, _ = cql_order(read)
    query = await statement_for(command, read, order)
    statement = bind_checked(query.statement, query.values)
    counted, state = 0, None
    while True:
        page = await command.backend.db.execute(statement, page_size=bound + 1 - counted, paging_state=state)
        counted += sum(1 for row in page.rows if read.filter.matches(row))
        state = page.paging_state
        if state is None or counted > bound:
            break
    return Answer(status={"count": min(counted, bound), "moreData": counted > bound}, warnings=read.warnings)


COMMANDS: dict[str, Spec] = {"countRows": Spec("table", "read", count_rows)}
