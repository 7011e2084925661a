"""A column or field type as a Stargate client writes it (`typeDefinition`), parsed and written again as CQL.

Stargate's form: native types and `list`, `set`, `map`, `frozen`, `tuple` and `vector` in any case; a user-defined
type by its exact name (`Address` is the type `Address`, as Stargate quotes every UDT name), or double-quoted, or as
`udt<Address>` (how the schema API's GET prints one). Written again with the native names in lowercase and each UDT
name quoted by the driver's rule, so nothing of the text reaches CQL as it was sent. Bounded: MAX_TYPE_LENGTH
characters, MAX_DEPTH levels of nesting. A UDT name that does not exist is Cassandra's to refuse ("Unknown type").
Custom types (a Java class in single quotes) are refused: the rows API could not read their columns.
"""

from __future__ import annotations

import re

from app.exceptions import RowsError
from app.schema_ddl.fields import cql_name, echo

MAX_TYPE_LENGTH = 1000
MAX_DEPTH = 16
MAX_VECTOR_SIZE = 1_000_000

NATIVE = frozenset(
    {
        "ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double", "duration", "float", "inet",
        "int", "smallint", "text", "time", "timestamp", "timeuuid", "tinyint", "uuid", "varchar", "varint",
    }
)  # fmt: skip
_ARITY = {"list": 1, "set": 1, "frozen": 1, "map": 2, "udt": 1}  # tuple: one or more; vector: a type and a size
_TOKEN = re.compile(r'\s*(?:(?P<name>[A-Za-z0-9_]+)|(?P<quoted>"(?:[^"]|"")+")|(?P<sym>[<>,])|(?P<other>\S))')


class _Parser:
    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.what = what
        self.tokens: list[tuple[str, str]] = []
        for match in _TOKEN.finditer(text):
            group = match.lastgroup
            assert group is not None
            if group == "other":
                if match.group("other") == "'":
                    raise self.error("custom types (a class name in single quotes) are not supported")
                raise self.error(f"unexpected {match.group('other')!r}")
            self.tokens.append((group, match.group(group)))
        if not self.tokens:
            raise self.error("it is empty")
        self.pos = 0

    def error(self, problem: str) -> RowsError:
        return RowsError(400, f"Invalid type definition {echo(self.text)} ({self.what}): {problem}", "bad_type")

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.error("it ends too early")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def expect(self, symbol: str) -> None:
        if self.take() != ("sym", symbol):
            raise self.error(f"expected {symbol!r} after {self.tokens[self.pos - 2][1]!r}")

    def whole(self) -> str:
        written = self.one(0)
        if self.pos != len(self.tokens):
            raise self.error(f"unexpected {self.tokens[self.pos][1]!r}")
        return written

    def one(self, depth: int) -> str:
        if depth > MAX_DEPTH:
            raise self.error(f"it nests deeper than {MAX_DEPTH} levels")
        group, value = self.take()
        if group == "quoted":
            return cql_name(value[1:-1].replace('""', '"'))
        if group != "name":
            raise self.error(f"unexpected {value!r}")
        base = value.lower()
        has_params = self.pos < len(self.tokens) and self.tokens[self.pos] == ("sym", "<")
        if base in NATIVE and not has_params:
            return base
        if base in _ARITY or base in ("tuple", "vector"):
            if not has_params:
                raise self.error(f"{base} needs its parameters in <...>")
            self.pos += 1
            return self.vector(depth) if base == "vector" else self.parameterized(base, depth)
        if has_params:
            raise self.error(f"{value!r} takes no parameters")
        return cql_name(value)  # a user-defined type, by its exact name

    def parameterized(self, base: str, depth: int) -> str:
        if base == "udt":
            group, value = self.take()
            if group not in ("name", "quoted"):
                raise self.error(f"unexpected {value!r} in udt<...>")
            params = [cql_name(value[1:-1].replace('""', '"') if group == "quoted" else value)]
        else:
            params = [self.one(depth + 1)]
        while self.pos < len(self.tokens) and self.tokens[self.pos] == ("sym", ","):
            self.pos += 1
            params.append(self.one(depth + 1))
        self.expect(">")
        arity = _ARITY.get(base)
        if arity is not None and len(params) != arity:
            raise self.error(f"{base} takes {arity} type{'s' if arity > 1 else ''}, not {len(params)}")
        if base == "udt":
            return params[0]
        return f"{base}<{', '.join(params)}>"

    def vector(self, depth: int) -> str:
        element = self.one(depth + 1)
        self.expect(",")
        group, value = self.take()
        if group != "name" or len(value) > 7 or not value.isdigit() or not 1 <= int(value) <= MAX_VECTOR_SIZE:
            raise self.error(f"a vector's size must be a number from 1 to {MAX_VECTOR_SIZE}, not {value!r}")
        self.expect(">")
        return f"vector<{element}, {int(value)}>"


def cql_type(text: object, what: str) -> str:
    """`text` (a client's `typeDefinition`) as CQL; a 400 naming `what` when it is not a type."""
    if not isinstance(text, str) or not text.strip():
        raise RowsError(400, f"{what}: typeDefinition must be provided", "bad_type")
    if len(text) > MAX_TYPE_LENGTH:
        raise RowsError(400, f"{what}: typeDefinition is longer than {MAX_TYPE_LENGTH} characters", "bad_type")
    return _Parser(text, what).whole()
