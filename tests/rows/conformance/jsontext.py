"""JSON text with exact numbers: decimals are read and written as Decimal, never through a float.

Stargate answers `decimal` and `varint` values with more digits than a double holds (12345678901234567890.123456789)
and Java's own spellings (1E+3); the stdlib json would round them on the way into the recording. Load the recording
with `loads` to compare numbers exactly.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def loads(text: str) -> Any:
    """Parse JSON, keeping every number with a fraction or exponent as an exact Decimal."""
    return json.loads(text, parse_float=Decimal)


def sorted_json(value: Any) -> Any:
    """The same JSON value with object keys sorted at every level (arrays keep their order)."""
    if isinstance(value, dict):
        return {k: sorted_json(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_json(v) for v in value]
    return value


INLINE_WIDTH = 120


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text like json.dumps(ensure_ascii=False), with Decimal written as its exact digits.

    With an indent, an object or array holding only scalars goes on one line when it fits INLINE_WIDTH, so a row
    of the recording reads as one line.
    """
    return _encode(value, indent, 0)


def _inline(v: list[Any] | tuple[Any, ...] | dict[str, Any]) -> str | None:
    """The one-line form of a container of scalars, or None when it holds containers."""
    if isinstance(v, dict):
        if any(isinstance(x, list | tuple | dict) for x in v.values()):
            return None
        return (
            "{"
            + ", ".join(json.dumps(str(k), ensure_ascii=False) + ": " + _encode(x, None, 0) for k, x in v.items())
            + "}"
        )
    if any(isinstance(x, list | tuple | dict) for x in v):
        return None
    return "[" + ", ".join(_encode(x, None, 0) for x in v) + "]"


def _encode(v: Any, indent: int | None, level: int) -> str:
    if v is None or isinstance(v, bool | int | float | str):
        return json.dumps(v, ensure_ascii=False, allow_nan=False)
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise ValueError(f"not a JSON number: {v}")
        return str(v)
    if indent is not None and isinstance(v, list | tuple | dict) and v:
        line = _inline(v)
        if line is not None and len(line) + indent * (level + 1) <= INLINE_WIDTH:
            return line
    if isinstance(v, list | tuple):
        return _join("[", "]", [_encode(x, indent, level + 1) for x in v], indent, level)
    if isinstance(v, dict):
        sep = ":" if indent is None else ": "
        items = [json.dumps(str(k), ensure_ascii=False) + sep + _encode(x, indent, level + 1) for k, x in v.items()]
        return _join("{", "}", items, indent, level)
    raise TypeError(f"cannot encode {type(v).__name__} as JSON")


def _join(open_: str, close: str, items: list[str], indent: int | None, level: int) -> str:
    if not items:
        return open_ + close
    if indent is None:
        return open_ + ",".join(items) + close
    inner = "\n" + " " * (indent * (level + 1))
    return open_ + inner + ("," + inner).join(items) + "\n" + " " * (indent * level) + close
