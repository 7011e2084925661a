"""How `app.rows.batches.plan` groups bound rows into batches (a pure function: rows made by hand)."""

from __future__ import annotations

from typing import Any

from app.rows.batches import BatchLimits, Pending, plan


def row(index: int, partition: str, key: str = "", *, size: int = 10, static: bool = False) -> Pending:
    conflicts: tuple[tuple[object, ...], ...] = ((partition, key or str(index)),)
    if static:
        conflicts += (("static", partition),)
    statement: Any = None  # plan never looks at the statement
    return Pending(index, statement, (partition,), conflicts, size)


def indexes(groups: list[list[Pending]]) -> list[list[int]]:
    return [[r.number for r in group] for group in groups]


def test_unordered_puts_every_row_of_a_partition_together_in_order_of_first_appearance() -> None:
    rows = [row(0, "a"), row(1, "b"), row(2, "a"), row(3, "c"), row(4, "b")]
    assert indexes(plan(rows, BatchLimits(), ordered=False)) == [[0, 2], [1, 4], [3]]


def test_ordered_groups_only_runs_of_consecutive_rows_of_one_partition() -> None:
    rows = [row(0, "a"), row(1, "a"), row(2, "b"), row(3, "a"), row(4, "a")]
    assert indexes(plan(rows, BatchLimits(), ordered=True)) == [[0, 1], [2], [3, 4]]


def test_a_batch_is_cut_at_its_row_limit() -> None:
    rows = [row(i, "a") for i in range(5)]
    assert indexes(plan(rows, BatchLimits(rows=2), ordered=False)) == [[0, 1], [2, 3], [4]]


def test_a_batch_is_cut_at_its_byte_limit_and_a_larger_row_goes_alone() -> None:
    rows = [row(0, "a", size=600), row(1, "a", size=600), row(2, "a", size=5000), row(3, "a", size=100)]
    assert indexes(plan(rows, BatchLimits(bytes=1024), ordered=False)) == [[0], [1], [2], [3]]


def test_a_second_write_of_one_primary_key_starts_another_batch() -> None:
    rows = [row(0, "a", "k"), row(1, "a", "j"), row(2, "a", "k"), row(3, "a", "i")]
    assert indexes(plan(rows, BatchLimits(), ordered=False)) == [[0, 1], [2, 3]]


def test_a_second_write_of_a_partitions_statics_starts_another_batch() -> None:
    rows = [row(0, "a", static=True), row(1, "a"), row(2, "a", static=True)]
    assert indexes(plan(rows, BatchLimits(), ordered=False)) == [[0, 1], [2]]
