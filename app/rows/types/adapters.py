"""The shapes every family fills: a `Codec` (JSON -> driver value) and a `Scalar` registry row (both directions,
the compact-map key text, and the JSON Schemas) per scalar kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.rows.literals import is_null, unquote
from app.rows.types.dialect import Dialect
from app.rows.types.errors import cannot, invalid
from app.rows.types.model import CqlType

Schema = dict[str, Any]
Encode = Callable[[Any], object]


@dataclass(frozen=True, slots=True)
class Codec:
    parse: Callable[[str], object]  # the stringified form (already unquoted) -> driver value
    from_json: Callable[[object], object]  # a non-string, non-null JSON value -> driver value

    def nested(self, value: object) -> object:
        """A value inside a JSON array/object: strings in the stringified form, but not unquoted (as Stargate)."""
        if type(value) is str:
            return self.parse(value)
        return self.from_json(value)

    def element(self, token: str) -> object:
        """An element of a literal: unquoted, then parsed; a bare `null` is None."""
        if is_null(token):
            return None
        return self.parse(unquote(token))


@dataclass(frozen=True, slots=True)
class Scalar:
    """One scalar kind, both directions. `encode(dialect)` is the encoder, or None when the driver's value is
    already what orjson should write (text, small integers, uuids); every encoder takes None too. `key_text` is the
    text Stargate gives a (non-null) value as a compact map key: Java's `String.valueOf`."""

    decode: Callable[[CqlType, Dialect], Codec]
    encode: Callable[[Dialect], Encode | None]
    key_text: Callable[[Any], str]
    read: Schema  # JSON Schema of what `encode` writes
    written: Schema | None = None  # the JSON forms the decoder takes, when they are more than `read`
    key_schema: Schema | None = None  # a key path segment's schema, when it is not `written or read`
    key_names: Schema | None = None  # the propertyNames of a compact map with this key kind, when it has a plain form
    json_string: bool = False  # its JSON form is a string, so a strict `$in` element may be one (Stargate's rule)


def always(encode: Encode | None) -> Callable[[Dialect], Encode | None]:
    """An `encode` the same in every dialect."""
    return lambda dialect: encode


def refuse(t: CqlType) -> Callable[[object], object]:
    """The `from_json` of a kind that has no non-string JSON form."""

    def from_json(value: object) -> object:
        raise cannot(value, t)

    return from_json


def wrapped(t: CqlType, parse: Callable[[str], object]) -> Callable[[str], object]:
    """A parser that raises ValueError (saying what was expected) as a BadValue quoting the text."""

    def checked(text: str) -> object:
        try:
            return parse(text)
        except ValueError as exc:
            raise invalid(text, t, str(exc)) from None

    return checked
