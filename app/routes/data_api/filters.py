"""A Data API filter on a table, as CQL restrictions (bound values, the rows engine's `Condition`s) and, for what
Cassandra 5.0 cannot say, predicates checked on the rows read (`Residual`), within DATA_API_MAX_SORT_ROWS rows.

Served in CQL: `$eq $lt $lte $gt $gte $in` on any column (ALLOW FILTERING where the key does not decide, with the
Data API's warning), `$all` on sets and lists (CONTAINS each), on map keys (`$keys`: CONTAINS KEY), values
(`$values`: CONTAINS) and entries (`[[k, v]]`: `m[k] = v`), and a single-value `$in` on those. Checked on the rows
read: `$ne`, `$nin`, `$exists`, and a `$in` of several values on a collection (an OR: Cassandra 5.0 has none)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.routes.data_api import errors
from app.routes.data_api.command import DataApiError, Warning
from app.routes.data_api.values import decode_as
from app.rows.catalog import Column, Kind, Table
from app.rows.query import Condition

COMPARISONS = {"$eq": "=", "$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}
SCALAR_OPERATORS = frozenset({*COMPARISONS, "$ne", "$in", "$nin", "$exists"})
COLLECTION_OPERATORS = frozenset({"$in", "$nin", "$all"})
EXTENDED_JSON = frozenset({"$binary", "$date"})  # a value in the EJSON form, not an operator object
_TARGET = re.compile(r"^(?:(?:keys|values|entries|full)\()?\"?(.+?)\"?\)?$")


@dataclass(frozen=True, slots=True)
class Residual:
    """A predicate on one column's driver value, checked on each row read."""

    column: Column
    test: Callable[[object], bool]


@dataclass(slots=True)
class Filter:
    conditions: list[Condition] = field(default_factory=list)
    residuals: list[Residual] = field(default_factory=list)
    equal_keys: set[str] = field(default_factory=set)  # key columns restricted by $eq (or a one-value $in)
    operators: dict[str, set[str]] = field(default_factory=dict)  # per column, the operators used
    warnings: list[Warning] = field(default_factory=list)

    @property
    def columns(self) -> set[str]:
        return set(self.operators)

    def matches(self, row: dict[str, Any]) -> bool:
        return all(r.test(row.get(r.column.name)) for r in self.residuals)


def _invalid(message: str) -> DataApiError:
    return errors.error("FILTER_INVALID_EXPRESSION", "FILTER", message=message)


