"""Containers: list, set, vector, map, tuple, UDT, both directions, and the recursion over any type that dispatches
scalars to the registry. A container's elements are bounded (MAX_COLLECTION_ELEMENTS) before they are converted, and
its nesting is the type's own: a JSON array where the type has a scalar is refused by the scalar's codec."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from app.rows.literals import LiteralError, name_of, split_elements, split_entries, split_pairs
from app.rows.types.adapters import Codec, Encode
from app.rows.types.dialect import Dialect
from app.rows.types.errors import BadValue, cannot, no_null, show
from app.rows.types.limits import LIMITS
from app.rows.types.model import CqlType
from app.rows.types.registry import SCALARS
from app.rows.types.text import parse_blob


class MapItems(tuple[tuple[object, object], ...]):
    """A map value the driver binds (it only calls `len()` and `.items()`) that can itself be a map key or inside
    one (a `frozen<map>` key), where a dict cannot be: dicts are not hashable."""

    __slots__ = ()

    def items(self) -> MapItems:
        return self


def _counted(count: int, t: CqlType) -> None:
    if count > LIMITS.max_collection_elements:
        raise BadValue(f"Too many elements for {t}: {count} (at most {LIMITS.max_collection_elements})")


def _literal(parse: Callable[[str], object]) -> Callable[[str], object]:
    def checked(text: str) -> object:
        try:
            return parse(text)
        except LiteralError as exc:
            raise BadValue(str(exc)) from None

    return checked


# --- decoding ---------------------------------------------------------------------------------------------------


@cache
def codec(t: CqlType, hashable: bool, dialect: Dialect) -> Codec:
    """The codec of any type; `hashable` when the value will be a map key or inside one (tuples, MapItems)."""
    scalar = SCALARS.get(t.kind)
    if scalar is not None:
        return scalar.decode(t, dialect)
    if t.kind in ("list", "set", "vector"):
        return _sequence_codec(t, hashable, dialect)
    if t.kind == "map":
        return _map_codec(t, hashable, dialect)
    if t.kind == "tuple":
        return _tuple_codec(t, hashable, dialect)
    if t.kind == "udt":
        return _udt_codec(t, hashable, dialect)
    raise ValueError(f"Unsupported type {t}")


def _sequence_codec(t: CqlType, hashable: bool, dialect: Dialect) -> Codec:
    element = codec(t.params[0], hashable, dialect)
    kind = t.kind
    where = f"a {kind} element"
    opening, closing, what = ("{", "}", "Set") if kind == "set" else ("[", "]", "List" if kind == "list" else "Vector")
    size = t.size
    nested, from_element = element.nested, element.element

    def sized(values: list[object]) -> object:
        if size is not None and len(values) != size:
            raise BadValue(f"Expected vector of size {size}, got {len(values)}")
        return tuple(values) if hashable else values  # a set is bound as a list too: Cassandra dedups and sorts

    def parse(text: str) -> object:
        tokens = split_elements(text, opening, closing, what)
        _counted(len(tokens), t)
        return sized([no_null(from_element(token), where) for token in tokens])

    def from_json(value: object) -> object:
        if type(value) is not list:
            raise cannot(value, t)
        _counted(len(value), t)
        return sized([nested(no_null(x, where)) for x in value])

    if size is None or t.params[0].kind != "float" or hashable:
        return Codec(_literal(parse), from_json)
    floats = _float_vector(size, from_json)
    if dialect.extended_json:
        floats = _binary_vector(size, floats)
    return Codec(_literal(parse), floats)


def _binary_vector(size: int, from_json: Callable[[object], object]) -> Callable[[object], object]:
    """The Data API's `{"$binary": "<base64>"}` vector: `size` big-endian float32s."""
    unpack = struct.Struct(f">{size}f").unpack

    def from_json_binary(value: object) -> object:
        if type(value) is dict and len(value) == 1 and type(encoded := value.get("$binary")) is str:
            try:
                raw = parse_blob(encoded)
            except ValueError as exc:
                raise BadValue(f"Invalid $binary vector: {exc}") from None
            if len(raw) != 4 * size:
                raise BadValue(f"Expected vector of size {size}, got {len(raw) // 4} float32s in $binary")
            return list(unpack(raw))
        return from_json(value)

    return from_json_binary


def _float_vector(size: int, from_json: Callable[[object], object]) -> Callable[[object], object]:
    """The common case of a float vector in one pass: plain numbers, one float32 range check for them all; anything
    else (and any culprit to name) goes element by element through `from_json`."""
    pack = struct.Struct(f"<{size}f").pack

    def from_json_floats(value: object) -> object:
        if type(value) is list and len(value) == size and all(type(x) is float or type(x) is int for x in value):
            try:
                numbers = [float(x) for x in value]
                pack(*numbers)
            except OverflowError:
                pass
            else:
                return numbers
        return from_json(value)

    return from_json_floats


