"""`projection` and `sort` of a read, against a table: which columns come back, and in what order rows do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.routes.data_api import errors
from app.routes.data_api.command import DataApiError
from app.rows.catalog import Column, Table


def parse_projection(table: Table, raw: object) -> list[Column]:
    """`{"a": 1, "b": true}` (only these) or `{"a": 0}` (all but these); none or `{}`: every column."""
    if raw is None or raw == {}:
        return list(table.columns.values())
    if not isinstance(raw, dict):
        raise errors.error(
            "UNSUPPORTED_PROJECTION_DEFINITION", "PROJECTION", projectionValueType=type(raw).__name__.upper()
        )
    unknown = [name for name in raw if name not in table.columns and not name.startswith("$")]
    if unknown:
        raise errors.error(
            "UNKNOWN_TABLE_COLUMNS", "PROJECTION", **errors.table_vars(table), unknownColumns=", ".join(unknown)
        )
    flags = {name: _flag(name, value) for name, value in raw.items() if not name.startswith("$")}
    if len(set(flags.values())) > 1:
        first = next(iter(flags.values()))
        odd = next(name for name, flag in flags.items() if flag is not first)
        what = f"cannot exclude '{odd}' on inclusion" if first else f"cannot include '{odd}' on exclusion"
        raise errors.error("UNSUPPORTED_PROJECTION_PARAM", "PROJECTION", errorMessage=f"{what} projection")
    if not flags:
        return list(table.columns.values())
    including = next(iter(flags.values()))
    return [c for c in table.columns.values() if (c.name in flags) is including]


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise errors.error(
        "UNSUPPORTED_PROJECTION_PARAM",
        "PROJECTION",
        errorMessage=f"path ('{name}') value should be 1/true or 0/false, not {value!r}",
    )


@dataclass(frozen=True, slots=True)
class Sort:
    """A regular sort (`columns`: column, descending), or a vector search (`vector`, `by`)."""

    columns: tuple[tuple[Column, bool], ...] = ()
    vector: Column | None = None
    by: object = None  # the query vector, as given (an array or {"$binary": ...})


def parse_sort(table: Table, raw: object) -> Sort:
    if raw is None or raw == {}:
        return Sort()
    if not isinstance(raw, dict):
        raise _sort_error(table, raw)
    unknown = [name for name in raw if name not in table.columns]
    if unknown:
        raise errors.error(
            "CANNOT_SORT_UNKNOWN_COLUMNS", "SORT", **errors.table_vars(table), unknownColumns=", ".join(unknown)
        )
    vectors = [(name, value) for name, value in raw.items() if isinstance(value, (list, dict))]
    if vectors:
        name, value = vectors[0]
        column = table.columns[name]
        if len(raw) > 1:
            raise errors.error(
                "CANNOT_SORT_VECTOR_AND_NON_VECTOR_COLUMNS", "SORT", **errors.table_vars(table), sortColumns=name
            )
        if column.type.kind != "vector":
            raise errors.error(
                "CANNOT_VECTOR_SORT_NON_VECTOR_COLUMNS", "SORT", **errors.table_vars(table), sortColumns=name
            )
        return Sort(vector=column, by=value)
    ordered: list[tuple[Column, bool]] = []
    for name, value in raw.items():
        if value not in (1, -1) or isinstance(value, bool):
            raise _sort_error(table, value)
        ordered.append((table.columns[name], value == -1))
    return Sort(columns=tuple(ordered))


def _sort_error(table: Table, value: object) -> DataApiError:
    return errors.error(
        "INVALID_REGULAR_SORT_EXPRESSION", "SORT", jsonExpr=repr(value), jsonType=type(value).__name__.upper()
    )
