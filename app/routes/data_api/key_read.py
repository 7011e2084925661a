"""`findOne` by full primary key, the face's point read, on a plan built once per table: the key columns' decoders,
a document writer over the driver's tuples (no dict per row), and `status.projectionSchema` described once.

Only the plain shape is served here: a `filter` of exactly the primary key's columns, each a scalar (no operator
object, no array, no null), and no projection, sort or options. It reads the table's key shape (the statement the
general path prepares for the same filter, `RowsEngine.shapes`) and answers what `read.find_one` answers. Any
other body, or a value the plan cannot decode, goes the general way, which words every refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.routes.data_api.command import Answer, Command
from app.routes.data_api.values import Encode, decoder_of, encoder_of, schema_of
from app.rows.catalog import Table
from app.rows.engine import bind_checked

MAX_PLANS = 4096  # plans kept, over every table; all are dropped when it is reached (the live ones come back)
# Fields of a findOne that, absent or empty, leave the read a plain read of every column in the stored order.
EMPTY_WHEN_PLAIN = ("projection", "sort", "options")
Decode = Callable[[object], object]
Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class KeyPlan:
    keys: tuple[tuple[str, Decode], ...]  # the primary key's columns and their decoders, in key order
    write: Callable[[tuple[Any, ...]], Document]  # a row of the key shape's statement (every column) -> document
    schema: dict[str, object]  # status.projectionSchema: every column


_plans: dict[Table, KeyPlan] = {}  # a Table compares by identity: an altered table is a new one


def plan_for(table: Table) -> KeyPlan:
    plan = _plans.get(table)
    if plan is None:
        keys = tuple((c.name, decoder_of(c.type)) for c in table.primary_key)
        # The key shape selects every column in the table's order (`RowsEngine.shapes`): a tuple index per column.
        plan = KeyPlan(
            keys,
            _writer([(c.name, encoder_of(c.type)) for c in table.columns.values()]),
            schema_of(table.columns.values()),
        )
        if len(_plans) >= MAX_PLANS:
            _plans.clear()
        _plans[table] = plan
    return plan


def _writer(columns: list[tuple[str, Encode | None]]) -> Callable[[tuple[Any, ...]], Document]:
    """`values.row_writer` over a tuple: null (and so empty-collection) columns left out."""
    plan = tuple((i, name, convert) for i, (name, convert) in enumerate(columns))

    def write(row: tuple[Any, ...]) -> Document:
        document: Document = {}
        for i, name, convert in plan:
            value = row[i]
            if value is not None:
                document[name] = value if convert is None else convert(value)
        return document

    return write


def key_values(plan: KeyPlan, options: dict[str, Any], max_properties: int) -> tuple[object, ...] | None:
    """The key's values to bind, when the command is the plain shape and every value decodes; else None."""
    for name in options:
        if name != "filter" and (name not in EMPTY_WHEN_PLAIN or options[name] not in (None, {})):
            return None
    found = options.get("filter")
    keys = plan.keys
    if type(found) is not dict or len(found) != len(keys) or len(found) > max_properties:
        return None
    values = []
    for name, decode in keys:
        value = found.get(name)
        if value is None or isinstance(value, (dict, list)):
            return None  # absent, null, an operator, EJSON or a collection: the general parse
        try:
            values.append(decode(value))
        except ValueError:
            return None  # the general parse words the refusal (INVALID_FILTER_COLUMN_VALUES)
    return tuple(values)


async def find_one_by_key(command: Command, table: Table) -> Answer | None:
    """The answer of a plain findOne by full primary key, or None for the general path."""
    if table.is_view:
        return None  # a view's reads never use the key shapes (they hold writes Cassandra refuses for a view)
    plan = plan_for(table)
    backend = command.backend
    values = key_values(plan, command.options, backend.settings.data_api_max_filter_properties)
    if values is None:
        return None
    shapes = await backend.engine.shapes(table)
    bound = bind_checked(shapes.select[len(values)], values)
    page = await backend.db.execute_rows(bound, page_size=1)
    while not page.rows and page.paging_state is not None:  # as `read._page` reads on until a row or the end
        page = await backend.db.execute_rows(bound, page_size=1, paging_state=page.paging_state)
    document = plan.write(page.rows[0]) if page.rows else None
    return Answer({"document": document}, {"projectionSchema": plan.schema}, [])
