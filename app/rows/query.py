"""Stargate's query parameters, parsed against a table: `where`, `fields`, `sort`, and primary-key paths.

Everything a client sends is checked here, so a bad request is a 400 naming the parameter, field or value, and
never reaches Cassandra as a malformed statement. Values are decoded per column type and later bound, never
written into CQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from app.exceptions import RowsError
from app.rows.catalog import Column, Table
from app.rows.types import CqlType

if TYPE_CHECKING:
    from app.config import Settings

# Stargate's operators, matched case-insensitively, and the CQL they become.
OPERATORS = {
    "$eq": "=",
    "$lt": "<",
    "$lte": "<=",
    "$gt": ">",
    "$gte": ">=",
    "$in": "IN",
    "$contains": "CONTAINS",
    "$containskey": "CONTAINS KEY",
    "$containsentry": "ENTRY",
    "$exists": "=",
}
UNSUPPORTED = {"$ne", "$nin", "$and", "$or", "$not"}
# Defaults of MAX_CONDITIONS, MAX_IN_VALUES and MAX_NUMBER_DIGITS (app.config), for callers that pass none.
MAX_CONDITIONS = 32
MAX_IN_VALUES = 100
MAX_NUMBER_DIGITS = 1000


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """What one `where` (or `sort`) may hold: MAX_CONDITIONS, MAX_IN_VALUES, MAX_NUMBER_DIGITS."""

    max_conditions: int = MAX_CONDITIONS
    max_in_values: int = MAX_IN_VALUES
    max_number_digits: int = MAX_NUMBER_DIGITS

    @classmethod
    def of(cls, settings: Settings) -> QueryLimits:
        return cls(settings.max_conditions, settings.max_in_values, settings.max_number_digits)


DEFAULT_LIMITS = QueryLimits()
# A `\uD800`-`\uDFFF` escape: only then can parsed JSON hold a surrogate (UTF-8 text cannot).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True, slots=True)
class Condition:
    """One restriction: `column op ?` (for a map entry, `column[?] = ?`)."""

    column: Column
    op: str
    values: tuple[object, ...]

    @property
    def cql(self) -> str:
        if self.op == "ENTRY":
            return f"{self.column.cql}[?] = ?"
        return f"{self.column.cql} {self.op} ?"


@dataclass(frozen=True, slots=True)
class Order:
    column: Column
    descending: bool

    @property
    def cql(self) -> str:
        return f"{self.column.cql} {'DESC' if self.descending else 'ASC'}"


def loads_strict(text: str, *, last_duplicate_wins: bool = False, max_number_digits: int = MAX_NUMBER_DIGITS) -> Any:
    """JSON as Jackson reads it for Stargate: NaN/Infinity are errors, numbers keep every digit (a decimal or
    varint column may hold more than a double does), and a duplicate key is an error (as Stargate parses `where`
    and `sort`) or, in a body, the last one wins (as Stargate parses bodies).

    Bounded before any conversion: a number of more than `max_number_digits` digits is a ValueError (its sign,
    point and exponent aside), and so is a lone surrogate (`"\\ud800"`), which no UTF-8 column can hold."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found and not last_duplicate_wins:
                raise ValueError(f"Duplicate field '{key}'")
            found[key] = value
        return found

    def no_constants(name: str) -> Any:
        raise ValueError(f"Non-standard token '{name}'")

    def bounded(text: str) -> str:
        if len(text) > max_number_digits and (
            len(text) > max_number_digits + 32  # a sign, a point and an exponent take no more
            or sum(c.isdigit() for c in text.lower().partition("e")[0]) > max_number_digits
        ):
            raise ValueError(f"Number with more than {max_number_digits} digits (MAX_NUMBER_DIGITS)")
        return text

    found = json.loads(
        text,
        # The last duplicate wins in a plain dict too, without a Python call per object.
        object_pairs_hook=None if last_duplicate_wins else no_duplicates,
        parse_constant=no_constants,
        parse_float=lambda number: _decimal(bounded(number)),
        parse_int=lambda number: int(bounded(number)),
    )
    if _SURROGATE_ESCAPE.search(text) is not None:
        _refuse_surrogates(found)
    return found


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:  # an exponent past what Decimal holds (1e99999999999999999999): not a ValueError
        raise ValueError(f"Number out of range: {text[:40]}") from None


