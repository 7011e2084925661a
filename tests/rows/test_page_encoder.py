"""The generated row builders: the driver's tuples as the face's row dicts, in the client's order, encoded, for any
column name (pure functions: no database needed)."""

from __future__ import annotations

import datetime

from app.rows.catalog import Column, Kind, Table
from app.rows.page_encoder import generate, rows_builder
from app.rows.types import CqlType


def _table(*columns: tuple[str, str]) -> Table:
    described = {name: Column(name, CqlType(kind), Kind.REGULAR) for name, kind in columns}
    first = next(iter(described.values()))
    return Table("ks", "t", described, (first,), (), source=object())


def test_tuples_become_dicts_of_the_selected_columns_in_their_order() -> None:
    build = generate(("a", "b", "c"), ("a", "b", "c"), (None, None, None))
    assert build([(1, "x", None), (2, "y", 3)]) == [{"a": 1, "b": "x", "c": None}, {"a": 2, "b": "y", "c": 3}]


def test_the_output_order_is_the_clients_and_may_differ_from_the_statements() -> None:
    build = generate(("a", "b", "c"), ("c", "a"), (None, None))
    rows = build([(1, 2, 3)])
    assert rows == [{"c": 3, "a": 1}] and list(rows[0]) == ["c", "a"]


def test_each_value_goes_through_its_columns_encoder() -> None:
    build = generate(("a", "b"), ("a", "b"), (None, lambda value: f"<{value}>"))
    assert build([(1, 2), (3, None)]) == [{"a": 1, "b": "<2>"}, {"a": 3, "b": "<None>"}]


def test_a_single_column_unpacks_its_one_value_tuples() -> None:
    assert generate(("only",), ("only",), (None,))([(1,), (2,)]) == [{"only": 1}, {"only": 2}]


def test_column_names_are_keys_never_code() -> None:
    names = ("a b", "x'); import os; ('", '"Quoted"', "é", "1st")
    build = generate(names, names, (None,) * len(names))
    assert build([(1, 2, 3, 4, 5)]) == [dict(zip(names, (1, 2, 3, 4, 5), strict=True))]


def test_an_empty_page_is_an_empty_list() -> None:
    assert generate(("a",), ("a",), (None,))([]) == []


def test_a_tables_builder_writes_its_floats_and_timestamps_as_stargate_does() -> None:
    table = _table(("k", "int"), ("f", "float"), ("ts", "timestamp"))
    build = rows_builder(table, table.names, table.names, compact_maps=True)
    stamp = datetime.datetime(2021, 4, 23, 18, 42, 22, 139000)
    assert build([(1, 4.800000190734863, stamp), (2, None, None)]) == [
        {"k": 1, "f": 4.8, "ts": "2021-04-23T18:42:22.139Z"},
        {"k": 2, "f": None, "ts": None},
    ]


def test_a_tables_builder_is_made_once_per_column_choice() -> None:
    table = _table(("k", "int"), ("v", "text"))
    first = rows_builder(table, table.names, table.names, compact_maps=True)
    assert rows_builder(table, table.names, table.names, compact_maps=True) is first
    assert rows_builder(table, table.names, ("v",), compact_maps=True) is not first
