"""JSON Schemas (2020-12, as OpenAPI 3.1 takes them) of CQL values, in the forms the rows codec writes and reads.

`app.rows.types` is the codec; this module says in JSON Schema what its `encoder` writes (`read_schema`) and which
JSON forms its `decoder` takes (`write_schema`). Both are keyed by the codec's own kinds: `SCALARS` must cover
`SCALAR_KINDS` exactly (checked at import), so a kind added to the codec cannot go undescribed. Nullability on read
is the encoder's: a null scalar, tuple or vector reads as null, a null list or set as `[]`, a map as `{}`/`[]`, a UDT
as `{}`. The decoder's stringified forms (any value as a string, collections, tuples and UDTs as CQL literals,
`'quoted'` strings unquoted) are said in the descriptions rather than typed: typed, every column would be "any
string", and the schemas would say nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.rows.types import SCALAR_KINDS, CqlType

Schema = dict[str, Any]

NON_FINITE = ("NaN", "Infinity", "-Infinity")  # how the encoder writes a float's or a double's non-finite values
INT64 = (-(2**63), 2**63 - 1)
# Instant.toString() and LocalDate.toString(), as the encoder writes them: years beyond 9999 get a sign, so these
# carry patterns, not `format: date-time`/`date` (RFC 3339 has years 0000-9999 only, and Cassandra more).
TIMESTAMP_TEXT = r"^[+-]?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})?Z$"
TIMESTAMP_WRITTEN = (
    r"^[+-]?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{0,9})?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
)
DATE_TEXT = r"^[+-]?[0-9]{4,}-[0-9]{2}-[0-9]{2}$"
TIME_READ = r"^[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?$"
TIME_WRITTEN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{0,9})?)?$"
_UNIT = r"[0-9]+(?:y|mo|w|d|h|ms|us|µs|ns|m|s)"
DURATION_READ = rf"^-?(?:{_UNIT})*$"  # "" is a zero duration
DURATION_WRITTEN = (
    rf"^-?(?:(?:{_UNIT})+|P[0-9]+W|P(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+S)?)?)$"
)
BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
INTEGER_TEXT = r"^-?[0-9]+$"


def _integer(bits: int) -> Schema:
    schema: Schema = {"type": "integer", "minimum": -(2 ** (bits - 1)), "maximum": 2 ** (bits - 1) - 1}
    if bits >= 32:
        schema["format"] = f"int{bits}"
    return schema


def _floating(fmt: str) -> Schema:
    return {"anyOf": [{"type": "number", "format": fmt}, {"enum": list(NON_FINITE)}]}


@dataclass(frozen=True, slots=True)
class Scalar:
    read: Schema  # what the encoder writes
    written: Schema | None = None  # the JSON forms the decoder takes, when they are more than `read`


_UUID: Schema = {"type": "string", "format": "uuid"}
SCALARS: dict[str, Scalar] = {
    "ascii": Scalar({"type": "string", "pattern": "^[\\u0000-\\u007f]*$"}),
    "text": Scalar({"type": "string"}),
    "tinyint": Scalar(_integer(8)),
    "smallint": Scalar(_integer(16)),
    "int": Scalar(_integer(32)),
    "bigint": Scalar(_integer(64)),
    "varint": Scalar({"type": "integer"}),  # every digit: orjson writes big ones as raw JSON numbers
    "counter": Scalar(
        {"type": "string", "pattern": INTEGER_TEXT, "description": "a 64-bit count, as a string (Stargate's form)"},
        {
            "anyOf": [
                {"type": "integer", "minimum": INT64[0], "maximum": INT64[1]},
                {"type": "string", "pattern": r"^[+-]?[0-9]+$", "description": 'an increment: "+1", "-1"'},
            ]
        },
    ),
    "float": Scalar(_floating("float")),  # the shortest decimal of the float32
    "double": Scalar(_floating("double")),
    "decimal": Scalar({"type": "number"}),  # every digit, as BigDecimal.toString() (1E+3, 1.50)
    "boolean": Scalar({"type": "boolean"}),
    "uuid": Scalar(_UUID),
    "timeuuid": Scalar({**_UUID, "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$"}),
    "timestamp": Scalar(
        {"type": "string", "pattern": TIMESTAMP_TEXT, "description": "ISO-8601 in UTC (RFC 3339 in years 1-9999)"},
        {
            "anyOf": [
                {"type": "string", "pattern": TIMESTAMP_WRITTEN, "description": "ISO-8601 with an offset"},
                {"type": "integer", "minimum": INT64[0], "maximum": INT64[1], "description": "epoch ms"},
            ]
        },
    ),
    "date": Scalar({"type": "string", "pattern": DATE_TEXT, "description": "YYYY-MM-DD (RFC 3339 in years 1-9999)"}),
    "time": Scalar(
        {"type": "string", "pattern": TIME_READ, "description": "HH:mm:ss[.fraction]"},
        {"type": "string", "pattern": TIME_WRITTEN, "description": "HH:mm[:ss[.fraction]]"},
    ),
    "duration": Scalar(
        {"type": "string", "pattern": DURATION_READ, "description": "units: 1y2mo3d4h5m6s7ms8us9ns"},
        {"type": "string", "pattern": DURATION_WRITTEN, "description": "units, or ISO-8601 (P1Y2M3DT4H5M6S, P2W)"},
    ),
    "inet": Scalar({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}),
    "blob": Scalar(
        {"type": "string", "contentEncoding": "base64", "pattern": BASE64},
        {
            "type": "string",
            "contentEncoding": "base64",
            "pattern": r"^[A-Za-z0-9+/]*={0,2}$",
            "description": "padding optional",
        },
    ),
}
if SCALARS.keys() != SCALAR_KINDS:  # pragma: no cover - a codec change this module has to follow
    raise RuntimeError(f"JSON Schemas and the codec's scalar kinds differ: {sorted(SCALARS.keys() ^ SCALAR_KINDS)}")

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
    names = _key_text(key)
    if names:
        compact["propertyNames"] = names
    entry: Schema = {
        "type": "object",
        "properties": {"key": _schema(key, written=written), "value": values},
        "required": ["key", "value"],
        "additionalProperties": False,
    }
    entries = {"type": "array", "description": "compactMapData=false: key/value entries", "items": entry}
    return {"anyOf": [compact, entries]}


def _key_text(key: CqlType) -> Schema:
    """The text a map key becomes as a property name (the codec's `java_text`), where that text has a plain form."""
    if key.kind in ("tinyint", "smallint", "int", "bigint", "varint"):
        return {"pattern": INTEGER_TEXT}
    if key.kind in ("uuid", "timeuuid"):
        return {"format": "uuid"}
    if key.kind == "boolean":
        return {"enum": ["true", "false"]}
    return {}


def key_schema(t: CqlType) -> Schema:
    """A primary-key value as a path segment takes it: the stringified form, typed where it has a JSON twin."""
    if t.kind in ("text", "ascii"):
        return {**SCALARS[t.kind].read, "minLength": 1}  # an empty last segment is no segment
    if t.kind == "timestamp":
        return {"type": "string", "description": "ISO-8601 with an offset, or epoch ms"}
    if t.kind in ("float", "double"):
        return {"type": "number", "format": t.kind}
    scalar = SCALARS.get(t.kind)
    if scalar is not None:
        return scalar.written or scalar.read
    return {"type": "string", "minLength": 1, "description": f"the CQL literal of a {t}"}


def has_map(t: CqlType) -> bool:
    """Whether a value of `t` holds a map somewhere (then `compactMapData` changes how it reads)."""
    if t.kind == "map":
        return True
    if t.udt is not None:
        return any(has_map(ftype) for _, ftype in t.udt.fields)
    return any(has_map(p) for p in t.params)
