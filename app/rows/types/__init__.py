"""The CQL type model and the JSON <-> driver-value codec of the rows API, in Stargate REST v2's encodings.

One module per type family (`numeric`, `text`, `temporal`, `containers`), each holding both directions and ending in
an explicit `register()` into the one table of scalar kinds (`registry`); `parse` reads the driver metadata's type
strings into `CqlType`s (`model`); `convert` is the interface: `decoder(t)` turns a JSON value (as the strict JSON
loader gives it) into what cassandra-driver binds for `t`, `encoder(t)` turns what the driver returns into what
orjson writes (or is None when the value is already right). Both are built once per type and dialect and cached;
they are closures, so per value there is one call and a few type checks. Every value is bounded before a conversion
whose cost grows with it (`limits`; `configure_limits` at start-up).

Input (Stargate's "loose" rules, `ToProtoConverter.protoValueFromLooselyTyped`, v2.0.51):
- a top-level JSON string is unquoted (`'abc'` -> `abc`, `''` -> empty) and parsed in the type's "stringified" form;
- other JSON values are taken as the JSON kind they are (no number -> boolean, no boolean -> number);
- inside JSON arrays/objects a string is parsed in the stringified form too, but without unquoting. Stargate
  refuses strings there for numbers, booleans and collections (`["1"]` for `list<int>`); accepting them is a
  superset that changes nothing Stargate accepts;
- the keys of a compact map (a JSON object) are strings and are parsed per the key type (Stargate refuses
  `{"1": true}` for `map<int, boolean>`: it could only write text-keyed maps in that form).
Range checks the driver needs and Stargate lacks (it wraps `300` into a tinyint `44`): integer bounds, float32
range, vector size, no nulls inside lists, sets, maps and vectors. Integral floats (`1e3`, `2.0`) are accepted for
integer types; others (`1.5`, which Stargate truncates to 1) are refused.

Output (what Stargate v2.0.51 answered, see tests/rows/types/test_roundtrip.py): counter as a string, bigint/varint/
decimal as exact JSON numbers, float as its shortest float32 decimal, NaN/Infinity of a float as the strings
"NaN"/"Infinity"/"-Infinity", timestamps via `Instant.toString()`, a null or empty list/set as `[]`, a null map as
`{}` (compact) or `[]`, a null UDT as `{}`, a null tuple as `null`, IPv6 in Java's uncompressed form, compact map
keys as Java's `String.valueOf` of the key (`1.0E10`, `/1.2.3.4`, `[1, 2]`).
Where we differ, for speed: a float vector's elements are written as the exact float32 value (0.10000000149011612;
Stargate v2.1: 0.1, the same float32).
"""

from app.rows.types.containers import MapItems, java_text
from app.rows.types.convert import decoder, encoder, key_decoder
from app.rows.types.dialect import DATA_API, STARGATE, Dialect
from app.rows.types.driver_timestamps import install_timestamp_guard
from app.rows.types.errors import BadValue
from app.rows.types.java import float32_shortest, float32_text
from app.rows.types.limits import configure_limits
from app.rows.types.model import SCALAR_KINDS, CqlType, Udt
from app.rows.types.parse import parse_type, table_column_types, user_type_resolver
from app.rows.types.registry import STRING_KINDS

__all__ = [
    "DATA_API",
    "SCALAR_KINDS",
    "STARGATE",
    "STRING_KINDS",
    "BadValue",
    "CqlType",
    "Dialect",
    "MapItems",
    "Udt",
    "configure_limits",
    "decoder",
    "encoder",
    "float32_shortest",
    "float32_text",
    "install_timestamp_guard",
    "java_text",
    "key_decoder",
    "parse_type",
    "table_column_types",
    "user_type_resolver",
]