def _map_codec(t: CqlType, hashable: bool, dialect: Dialect) -> Codec:
    key_type, value_type = t.params
    key, val = codec(key_type, True, dialect), codec(value_type, hashable, dialect)
    key_parse, key_nested, key_element = key.parse, key.nested, key.element
    val_nested, val_element = val.nested, val.element

    def finish(pairs: Iterable[tuple[object, object]]) -> object:
        return MapItems(pairs) if hashable else dict(pairs)

    def parse(text: str) -> object:
        pairs = split_entries(text) if text.lstrip().startswith("[") else split_pairs(text, "Compact Map")
        _counted(len(pairs), t)
        return finish((no_null(key_element(k), "a map key"), no_null(val_element(v), "a map value")) for k, v in pairs)

    pairs_form = dialect.maps == "pairs"

    def entry(item: object) -> tuple[object, object]:
        if pairs_form and type(item) is list and len(item) == 2:  # the Data API's [key, value]
            return key_nested(no_null(item[0], "a map key")), val_nested(no_null(item[1], "a map value"))
        if type(item) is not dict or len(item) != 2 or "key" not in item or "value" not in item:
            raise BadValue(f"A map entry must be an object with exactly 'key' and 'value', got {show(item)}")
        return key_nested(no_null(item["key"], "a map key")), val_nested(no_null(item["value"], "a map value"))

    def from_json(value: object) -> object:
        # Both JSON forms in both modes: an object (compact; its keys are strings, parsed per the key type) or an
        # array of {"key": k, "value": v} (non-compact); neither can be mistaken for the other.
        if type(value) is dict:
            _counted(len(value), t)
            return finish((key_parse(k), val_nested(no_null(v, "a map value"))) for k, v in value.items())
        if type(value) is list:
            _counted(len(value), t)
            return finish([entry(item) for item in value])
        raise cannot(value, t)

    return Codec(_literal(parse), from_json)


def _tuple_codec(t: CqlType, hashable: bool, dialect: Dialect) -> Codec:
    members = [codec(p, hashable, dialect) for p in t.params]
    count = len(members)

    def parse(text: str) -> object:
        tokens = split_elements(text, "(", ")", "Tuple")
        if not tokens:
            return None  # "()": Stargate writes an empty tuple, which reads back as null
        if len(tokens) != count:
            raise BadValue(f"Tuple expected {count} values, got {len(tokens)}")
        return tuple(m.element(token) for m, token in zip(members, tokens, strict=True))

    def from_json(value: object) -> object:
        if type(value) is not list:
            raise cannot(value, t)
        if len(value) != count:
            raise BadValue(f"Tuple expected {count} values, got {len(value)}")
        return tuple(None if x is None else m.nested(x) for m, x in zip(members, value, strict=True))

    return Codec(_literal(parse), from_json)


def _udt_codec(t: CqlType, hashable: bool, dialect: Dialect) -> Codec:
    assert t.udt is not None
    udt = t.udt
    names = [name for name, _ in udt.fields]
    index = {name: i for i, name in enumerate(names)}
    members = [codec(field_type, hashable, dialect) for _, field_type in udt.fields]
    count = len(members)

    def unknown(name: str) -> BadValue:
        return BadValue(f"UDT '{udt.name}' does not have field {show(name)}")

    def parse(text: str) -> object:
        values: list[object] = [None] * count
        for name_token, token in split_pairs(text, "UDT", names=True):
            name = name_of(name_token)
            i = index.get(name)
            if i is None:
                raise unknown(name)
            values[i] = members[i].element(token)
        return tuple(values)

    def from_json(value: object) -> object:
        if type(value) is not dict:
            raise cannot(value, t)
        values: list[object] = [None] * count
        for name, x in value.items():
            i = index.get(name)
            if i is None:
                raise unknown(name)
            if x is not None:
                values[i] = members[i].nested(x)
        return tuple(values)

    return Codec(_literal(parse), from_json)


# --- encoding ---------------------------------------------------------------------------------------------------
# The driver's values are untyped (Any); each encoder takes None as well.


def _identity(value: Any) -> object:
    return value


@cache
def encoder(t: CqlType, compact: bool, dialect: Dialect) -> Encode | None:
    """A driver result value -> what orjson writes, or None when it is right as it is (see `app.rows.types`)."""
    scalar = SCALARS.get(t.kind)
    if scalar is not None:
        return scalar.encode(dialect)
    if t.kind in ("list", "set", "vector"):
        return _sequence_encoder(t, compact, dialect)
    if t.kind == "map":
        return _map_encoder(t, compact, dialect)
    if t.kind == "tuple":
        members = [encoder(p, compact, dialect) or _identity for p in t.params]

        def encode_tuple(value: Any) -> object:
            return None if value is None else [m(x) for m, x in zip(members, value, strict=True)]

        return encode_tuple
    if t.kind == "udt":
        assert t.udt is not None
        fields = [(name, encoder(ftype, compact, dialect) or _identity) for name, ftype in t.udt.fields]

        def encode_udt(value: Any) -> object:
            if value is None:
                return {}
            # Positionally: the driver's generated named tuple renames fields that are not Python identifiers.
            return {name: encode(x) for (name, encode), x in zip(fields, value, strict=False)}

        return encode_udt
    raise ValueError(f"Unsupported type {t}")