def count_properties(value: object) -> int:
    """The properties of a filter, nested ones included: what FILTER_FIELDS_LIMIT_VIOLATION counts."""
    if isinstance(value, dict):
        return sum(1 + count_properties(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_properties(v) for v in value)
    return 0


def parse_filter(table: Table, raw: object, *, max_properties: int, max_in_values: int) -> Filter:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _invalid(f"filter must be an object, not {type(raw).__name__}")
    count = count_properties(raw)
    if count > max_properties:
        raise errors.error("FILTER_FIELDS_LIMIT_VIOLATION", "FILTER", fieldCount=count, maxFieldCount=max_properties)
    parsed = Filter()
    _parse_into(parsed, table, raw, max_in_values)
    return parsed


def _parse_into(parsed: Filter, table: Table, raw: dict[str, Any], max_in_values: int) -> None:
    unknown = [name for name in raw if not name.startswith("$") and name not in table.columns]
    if unknown:
        raise errors.error(
            "UNKNOWN_TABLE_COLUMNS", "FILTER", **errors.table_vars(table), unknownColumns=", ".join(unknown)
        )
    for name, value in raw.items():
        if name == "$and":
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise _invalid("'$and' must be an array of filter objects")
            for item in value:
                _parse_into(parsed, table, item, max_in_values)
        elif name.startswith("$"):
            raise errors.error(
                "FILTER_UNSUPPORTED_OPERATOR", "FILTER", message=f"filter operator '{name}' on tables (Cassandra 5.0)"
            )
        else:
            column = table.columns[name]
            ColumnFilter(parsed, table, column, max_in_values).parse(value)


class ColumnFilter:
    """The filter of one column, added to `parsed`."""

    def __init__(self, parsed: Filter, table: Table, column: Column, max_in_values: int) -> None:
        self.parsed, self.table, self.column, self.max_in_values = parsed, table, column, max_in_values

    def parse(self, value: object) -> None:
        kind = self.column.type.kind
        if kind in ("list", "set", "map") and not self.column.type.frozen:
            self._collection(value)
            return
        if not isinstance(value, dict) or set(value) <= EXTENDED_JSON:
            self._scalar("$eq", value)
            return
        for op, operand in value.items():
            if op not in SCALAR_OPERATORS:
                raise errors.error(
                    "FILTER_UNSUPPORTED_OPERATOR", "FILTER", message=f"filter operator '{op}' on '{self.column.name}'"
                )
            self._scalar(op, operand)

    # ---- scalar columns -----------------------------------------------------------------------------------

    def _value(self, value: object) -> object:
        if value is None:
            raise self._bad()
        try:
            return decode_as(self.column.type, value)
        except ValueError:
            raise self._bad() from None

    def _bad(self) -> DataApiError:
        return errors.error(
            "INVALID_FILTER_COLUMN_VALUES",
            "FILTER",
            **errors.table_vars(self.table),
            invalidColumn=self.column.name,
            columnType=str(self.column.type),
        )

    def _values(self, op: str, value: object) -> list[object]:
        if not isinstance(value, list):
            raise _invalid(f"'{op}' on '{self.column.name}' must be followed by an array")
        if len(value) > self.max_in_values:
            raise _invalid(
                f"'{op}' on '{self.column.name}' has {len(value)} values, more than {self.max_in_values} "
                "(DATA_API_MAX_IN_VALUES)"
            )
        return [self._value(v) for v in value]

    def _note(self, op: str) -> None:
        self.parsed.operators.setdefault(self.column.name, set()).add(op)

    def _scalar(self, op: str, value: object) -> None:
        column, parsed = self.column, self.parsed
        self._note(op)
        if op in COMPARISONS:
            if op != "$eq" and column.type.kind == "duration":
                raise errors.error(
                    "UNSUPPORTED_COMPARISON_FILTER_AGAINST_DURATION",
                    "FILTER",
                    **errors.table_vars(self.table),
                    durationFilters=column.name,
                )
            parsed.conditions.append(Condition(column, COMPARISONS[op], (self._value(value),)))
            if op == "$eq" and column.is_key:
                parsed.equal_keys.add(column.name)
        elif op == "$in":
            items = self._values(op, value)
            parsed.conditions.append(Condition(column, "IN", (items,)))
            if column.is_key:
                parsed.equal_keys.add(column.name)
        elif op == "$ne":
            target = comparable(column.type.kind, self._value(value))
            parsed.residuals.append(Residual(column, lambda v: comparable(column.type.kind, v) != target))
        elif op == "$nin":
            targets = [comparable(column.type.kind, v) for v in self._values(op, value)]
            parsed.residuals.append(Residual(column, lambda v: comparable(column.type.kind, v) not in targets))
        else:  # $exists
            if not isinstance(value, bool):
                raise _invalid(f"'$exists' on '{column.name}' takes true or false")
            parsed.residuals.append(Residual(column, lambda v: (v is not None) is value))

    # ---- collections ----------------------------------------------------------------------------------------

    def _collection(self, value: object) -> None:
        column = self.column
        if not isinstance(value, dict):
            raise self._bad_collection(f"The value for the column '{column.name}' is not a valid JSON object")
        for op, operand in value.items():
            if column.type.kind == "map" and op in ("$keys", "$values"):
                if not isinstance(operand, dict):
                    raise self._bad_collection(
                        f"Invalid filter for map column '{column.name}', please see the examples for the correct format"
                    )
                part = 0 if op == "$keys" else 1
                for inner, items in operand.items():
                    self._contains(inner, items, part)
            else:
                self._contains(op, operand, None if column.type.kind == "map" else 0)

    def _bad_collection(self, reason: str) -> DataApiError:
        return errors.error(
            "INVALID_MAP_SET_LIST_FILTER", "FILTER", **errors.table_vars(self.table), detailedReason=reason
        )

    def _contains(self, op: str, items: object, part: int | None) -> None:
        """`$in`/`$nin`/`$all` on elements (part 0: a set's or list's element, a map's key; 1: a map's value;
        None: a map's entries as [key, value])."""
        column = self.column
        if op not in COLLECTION_OPERATORS:
            raise self._bad_collection(
                f"Invalid filter operator '{op}' for column '{column.name}', allowed operators are '$all', '$in', "
                "'$nin'"
            )
        if not isinstance(items, list) or (part is None and not all(_is_pair(i) for i in items)):
            raise self._bad_collection(
                f"Filter operator '{op}' for column '{column.name}' must be followed by an array of values, see the "
                "examples for the correct format"
            )
        if len(items) > self.max_in_values:
            raise _invalid(f"'{op}' on '{column.name}' has more than {self.max_in_values} values")
        self._note(op)
        decoded = [self._element(item, part) for item in items]
        if op == "$all" or (op == "$in" and len(decoded) == 1):
            self.parsed.conditions += [self._condition(item, part) for item in decoded]
            return
        test = _holds(column.type.kind, part, decoded)
        if op == "$in":
            self.parsed.residuals.append(Residual(column, lambda v: any(test(v))))
        else:
            self.parsed.residuals.append(Residual(column, lambda v: not any(test(v))))

    def _element(self, item: Any, part: int | None) -> Any:
        params = self.column.type.params
        try:
            if part is None:
                return (decode_as(params[0], item[0]), decode_as(params[1], item[1]))
            return decode_as(params[part] if self.column.type.kind == "map" else params[0], item)
        except (ValueError, TypeError):
            raise self._bad() from None

    def _condition(self, item: Any, part: int | None) -> Condition:
        if part is None:
            return Condition(self.column, "ENTRY", item)
        if self.column.type.kind == "map" and part == 0:
            return Condition(self.column, "CONTAINS KEY", (item,))
        return Condition(self.column, "CONTAINS", (item,))


def _is_pair(item: object) -> bool:
    return isinstance(item, list) and len(item) == 2


def _holds(kind: str, part: int | None, targets: list[Any]) -> Callable[[object], list[bool]]:
    """Per target, whether a collection value (the driver's) holds it."""

    def holds(value: object) -> list[bool]:
        if value is None:
            return [False for _ in targets]
        if kind == "map":
            assert isinstance(value, dict) or hasattr(value, "items")
            entries = dict(value.items())
            if part == 0:
                return [t in entries for t in targets]
            if part == 1:
                return [t in entries.values() for t in targets]
            return [t[0] in entries and entries[t[0]] == t[1] for t in targets]
        assert isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "__iter__")
        elements = list(value)
        return [t in elements for t in targets]

    return holds


