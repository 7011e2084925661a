"""How many bytes a page of rows holds, so a rows API page can stop at MAX_PAGE_BYTES instead of at a row count.

Cassandra pages by rows only, so the engine picks each driver page's row count from the width of a row: exact for
fixed-width types, estimated from the column types for text, blobs and collections until rows have been read,
then as measured on them. A table whose width is not known yet starts with a small probe page. The size counted is
the values' size on the wire (text in characters), plus a small overhead per value and per row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any

from app.rows.types import CqlType

FIXED = {
    "boolean": 1,
    "tinyint": 1,
    "smallint": 2,
    "int": 4,
    "date": 4,
    "float": 4,
    "bigint": 8,
    "counter": 8,
    "double": 8,
    "timestamp": 8,
    "time": 8,
    "duration": 12,
    "uuid": 16,
    "timeuuid": 16,
    "inet": 16,
}
PLAIN = frozenset({"text", "varchar", "ascii", "blob"})  # sized by len(): the common variable-width columns
VALUE_OVERHEAD = 4  # a value's length prefix
ROW_OVERHEAD = 16
GUESS_PLAIN = 256  # a text or blob before any row was measured
GUESS_NUMBER = 16  # a varint or decimal
GUESS_ELEMENTS = 8  # a collection
PROBE_ROWS = 32  # the first driver page of a table whose width is not known yet

Sized = Callable[[Sequence[Any]], int]


class RowWidth:
    """The width of a row of some columns of a table: fixed, estimated, then measured."""

    __slots__ = ("by_position", "fixed", "guess", "measured", "variable")

    def __init__(self, columns: Iterable[tuple[str, CqlType]]) -> None:
        self.fixed = ROW_OVERHEAD
        self.variable: list[Sized] = []  # of rows as dicts
        self.by_position: list[Sized] = []  # of rows as the driver's tuples, in the order of `columns`
        self.guess = 0
        for position, (name, cql_type) in enumerate(columns):
            size = fixed_size(cql_type)
            self.fixed += VALUE_OVERHEAD
            if size is not None:
                self.fixed += size
                continue
            self.guess += guessed_size(cql_type)
            sized = _plain if cql_type.kind in PLAIN else _deep_column
            self.variable.append(sized(name))
            self.by_position.append(sized(position))
        self.measured: float | None = None

    @property
    def known(self) -> bool:
        """Whether the width is exact or measured: no probe needed."""
        return not self.variable or self.measured is not None

    @property
    def per_row(self) -> float:
        return self.fixed + (self.measured if self.measured is not None else self.guess)

    def rows_for(self, budget: float, *, cap: int) -> int:
        """The rows of the next driver page: what `budget` bytes hold, at least 1, at most `cap` (and at most a
        probe while the width is unknown)."""
        rows = max(1, math.ceil(budget / self.per_row))
        if not self.known:
            rows = min(rows, PROBE_ROWS)
        return min(rows, cap)

    def measure(self, rows: Sequence[dict[str, Any]] | Sequence[tuple[Any, ...]]) -> int:
        """The bytes of these rows (as read from the driver, before any encoding: dicts, or the driver's tuples in
        the order of the columns this width was made of); learns the width from them."""
        if not rows:
            return 0
        if not self.variable:
            return self.fixed * len(rows)
        columns = self.by_position if type(rows[0]) is tuple else self.variable
        variable = sum(sized(rows) for sized in columns)
        average = variable / len(rows)
        # Quick to grow, slow to shrink: a wider stretch of rows must not find the next page sized for narrow ones.
        self.measured = average if self.measured is None else max(average, (self.measured + average) / 2)
        return self.fixed * len(rows) + variable


def fixed_size(cql_type: CqlType) -> int | None:
    """The bytes of every value of this type, or None when they vary."""
    if cql_type.kind in FIXED:
        return FIXED[cql_type.kind]
    if cql_type.kind == "vector" and cql_type.size is not None:
        element = fixed_size(cql_type.params[0])
        return None if element is None else element * cql_type.size
    if cql_type.kind == "tuple" or cql_type.kind == "udt":
        sizes = [fixed_size(p) for p in _members(cql_type)]
        if all(size is not None for size in sizes):
            return sum(VALUE_OVERHEAD + (size or 0) for size in sizes)
    return None


def guessed_size(cql_type: CqlType) -> int:
    """A variable-width value's size before any was measured."""
    fixed = fixed_size(cql_type)
    if fixed is not None:
        return fixed
    kind = cql_type.kind
    if kind in PLAIN:
        return GUESS_PLAIN
    if kind in ("list", "set", "map"):
        return GUESS_ELEMENTS * sum(VALUE_OVERHEAD + guessed_size(p) for p in cql_type.params)
    if kind in ("tuple", "udt"):
        return sum(VALUE_OVERHEAD + guessed_size(p) for p in _members(cql_type))
    if kind == "vector" and cql_type.size is not None:
        return cql_type.size * (VALUE_OVERHEAD + guessed_size(cql_type.params[0]))
    return GUESS_NUMBER


def _members(cql_type: CqlType) -> Sequence[CqlType]:
    if cql_type.kind == "udt" and cql_type.udt is not None:
        return [field_type for _, field_type in cql_type.udt.fields]
    return cql_type.params


def _plain(name: str | int) -> Sized:
    get = itemgetter(name)

    def sized(rows: Sequence[Any]) -> int:
        return sum(map(len, filter(None, map(get, rows))))  # C-level: about 30 ns a row

    return sized


def _deep_column(name: str | int) -> Sized:
    get = itemgetter(name)

    def sized(rows: Sequence[Any]) -> int:
        return sum(deep_size(value) for value in map(get, rows))

    return sized


def deep_size(value: object) -> int:
    """A driver value's size: collections, tuples and UDTs (namedtuples) element by element."""
    if value is None:
        return 0
    if isinstance(value, str | bytes | bytearray):
        return len(value)
    if isinstance(value, bool | float):
        return 8
    if isinstance(value, int):
        return value.bit_length() // 8 + 1
    if isinstance(value, Decimal):
        return len(value.as_tuple().digits) // 2 + 4
    items = getattr(value, "items", None)
    if callable(items):
        return sum(2 * VALUE_OVERHEAD + deep_size(k) + deep_size(v) for k, v in items())
    if isinstance(value, Iterable):  # a list, a set (the driver's SortedSet), a tuple or UDT (a namedtuple)
        return sum(VALUE_OVERHEAD + deep_size(item) for item in value)
    return 16  # a uuid, a date or time, an address
