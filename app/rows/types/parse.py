"""Reading the driver metadata's type strings (`frozen<map<text, int>>`, `"MyType"`, `vector<float, 3>`) into
`CqlType`s: a tokenizer and a small recursive-descent parser, one method per construct."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.rows.types.model import SCALAR_KINDS, CqlType, Udt, quote_name

_TYPE_TOKEN = re.compile(
    r'\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<quoted>"(?:[^"]|"")*")|(?P<num>\d+)|(?P<sym>[<>,])|(?P<other>\S))'
)
_PARAMETERIZED = frozenset({"frozen", "list", "set", "map", "tuple", "vector"})
_ARITY = {"frozen": 1, "list": 1, "set": 1, "map": 2}  # tuple: any


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    for m in _TYPE_TOKEN.finditer(text):
        group = m.lastgroup
        assert group is not None
        if group == "other":
            if m.group("other") == "'":
                raise ValueError(f"Unsupported type {text!r}: custom types are not supported")
            raise ValueError(f"Cannot parse type {text!r}: unexpected {m.group('other')!r}")
        tokens.append((group, m.group(group)))
    if not tokens:
        raise ValueError(f"Cannot parse type {text!r}: empty")
    return tokens


class _Parser:
    """One type string's tokens, consumed left to right."""

    def __init__(self, text: str, user_types: Callable[[str], Udt | None]) -> None:
        self.text = text
        self.user_types = user_types
        self.tokens = _tokens(text)
        self.pos = 0

    def error(self, problem: str) -> ValueError:
        return ValueError(f"Cannot parse type {self.text!r}: {problem}")

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.error("unexpected end")
        token = self.tokens[self.pos]
        if (kind is not None and token[0] != kind) or (value is not None and token[1] != value):
            raise self.error(f"unexpected {token[1]!r}")
        self.pos += 1
        return token

    def whole(self) -> CqlType:
        result = self.one()
        if self.pos != len(self.tokens):
            raise self.error(f"unexpected {self.tokens[self.pos][1]!r}")
        return result

    def one(self) -> CqlType:
        group, value = self.take()
        if group == "quoted":
            return self.udt(value[1:-1].replace('""', '"'))
        if group != "name":
            raise self.error(f"unexpected {value!r}")
        name = value.lower()
        if name == "varchar":
            name = "text"
        if name in SCALAR_KINDS:
            return CqlType(name)
        if name in _PARAMETERIZED and self.peek() == "<":
            self.take("sym", "<")
            return self.vector() if name == "vector" else self.parameterized(name)
        return self.udt(name)

    def vector(self) -> CqlType:
        element = self.one()
        self.take("sym", ",")
        size = int(self.take("num")[1])
        self.take("sym", ">")
        if size < 1:
            raise self.error("a vector needs a positive size")
        return CqlType("vector", (element,), size=size)

    def parameterized(self, name: str) -> CqlType:
        params = [self.one()]
        while self.peek() == ",":
            self.take("sym", ",")
            params.append(self.one())
        self.take("sym", ">")
        expected = _ARITY.get(name)
        if expected is not None and len(params) != expected:
            raise self.error(f"{name} takes {expected} type(s)")
        if name == "frozen":
            return replace(params[0], frozen=True)
        return CqlType(name, tuple(params))

    def udt(self, name: str) -> CqlType:
        found = self.user_types(name)
        if found is None:
            raise ValueError(f"Unknown type {quote_name(name)} in {self.text!r}")
        return CqlType("udt", udt=found)


def parse_type(text: str, user_types: Callable[[str], Udt | None]) -> CqlType:
    """A column or field type as the driver's metadata prints it; `user_types` resolves UDT names in the table's
    keyspace. ValueError if unparseable."""
    return _Parser(text, user_types).whole()


def user_type_resolver(keyspace_meta: Any) -> Callable[[str], Udt | None]:
    """`parse_type`'s `user_types` for a driver `KeyspaceMetadata`: builds each UDT (and the UDTs it nests) once."""
    built: dict[str, Udt] = {}

    def resolve(name: str) -> Udt | None:
        if name in built:
            return built[name]
        meta = keyspace_meta.user_types.get(name)
        if meta is None:
            return None
        fields = tuple(
            (field, parse_type(type_text, resolve))
            for field, type_text in zip(meta.field_names, meta.field_types, strict=True)
        )
        built[name] = found = Udt(keyspace_meta.name, name, fields)
        return found

    return resolve


def table_column_types(keyspace_meta: Any, table: str) -> dict[str, CqlType]:
    """Every column of a table (driver metadata) as a `CqlType`, in the metadata's column order."""
    resolve = user_type_resolver(keyspace_meta)
    return {name: parse_type(column.cql_type, resolve) for name, column in keyspace_meta.tables[table].columns.items()}
