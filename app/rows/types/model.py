"""The CQL type model: what a column's type is, as the driver's metadata prints it and `parse_type` reads it."""

from __future__ import annotations

import re
from dataclasses import dataclass

SCALAR_KINDS = frozenset(
    {
        *("ascii", "text", "boolean", "blob", "inet", "uuid", "timeuuid"),
        *("tinyint", "smallint", "int", "bigint", "varint", "counter", "float", "double", "decimal"),
        *("date", "time", "timestamp", "duration"),
    }
)
INT64 = (-(2**63), 2**63 - 1)  # bigint, counter, and a timestamp's epoch milliseconds


@dataclass(frozen=True, slots=True)
class Udt:
    keyspace: str
    name: str
    fields: tuple[tuple[str, CqlType], ...]

    def __str__(self) -> str:
        return quote_name(self.name)


@dataclass(frozen=True, slots=True)
class CqlType:
    kind: str
    params: tuple[CqlType, ...] = ()
    frozen: bool = False
    udt: Udt | None = None
    size: int | None = None

    def __str__(self) -> str:
        kind = self.kind
        if kind == "udt":
            assert self.udt is not None
            text = quote_name(self.udt.name)
        elif kind == "vector":
            text = f"vector<{self.params[0]}, {self.size}>"
        elif self.params:
            text = f"{kind}<{', '.join(str(p) for p in self.params)}>"
        else:
            text = kind
        return f"frozen<{text}>" if self.frozen else text


_BARE_NAME = re.compile(r"[a-z][a-z0-9_]*")


def quote_name(name: str) -> str:
    """A CQL identifier as CQL prints it: bare when it is lowercase, double-quoted (quotes doubled) otherwise."""
    return name if _BARE_NAME.fullmatch(name) else '"' + name.replace('"', '""') + '"'