def comparable(kind: str, value: object) -> object:
    """A value as both sides of a residual comparison hold it: a timestamp as epoch milliseconds."""
    if kind == "timestamp" and isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        delta = value - datetime.datetime(1970, 1, 1)
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return value


# ---- what the filter costs: the Data API's warnings --------------------------------------------------------------


def indexed_columns(table: Table) -> list[str]:
    """The columns that carry a secondary index, from the driver's metadata of the table."""
    found: list[str] = []
    for index in getattr(table.source, "indexes", {}).values():
        target = (getattr(index, "index_options", None) or {}).get("target", "")
        matched = _TARGET.match(target)
        if matched and matched.group(1) in table.columns:
            found.append(matched.group(1))
    return sorted(set(found))


def is_key_restriction(table: Table, parsed: Filter) -> bool:
    """The conditions restrict the primary key only, as CQL serves them without ALLOW FILTERING: the partition
    key fully (= or IN), then clustering columns in order, all equal but the last."""
    if parsed.residuals:
        return False
    names = parsed.columns
    if not names:
        return True
    if any(not table.columns[n].is_key for n in names):
        return False
    if not all(c.name in parsed.equal_keys for c in table.partition_key):
        return False
    restricted = [c for c in table.clustering if c.name in names]
    if restricted != list(table.clustering[: len(restricted)]):
        return False
    return all(c.name in parsed.equal_keys for c in restricted[:-1])


def filter_warnings(table: Table, parsed: Filter, *, key_restriction: bool) -> list[Warning]:
    """ZERO_FILTER_OPERATIONS, MISSING_INDEX, INCOMPLETE_PRIMARY_KEY_FILTER: as the Data API warns on a read."""
    if key_restriction and parsed.columns:
        return []  # the hot path (a read by key): nothing to say, nothing to word
    indexed = indexed_columns(table)
    primary = errors.typed(table.primary_key)
    common = {"keyspace": table.keyspace, "table": table.name, "primaryKey": primary, "primaryKeys": primary}
    if not parsed.columns:
        return [errors.warning("ZERO_FILTER_OPERATIONS", **common, indexedColumns=errors.names(indexed))]
    unindexed = [n for n in sorted(parsed.columns) if not table.columns[n].is_key and n not in indexed]
    if unindexed:
        return [
            errors.warning(
                "MISSING_INDEX", **common, indexedColumns=errors.names(indexed), unindexedFilters=", ".join(unindexed)
            )
        ]
    if all(table.columns[n].is_key for n in parsed.columns):
        missing = [c.name for c in table.partition_key if c.name not in parsed.equal_keys]
        return [
            errors.warning(
                "INCOMPLETE_PRIMARY_KEY_FILTER",
                **common,
                missingPartitionKeys=errors.names(missing),
                outOfOrderClusteringKeys="[None]",
            )
        ]
    return []


def is_clustering(column: Column) -> bool:
    return column.kind is Kind.CLUSTERING