def _refuse_surrogates(value: Any) -> None:
    """Walks parsed JSON that may hold a surrogate escape (a pair is fine: it is one character)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("Invalid UTF-8: a lone surrogate escape (\\uD800-\\uDFFF) in a string") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_surrogates(key)
            _refuse_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_surrogates(item)


def _where_error(problem: str) -> RowsError:
    return RowsError(400, f"Invalid 'where' parameter, problem: {problem}", "bad_where")


def _json_parameter(
    text: str, name: str, error: Callable[[str], RowsError], max_number_digits: int = MAX_NUMBER_DIGITS
) -> dict[str, Any]:
    """A parameter that holds a JSON object (`where`, `sort`), or Stargate's 400 for it."""
    try:
        found = loads_strict(text, max_number_digits=max_number_digits)
    except RecursionError:
        raise error("Input provided is not valid json: nested too deeply") from None
    except ValueError as exc:  # Stargate's words: "json" for `where` (its recording), "JSON" for `sort` (its suite)
        raise error(f"Input provided is not valid {'JSON' if name == 'sort' else 'json'}. {exc}") from None
    if not isinstance(found, dict):
        raise error(f"Was expecting a JSON object as input for {name} parameter.")
    return found


def parse_where(
    text: str | None,
    table: Table,
    *,
    compact_maps: bool,
    limits: QueryLimits = DEFAULT_LIMITS,
) -> list[Condition]:
    """The conditions of a `where`, in canonical order (`canonical`). At most `limits.max_conditions` of them (an
    array on a scalar column counts an item per condition, a `$in` list counts once) and `limits.max_in_values`
    items per `$in`, both counted before any value is decoded."""
    if text is None or not text.strip():
        raise RowsError(400, "Request invalid: 'where' must be provided.", "bad_where")
    where = _json_parameter(text, "where", _where_error, limits.max_number_digits)
    max_conditions = limits.max_conditions
    conditions: list[Condition] = []
    count = 0
    for name, ops in where.items():
        column = _known(table, name, _where_error)
        if not isinstance(ops, dict):
            raise _where_error(f"Entry for field {name} was expecting a JSON object as input.")
        for raw_op, value in ops.items():
            count += _weight(column, raw_op, value, limits.max_in_values)
            if count > max_conditions:
                raise _where_error(
                    f"Too many conditions: field '{name}', operation {raw_op} brings them over {max_conditions} "
                    "(MAX_CONDITIONS)"
                )
            conditions.extend(_conditions(column, raw_op, value, compact_maps=compact_maps))
    return canonical(table, conditions)


def _weight(column: Column, raw_op: str, value: Any, max_in_values: int) -> int:
    """How many conditions an operation adds, checked before its values are decoded."""
    op = raw_op.lower()
    if op == "$in":
        if isinstance(value, list) and len(value) > max_in_values:
            raise _where_error(
                f"Value entry for field '{column.name}', operation $in has {len(value)} values, more than "
                f"{max_in_values} (MAX_IN_VALUES)"
            )
        return 1
    if op in ("$contains", "$containskey", "$containsentry", "$exists"):
        return 1
    return len(value) if _expands(column, value) else 1


def _expands(column: Column, value: Any) -> bool:
    """Stargate: an array on a scalar column is one condition per element, with the same operator."""
    return isinstance(value, list) and column.type.kind not in ("list", "set", "tuple", "vector")


def canonical(table: Table, conditions: Sequence[Condition]) -> list[Condition]:
    """One order for one logical `where`: by the column's place in the table, then the operator; exact duplicates
    (`$eq` and `$EQ` with the same value, an array repeating an item) collapsed. So the key order of the client's
    JSON, its operators' case and its repetitions make no new statement shape."""
    position = table.positions
    ordered = sorted(conditions, key=lambda c: (position.get(c.column.name, -1), c.op))
    kept: list[Condition] = []
    for condition in ordered:
        if not any(_same(condition, other) for other in kept):
            kept.append(condition)
    return kept


def _same(a: Condition, b: Condition) -> bool:
    return a.column.name == b.column.name and a.op == b.op and a.values == b.values


def _known(table: Table, name: str, error: Any) -> Column:
    try:
        return table.column(name)
    except RowsError as exc:
        raise error(exc.description) from None