def _sequence_encoder(t: CqlType, compact: bool, dialect: Dialect) -> Encode | None:
    element_type = t.params[0]
    element = encoder(element_type, compact, dialect)
    # A vector is null when null (Stargate v2.1). Its floats are written as the driver gives them: the exact
    # float32 value as a double (0.10000000149011612, which reads back as the same float32); the shortest
    # digits (0.1, as Stargate prints) cost about 1 us per element, milliseconds per embedding.
    if t.kind == "vector" and (element_type.kind == "float" or element is None):
        return None
    if element is None:  # a list or set (Stargate v2.0: [] when null or empty)

        def encode_plain(value: Any) -> object:
            if value is None:
                return []
            return value if type(value) is list else list(value)  # sets come as the driver's SortedSet

        return encode_plain
    null: list[object] | None = None if t.kind == "vector" else []
    encode_element = element

    def encode_elements(value: Any) -> object:
        if value is None:
            return None if null is None else []
        return [encode_element(x) for x in value]

    return encode_elements


def _map_encoder(t: CqlType, compact: bool, dialect: Dialect) -> Encode:
    key_type, value_type = t.params
    encode_value = encoder(value_type, compact, dialect) or _identity
    if dialect.maps == "pairs" and key_type.kind not in ("text", "ascii"):
        encode_pair_key = encoder(key_type, compact, dialect) or _identity

        def encode_pairs(value: Any) -> object:
            if value is None:
                return []
            return [[encode_pair_key(k), encode_value(v)] for k, v in value.items()]

        return encode_pairs
    if compact or dialect.maps == "pairs":
        key_text = java_text(key_type)

        def encode_compact(value: Any) -> object:
            if value is None:
                return {}
            return {key_text(k): encode_value(v) for k, v in value.items()}

        return encode_compact
    encode_key = encoder(key_type, compact, dialect) or _identity

    def encode_entries(value: Any) -> object:
        if value is None:
            return []
        return [{"key": encode_key(k), "value": encode_value(v)} for k, v in value.items()]

    return encode_entries


# --- compact map keys: Java's String.valueOf ---------------------------------------------------------------------


def _java_null(function: Callable[[Any], str]) -> Callable[[Any], str]:
    def text(value: Any) -> str:
        return "null" if value is None else function(value)

    return text


def _java_elements(element: Callable[[Any], str], empty: str) -> Callable[[Any], str]:
    def text(value: Any) -> str:
        return empty if value is None else "[" + ", ".join(element(x) for x in value) + "]"

    return text


def _java_fields(fields: list[tuple[str, Callable[[Any], str]]]) -> Callable[[Any], str]:
    def text(value: Any) -> str:
        if value is None:
            return "{}"
        return "{" + ", ".join(f"{name}={field(x)}" for (name, field), x in zip(fields, value, strict=False)) + "}"

    return text


@cache
def java_text(t: CqlType) -> Callable[[Any], str]:
    """The text Stargate gives a driver value when it is a compact map key: Java's `String.valueOf` of the value
    Stargate holds (seen on Stargate v2.0.51): `1.0E10` for a double, `/1.2.3.4` for an inet, `10:30` for a time,
    `[1, 2]` for a frozen list, `{k=1}` for a frozen map, `{street=s, zip=5}` for a UDT, `[1, a]` for a tuple.
    One deliberate difference: a blob inside a collection key is base64 (Java prints a ByteBuffer's address)."""
    kind = t.kind
    scalar = SCALARS.get(kind)
    if scalar is not None:
        return _java_null(scalar.key_text)
    if kind in ("list", "set", "vector"):
        return _java_elements(java_text(t.params[0]), "null" if kind == "vector" else "[]")
    if kind == "tuple":
        members = [java_text(p) for p in t.params]

        def tuple_text(value: Any) -> str:
            return "null" if value is None else "[" + ", ".join(m(x) for m, x in zip(members, value, strict=True)) + "]"

        return tuple_text
    if kind == "map":
        key, item = java_text(t.params[0]), java_text(t.params[1])

        def map_text(value: Any) -> str:
            return "{}" if value is None else "{" + ", ".join(f"{key(k)}={item(v)}" for k, v in value.items()) + "}"

        return map_text
    if kind == "udt":
        assert t.udt is not None
        return _java_fields([(name, java_text(ftype)) for name, ftype in t.udt.fields])
    raise ValueError(f"Unsupported type {t}")
