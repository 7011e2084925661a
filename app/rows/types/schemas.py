"""JSON Schemas (2020-12, as OpenAPI 3.1 takes them) of CQL values, in the forms the rows codec writes and reads.

The scalar schemas are the registry's rows (`read`: what the encoder writes; `written`: the JSON forms the decoder
takes, when more), so a kind added to the codec cannot go undescribed. Nullability on read is the encoder's: a null
scalar, tuple or vector reads as null, a null list or set as `[]`, a map as `{}`/`[]`, a UDT as `{}`. The decoder's
stringified forms (any value as a string, collections, tuples and UDTs as CQL literals, `'quoted'` strings
unquoted) are said in the descriptions rather than typed: typed, every column would be "any string", and the
schemas would say nothing. These describe the STARGATE dialect."""

from __future__ import annotations

from app.rows.types.adapters import Schema
from app.rows.types.model import CqlType
from app.rows.types.registry import SCALARS

NEVER_NULL_ON_READ = frozenset({"list", "set", "map", "udt"})  # the encoder writes [] or {} for a null


def nullable(schema: Schema) -> Schema:
    """The schema, or JSON null."""
    kind = schema.get("type")
    if isinstance(kind, str):  # an `anyOf` beside it holds formats only (inet), which a null passes
        return {**schema, "type": [kind, "null"]}
    if kind is None and "anyOf" in schema and not {"oneOf", "allOf", "$ref", "enum"} & schema.keys():
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}


def read_schema(t: CqlType) -> Schema:
    """What a read answers for a value of `t`, null included where the encoder writes one."""
    schema = _schema(t, written=False)
    return schema if t.kind in NEVER_NULL_ON_READ else nullable(schema)


def write_schema(t: CqlType, *, null: bool = True) -> Schema:
    """The JSON forms a write takes for a value of `t`; null writes a null (not for a key column or a counter)."""
    schema = _schema(t, written=True)
    return nullable(schema) if null else schema


def _schema(t: CqlType, *, written: bool) -> Schema:
    """The non-null form of a value of `t`."""
    kind = t.kind
    scalar = SCALARS.get(kind)
    if scalar is not None:
        return (scalar.written if written else None) or scalar.read
    member = write_schema if written else read_schema
    if kind == "udt":
        assert t.udt is not None
        fields = {name: member(ftype) for name, ftype in t.udt.fields}
        return {"type": "object", "title": t.udt.name, "properties": fields, "additionalProperties": False}
    if kind in ("list", "set", "vector"):
        # Elements are never null (Cassandra refuses them), so they are typed without null.
        array: Schema = {"type": "array", "items": _schema(t.params[0], written=written)}
        if kind == "set":
            array["uniqueItems"] = True
        if kind == "vector":
            array["minItems"] = array["maxItems"] = t.size
        return array
    if kind == "map":
        return _map_schema(t.params[0], t.params[1], written=written)
    if kind == "tuple":
        items = [member(p) for p in t.params]
        return {"type": "array", "prefixItems": items, "items": False, "minItems": len(items), "maxItems": len(items)}
    raise ValueError(f"no JSON Schema for CQL type {t}")


def _map_schema(key: CqlType, value: CqlType, *, written: bool) -> Schema:
    """Both of Stargate's map forms: which one a read answers is `compactMapData`; a write takes either."""
    values = read_schema(value) if not written else write_schema(value)
    compact: Schema = {
        "type": "object",
        "description": "compactMapData=true: the keys as strings",
        "additionalProperties": values,
    }
    scalar = SCALARS.get(key.kind)
    if scalar is not None and scalar.key_names:
        compact["propertyNames"] = scalar.key_names  # the text a key becomes (`java_text`), where it has a plain form
    entry: Schema = {
        "type": "object",
        "properties": {"key": _schema(key, written=written), "value": values},
        "required": ["key", "value"],
        "additionalProperties": False,
    }
    entries = {"type": "array", "description": "compactMapData=false: key/value entries", "items": entry}
    return {"anyOf": [compact, entries]}


def key_schema(t: CqlType) -> Schema:
    """A primary-key value as a path segment takes it: the stringified form, typed where it has a JSON twin."""
    scalar = SCALARS.get(t.kind)
    if scalar is not None:
        return scalar.key_schema or scalar.written or scalar.read
    return {"type": "string", "minLength": 1, "description": f"the CQL literal of a {t}"}


def has_map(t: CqlType) -> bool:
    """Whether a value of `t` holds a map somewhere (then `compactMapData` changes how it reads)."""
    if t.kind == "map":
        return True
    if t.udt is not None:
        return any(has_map(ftype) for _, ftype in t.udt.fields)
    return any(has_map(p) for p in t.params)