def _conditions(column: Column, raw_op: str, value: Any, *, compact_maps: bool) -> list[Condition]:
    op = raw_op.lower()
    if op in UNSUPPORTED:
        raise _where_error(f"Operation {raw_op} is not supported.")
    if op not in OPERATORS:
        raise _where_error(f"Unsupported where operation '{raw_op}' (field '{column.name}')")
    if value is None:
        raise _where_error(
            f"Value entry for field {column.name}, operation {raw_op} was expecting a value, but found null."
        )
    kind = column.type.kind
    if op == "$exists":
        if value is not True:
            raise _where_error("`$exists` only supports the value `true`.")
        return [Condition(column, "=", (_decode(column, True, raw_op, compact_maps=compact_maps),))]
    if op == "$in":
        if not isinstance(value, list) or not value:
            raise _where_error(f"Value entry for field '{column.name}', operation $in must be a non-empty array")
        items = [_decode(column, v, raw_op, compact_maps=compact_maps, strict=True) for v in value]
        return [Condition(column, "IN", (items,))]
    if op == "$contains":
        if kind not in ("list", "set", "map"):
            raise _where_error(
                f"Field '{column.name}' not of container type (list, map, set); has to be for operation $contains"
            )
        element = column.type.params[-1]
        return [Condition(column, "CONTAINS", (_decode_as(column, element, value, raw_op, compact_maps),))]
    if op == "$containskey":
        if kind != "map":
            raise _where_error(f"Field '{column.name}' not of map type; has to be for operation $containsKey")
        return [
            Condition(column, "CONTAINS KEY", (_decode_as(column, column.type.params[0], value, raw_op, compact_maps),))
        ]
    if op == "$containsentry":
        if kind != "map":
            raise _where_error(f"Field '{column.name}' not of map type; has to be for operation $containsEntry")
        if not isinstance(value, dict) or set(value) != {"key", "value"}:
            raise _where_error(
                f"Value entry for field '{column.name}', operation $containsEntry must be an object with two fields "
                "'key' and 'value'"
            )
        key_type, value_type = column.type.params
        entry = (
            _decode_as(column, key_type, value["key"], raw_op, compact_maps),
            _decode_as(column, value_type, value["value"], raw_op, compact_maps),
        )
        return [Condition(column, "ENTRY", entry)]
    cql_op = OPERATORS[op]
    items = value if _expands(column, value) else [value]
    return [Condition(column, cql_op, (_decode(column, v, raw_op, compact_maps=compact_maps),)) for v in items]


def _decode(column: Column, value: object, op: str, *, compact_maps: bool, strict: bool = False) -> object:
    try:
        return column.decode(value, compact_maps=compact_maps, strict=strict)
    except ValueError as exc:  # BadValue, or a conversion the codec left unchecked (e.g. int() of 5,000 digits)
        raise _where_error(f"Invalid value for field '{column.name}', operation {op}: {exc}") from None


def _decode_as(column: Column, element: CqlType, value: object, op: str, compact_maps: bool) -> object:
    """A value of one of the column's element types (a list element, a map key or value)."""
    return _decode(Column(column.name, element, column.kind), value, op, compact_maps=compact_maps)


def parse_fields(text: str | None, table: Table) -> tuple[Column, ...]:
    """`fields=a, b`: trimmed, empty items dropped; none given means every column."""
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    if not names:
        return tuple(table.columns.values())

    def error(problem: str) -> RowsError:
        return RowsError(400, f"Invalid 'fields' parameter, problem: {problem}", "unknown_field")

    return tuple(dict.fromkeys(_known(table, n, error) for n in names))


def _sort_error(problem: str) -> RowsError:
    return RowsError(400, f"Invalid 'sort' parameter, problem: {problem}", "bad_sort")


def parse_sort(text: str | None, table: Table, *, limits: QueryLimits = DEFAULT_LIMITS) -> tuple[Order, ...]:
    """`sort={"col":"desc"}`: as Stargate v2, exactly "desc" sorts descending and anything else ascending."""
    if text is None or not text.strip():
        return ()
    sort = _json_parameter(text, "sort", _sort_error, limits.max_number_digits)
    return tuple(Order(_known(table, name, _sort_error), direction == "desc") for name, direction in sort.items())


def key_conditions(segments: list[str], table: Table, *, action: str) -> list[Condition]:
    """A primary-key path (`/pk1/pk2/ck1`): every partition key column, then a prefix of the clustering columns."""
    keys = table.primary_key
    partition = len(table.partition_key)

    def error(problem: str) -> RowsError:
        return RowsError(400, f"Invalid path for row to {action}, problem: {problem}", "bad_key")

    if len(segments) < partition:
        raise error(f"Number of key values provided ({len(segments)}) less than number of partition keys ({partition})")
    if len(segments) > len(keys):
        raise error(
            f"Number of key values provided ({len(segments)}) exceeds number of partition keys ({partition}) "
            f"and clustering keys ({len(table.clustering)})"
        )
    conditions = []
    for column, text in zip(keys, segments, strict=False):
        try:
            conditions.append(Condition(column, "=", (column.decode_key(text),)))
        except ValueError as exc:  # BadValue, or a conversion the codec left unchecked (e.g. int() of 5,000 digits)
            raise error(f"Invalid value '{text}' for key column '{column.name}': {exc}") from None
    return conditions
