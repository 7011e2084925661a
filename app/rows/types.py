"""The CQL type model and the JSON <-> driver-value codec of the rows API, in Stargate REST v2's encodings.

`parse_type` reads the driver metadata's type strings into `CqlType`s. `decoder(t)` turns a JSON value (as orjson
loads it) into what cassandra-driver binds for `t`; `encoder(t)` turns what the driver returns into what orjson
writes in Stargate's output form (or is None when the value is already right). Both are built once per type and
cached; they are closures, so per value there is one call and a few type checks.

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

Output (what Stargate v2.0.51 answered, see tests/rows/test_types_roundtrip.py): counter as a string, bigint/varint/
decimal as exact JSON numbers, float as its shortest float32 decimal, NaN/Infinity of a float as the strings
"NaN"/"Infinity"/"-Infinity", timestamps via `Instant.toString()`, a null or empty list/set as `[]`, a null map as
`{}` (compact) or `[]`, a null UDT as `{}`, a null tuple as `null`, IPv6 in Java's uncompressed form, compact map
keys as Java's `String.valueOf` of the key (`1.0E10`, `/1.2.3.4`, `[1, 2]`).
Where we differ, for speed: a double's NaN/Infinity is written by orjson as null (Stargate: "NaN"), and a float
vector's elements as the exact float32 value (0.10000000149011612; Stargate v2.1: 0.1, the same float32).

COLLECTION_KINDS and STRING_KINDS are for the routes' where-clause checks ($contains on containers, `$in` rules).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import math
import re
import struct
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import Any

import orjson
from cassandra.util import Date, Duration, Time

from app.rows.literals import (
    LiteralError,
    is_null,
    name_of,
    split_elements,
    split_entries,
    split_pairs,
    unquote,
)

# --- the type model ---------------------------------------------------------------------------------------------

SCALAR_KINDS = frozenset(
    {
        *("ascii", "text", "boolean", "blob", "inet", "uuid", "timeuuid"),
        *("tinyint", "smallint", "int", "bigint", "varint", "counter", "float", "double", "decimal"),
        *("date", "time", "timestamp", "duration"),
    }
)
COLLECTION_KINDS = frozenset({"list", "set", "map"})
# The kinds whose Stargate codec takes a JSON string even when strictly typed (`$in` elements, nested values).
STRING_KINDS = frozenset({"ascii", "text", "uuid", "timeuuid", "timestamp", "date", "time", "duration", "inet", "blob"})


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


_TYPE_TOKEN = re.compile(
    r'\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<quoted>"(?:[^"]|"")*")|(?P<num>\d+)|(?P<sym>[<>,])|(?P<other>\S))'
)


def parse_type(text: str, user_types: Callable[[str], Udt | None]) -> CqlType:
    """A column or field type as the driver's metadata prints it (`frozen<map<text, int>>`, `"MyType"`,
    `vector<float, 3>`); `user_types` resolves UDT names in the table's keyspace. ValueError if unparseable."""
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
    pos = 0

    def take(kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError(f"Cannot parse type {text!r}: unexpected end")
        token = tokens[pos]
        if (kind is not None and token[0] != kind) or (value is not None and token[1] != value):
            raise ValueError(f"Cannot parse type {text!r}: unexpected {token[1]!r}")
        pos += 1
        return token

    def one() -> CqlType:
        group, value = take()
        if group == "quoted":
            return udt(value[1:-1].replace('""', '"'))
        if group != "name":
            raise ValueError(f"Cannot parse type {text!r}: unexpected {value!r}")
        name = value.lower()
        if name == "varchar":
            name = "text"
        if name in SCALAR_KINDS:
            return CqlType(name)
        if name in ("frozen", "list", "set", "map", "tuple", "vector") and pos < len(tokens) and tokens[pos][1] == "<":
            take("sym", "<")
            if name == "vector":
                element = one()
                take("sym", ",")
                size = int(take("num")[1])
                take("sym", ">")
                if size < 1:
                    raise ValueError(f"Cannot parse type {text!r}: a vector needs a positive size")
                return CqlType("vector", (element,), size=size)
            params = [one()]
            while pos < len(tokens) and tokens[pos][1] == ",":
                take("sym", ",")
                params.append(one())
            take("sym", ">")
            expected = {"frozen": 1, "list": 1, "set": 1, "map": 2}.get(name)
            if expected is not None and len(params) != expected:
                raise ValueError(f"Cannot parse type {text!r}: {name} takes {expected} type(s)")
            if name == "frozen":
                return replace(params[0], frozen=True)
            return CqlType(name, tuple(params))
        return udt(name)

    def udt(name: str) -> CqlType:
        found = user_types(name)
        if found is None:
            raise ValueError(f"Unknown type {quote_name(name)} in {text!r}")
        return CqlType("udt", udt=found)

    result = one()
    if pos != len(tokens):
        raise ValueError(f"Cannot parse type {text!r}: unexpected {tokens[pos][1]!r}")
    return result


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


# --- errors -----------------------------------------------------------------------------------------------------


class BadValue(ValueError):
    """The message says what is wrong with the value, without the column name (the caller adds it)."""


def _show(value: object) -> str:
    """A value as an error message quotes it: strings in single quotes (like Stargate), JSON otherwise."""
    if isinstance(value, str):
        text = value if len(value) <= 200 else value[:200] + "..."
        return f"'{text}'"
    if isinstance(value, Decimal):
        return str(value)
    try:
        text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _json_kind(value: object) -> str:
    if isinstance(value, str):
        return f"String value {_show(value)}"
    if isinstance(value, bool):
        return f"Boolean value ({'true' if value else 'false'})"
    if isinstance(value, (int, float, Decimal)):
        return f"Number {_show(value)}"
    if isinstance(value, (list, tuple)):
        return f"array {_show(value)}"
    if isinstance(value, dict):
        return f"object {_show(value)}"
    return f"value {_show(value)}"


def _cannot(value: object, t: CqlType) -> BadValue:
    return BadValue(f"Cannot coerce {_json_kind(value)} into {t}")


def _invalid(text: str, t: CqlType, expected: str = "") -> BadValue:
    return BadValue(f"Invalid {t} value {_show(text)}" + (f": {expected}" if expected else ""))


# --- Java's number and time texts (what Stargate prints and how Java turns JSON into text) ---------------------

_F32 = struct.Struct("<f")


_G = tuple(f"%.{digits}g" for digits in range(10))


def float32_text(value: float) -> str:
    """The shortest decimal that reads back as the same float32 (`0.10000000149011612` -> `'0.1'`), finite only.

    Round-tripping is monotonic in the digit count (the nearest d-digit decimal that round-trips is still a
    candidate with d+1 digits), and 9 digits always do. Random values need 8 or 9 (two or three checks); a value
    that 7 digits render (`%g` drops trailing zeros: `4.8`, `0.1`) is searched below its digit count."""
    pack = _F32.pack
    target = pack(value)
    text = _G[7] % value
    if pack(float(text)) != target:
        text = _G[8] % value
        return text if pack(float(text)) == target else _G[9] % value
    lo, hi = 1, len(text.lstrip("-").partition("e")[0].replace(".", "").lstrip("0"))
    while lo < hi:
        mid = (lo + hi) // 2
        candidate = _G[mid] % value
        if pack(float(candidate)) == target:
            hi, text = mid, candidate
        else:
            lo = mid + 1
    return text


def _float32_shortest(value: float) -> float:
    return float(float32_text(value))


def _java_fp(text: str) -> str:
    """Python's shortest float text (`1e+20`, `0.001`, `-1.5e-07`, `123.0`) in Java's `Double.toString` layout:
    plain with at least one fraction digit for 1e-3 <= |x| < 1e7, else `d.dddE<exp>` (`1.0E20`, `-1.5E-7`)."""
    sign = "-" if text.startswith("-") else ""
    mantissa, _, exp = text.lstrip("-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    significant = digits.lstrip("0")
    if not significant:
        return sign + "0.0"
    point = len(whole) + (int(exp) if exp else 0) - (len(digits) - len(significant))  # digits before the point
    significant = significant.rstrip("0") or "0"
    if -2 <= point <= 7:  # 1e-3 <= |x| < 1e7
        if point <= 0:
            return f"{sign}0.{'0' * -point}{significant}"
        return f"{sign}{significant[:point].ljust(point, '0')}.{significant[point:] or '0'}"
    return f"{sign}{significant[0]}.{significant[1:] or '0'}E{point - 1}"


def java_double_text(value: float) -> str:
    """`Double.toString`: `1.0`, `1.0E10`, `-0.0`, `NaN`, `Infinity` (digits: Python's shortest repr)."""
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return _java_fp(repr(value))


def java_float_text(value: float) -> str:
    """`Float.toString` of a float32 value held in a Python float."""
    if value != value or value in (math.inf, -math.inf):
        return java_double_text(value)
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    return _java_fp(float32_text(value))


def _java_value_text(value: object) -> str:
    """Java's `String.valueOf` of what Jackson reads from JSON: how Stargate stores a JSON number, boolean, array
    or object given for a text column (`12.50` -> `12.5`, `true`, `[1, "a"]` -> `[1, a]`, `{"k": 1}` -> `{k=1}`)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_java_value_text(x) for x in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_value_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _java_year(year: int) -> str:
    """Years as `LocalDate`/`Instant` print them: `0001`, `-0001`, `+10000`."""
    if 0 <= year <= 9999:
        return f"{year:04d}"
    return f"+{year}" if year > 0 else f"-{-year:04d}"


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, for any year (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MS_PER_DAY = 86_400_000
_EPOCH = datetime.datetime(1970, 1, 1)
_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


def date_text(days: int) -> str:
    """`LocalDate.toString()` of days since the epoch: `2021-04-23`, `-0001-01-01`, `+10000-01-01`."""
    if -719162 <= days <= 2932896:
        return datetime.date.fromordinal(days + _EPOCH_ORDINAL).isoformat()
    year, month, day = _civil_from_days(days)
    return f"{_java_year(year)}-{month:02d}-{day:02d}"


def instant_text(ms: int) -> str:
    """`Instant.ofEpochMilli(ms).toString()`: `2021-04-23T18:42:22.139Z`, `...:22Z` when the millis are 0,
    `+10000-01-01T00:00:00Z` and `0000-12-31T23:59:59.999Z` outside years 1-9999."""
    days, in_day = divmod(ms, _MS_PER_DAY)
    seconds, millis = divmod(in_day, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    year, month, day = _civil_from_days(days)
    fraction = f".{millis:03d}" if millis else ""
    return f"{_java_year(year)}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}Z"


def _ms_of(value: datetime.datetime) -> int:
    """Epoch milliseconds of a driver timestamp (naive UTC), rounded: far from 1970 the driver's float arithmetic
    leaves the microseconds a few off the exact millisecond."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + (delta.microseconds + 500) // 1000


def timestamp_text(value: datetime.datetime | int) -> str:
    """A driver timestamp (naive UTC datetime; epoch-ms int under `install_timestamp_guard`) as Stargate prints it."""
    if type(value) is int:
        return instant_text(value)
    assert isinstance(value, datetime.datetime)
    micros = value.microsecond
    if micros % 1000 or value.tzinfo is not None:
        return instant_text(_ms_of(value))
    text = value.isoformat()
    return (text[:23] if micros else text) + "Z"


def time_text(nanos: int) -> str:
    """A time of day as Stargate prints a value (Jackson's ISO_LOCAL_TIME): `10:30:00`, `10:30:00.5`."""
    seconds, fraction = divmod(nanos, 1_000_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    text = f"{hour:02d}:{minute:02d}:{second:02d}"
    return f"{text}.{fraction:09d}".rstrip("0") if fraction else text


def java_time_text(nanos: int) -> str:
    """`LocalTime.toString()` (how Stargate prints a time that is a compact map key): `10:30`, `10:30:01.500`."""
    seconds, fraction = divmod(nanos, 1_000_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    text = f"{hour:02d}:{minute:02d}"
    if second or fraction:
        text += f":{second:02d}"
    if fraction:
        if fraction % 1_000_000 == 0:
            text += f".{fraction // 1_000_000:03d}"
        elif fraction % 1000 == 0:
            text += f".{fraction // 1000:06d}"
        else:
            text += f".{fraction:09d}"
    return text


_NANOS_PER = (
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1000),
    ("ns", 1),
)


def duration_text(months: int, days: int, nanos: int) -> str:
    """`CqlDuration.toString()`: `1y2mo25d5h6m7s8ms9us10ns`, `-14d`, and `""` for zero."""
    parts = ["-"] if months < 0 or days < 0 or nanos < 0 else []
    months, days, nanos = abs(months), abs(days), abs(nanos)
    if months >= 12:
        parts.append(f"{months // 12}y")
    if months % 12:
        parts.append(f"{months % 12}mo")
    if days:
        parts.append(f"{days}d")
    for unit, size in _NANOS_PER:
        if nanos >= size:
            parts.append(f"{nanos // size}{unit}")
            nanos %= size
    return "".join(parts)


def inet_text(address: str) -> str:
    """The driver's inet text as Java prints it: IPv6 uncompressed without leading zeros (`0:0:0:0:0:0:0:1`),
    IPv4-mapped IPv6 as the IPv4 address (`1.2.3.4`), IPv4 unchanged."""
    if ":" not in address:
        return address
    ip = ipaddress.IPv6Address(address)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return ":".join(f"{group:x}" for group in struct.unpack("!8H", ip.packed))


def blob_text(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


# --- stringified scalar parsers (a text in -> a driver value out) ----------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_JAVA_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?")
_JAVA_HEX_FLOAT = re.compile(r"([+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)[fFdD]?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"([+-]?)([0-9]{4,})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{0,9}))?)?")
_TIMESTAMP = re.compile(
    r"([+-]?)([0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{0,9}))?"
    r"(Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
)
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")

_BOUNDS = {
    "tinyint": (-(2**7), 2**7 - 1),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
    "counter": (-(2**63), 2**63 - 1),
}
_INT64 = (-(2**63), 2**63 - 1)
_EXACT_FLOAT_INT = 2**53  # floats beyond this are not exact integers (orjson reads integers past 64 bits as floats)


def _integer(t: CqlType) -> tuple[Callable[[str], object], Callable[[object], object]]:
    bounds = _BOUNDS.get(t.kind)

    def checked(number: int, shown: object) -> int:
        if bounds is not None and not bounds[0] <= number <= bounds[1]:
            raise BadValue(f"Invalid {t} value {_show(shown)}: out of range ({bounds[0]} to {bounds[1]})")
        return number

    def parse(text: str) -> object:
        if _INTEGER.fullmatch(text) is None:
            raise _invalid(text, t, "not an integer")
        return checked(int(text), text)

    def from_json(value: object) -> object:
        if type(value) is int:
            return checked(value, value)
        if type(value) is float:
            if value.is_integer() and abs(value) <= _EXACT_FLOAT_INT:
                return checked(int(value), value)
            if value.is_integer():
                raise BadValue(
                    f"Invalid {t} value {_show(value)}: not an exact integer (send large numbers as strings)"
                )
            raise BadValue(f"Invalid {t} value {_show(value)}: not an integer")
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            return checked(int(value), value)
        raise _cannot(value, t)

    return parse, from_json


def _floating(t: CqlType) -> tuple[Callable[[str], object], Callable[[object], object]]:
    single = t.kind == "float"

    def checked(number: float, shown: object) -> float:
        if single:
            try:
                _F32.pack(number)
            except OverflowError:
                raise BadValue(f"Invalid float value {_show(shown)}: out of range for a 32-bit float") from None
        elif number in (math.inf, -math.inf):
            raise BadValue(f"Invalid double value {_show(shown)}: out of range for a 64-bit float")
        return number

    def parse(text: str) -> object:
        stripped = text.strip()  # Java's Float/Double.valueOf trim the text
        sign = stripped[:1] if stripped[:1] in "+-" else ""
        body = stripped[len(sign) :]
        if body == "NaN":
            return math.nan
        if body == "Infinity":
            return -math.inf if sign == "-" else math.inf
        if _JAVA_FLOAT.fullmatch(stripped):
            number = float(stripped.rstrip("fFdD"))
        elif (hexa := _JAVA_HEX_FLOAT.fullmatch(stripped)) is not None:
            number = float.fromhex(hexa.group(1))
        else:
            raise _invalid(text, t, "not a number")
        return checked(number, text)

    def from_json(value: object) -> object:
        if type(value) is float:
            return checked(value, value)
        if type(value) is int or isinstance(value, Decimal):
            try:
                number = float(value)
            except OverflowError:
                raise BadValue(f"Invalid {t} value {_show(value)}: out of range") from None
            return checked(number, value)
        raise _cannot(value, t)

    return parse, from_json


def _decimal(t: CqlType) -> tuple[Callable[[str], object], Callable[[object], object]]:
    def checked(number: Decimal, shown: object) -> Decimal:
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)
        if not -(2**31) <= -exponent <= 2**31 - 1:
            raise BadValue(f"Invalid decimal value {_show(shown)}: the scale must fit in 32 bits")
        return number

    def parse(text: str) -> object:
        if _DECIMAL.fullmatch(text) is None:
            raise _invalid(text, t, "not a decimal number")
        return checked(Decimal(text), text)

    def from_json(value: object) -> object:
        if type(value) is int:
            return Decimal(value)
        if type(value) is float:
            if not math.isfinite(value):
                raise _invalid(java_double_text(value), t, "not a decimal number")
            # As Stargate does: `new BigDecimal(Double.toString(d))`, so 1e20 becomes 1.0E+20.
            return checked(Decimal(java_double_text(value)), value)
        if isinstance(value, Decimal) and value.is_finite():
            return checked(value, value)
        raise _cannot(value, t)

    return parse, from_json


def _boolean(t: CqlType) -> tuple[Callable[[str], object], Callable[[object], object]]:
    def parse(text: str) -> object:
        lowered = text.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        raise _invalid(text, t, "expected true or false")

    def from_json(value: object) -> object:
        if type(value) is bool:
            return value
        raise _cannot(value, t)

    return parse, from_json


def _text(t: CqlType) -> tuple[Callable[[str], object], Callable[[object], object]]:
    ascii_only = t.kind == "ascii"

    def parse(text: str) -> object:
        if ascii_only and not text.isascii():
            raise BadValue(f"Invalid ascii value {_show(text)}: only ASCII characters are allowed")
        return text

    def from_json(value: object) -> object:
        return parse(_java_value_text(value))

    return parse, from_json


def _uuid(t: CqlType) -> tuple[Callable[[str], object], Callable[[object], object]]:
    time_based = t.kind == "timeuuid"

    def parse(text: str) -> object:
        if _UUID.fullmatch(text) is None:
            raise _invalid(text, t, "expected a UUID like 123e4567-e89b-12d3-a456-426614174000")
        value = uuid.UUID(text)
        if time_based and (value.int >> 76) & 0xF != 1:
            raise _invalid(text, t, "not a time-based (version 1) UUID")
        return value

    return parse, _refuse(t)


def _refuse(t: CqlType) -> Callable[[object], object]:
    def from_json(value: object) -> object:
        raise _cannot(value, t)

    return from_json


def parse_timestamp(text: str) -> int:
    """ISO-8601 with an offset (`Z`, `+02:00`, `+0200`, `+02`), 0-9 fraction digits (truncated to ms), years as
    `LocalDate` reads them (`+10000`, `-0001`), `24:00:00` as the next midnight; or a string of epoch ms.
    Returns epoch milliseconds. ValueError otherwise."""
    m = _TIMESTAMP.fullmatch(text)
    if m is None:
        if _INTEGER.fullmatch(text) is not None:
            ms = int(text)
            if _INT64[0] <= ms <= _INT64[1]:
                return ms
        raise ValueError("expected ISO-8601 with an offset (2021-04-23T18:42:22.139Z) or epoch milliseconds")
    sign, year_text, month, day, hour, minute, second, fraction, offset = m.groups()
    days = _date_days(sign, year_text, int(month), int(day))
    hour_n, minute_n, second_n = int(hour), int(minute), int(second)
    fraction = fraction or ""
    if hour_n == 24 and minute_n == 0 and second_n == 0 and not fraction.strip("0"):
        days, hour_n = days + 1, 0
    if hour_n > 23 or minute_n > 59 or second_n > 59:
        raise ValueError("invalid time of day")
    millis = int((fraction + "000")[:3])
    offset_minutes = 0
    if offset != "Z":
        digits = offset[1:].replace(":", "")
        offset_minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        if offset_minutes > 18 * 60 or int(digits[2:4] or 0) > 59:
            raise ValueError("the offset must be within -18:00 to +18:00")
        if offset[0] == "-":
            offset_minutes = -offset_minutes
    ms = (((days * 24 + hour_n) * 60 + minute_n - offset_minutes) * 60 + second_n) * 1000 + millis
    if not _INT64[0] <= ms <= _INT64[1]:
        raise ValueError("out of range")
    return ms


def _date_days(sign: str, year_text: str, month: int, day: int) -> int:
    if (len(year_text) > 4) != (sign == "+") and not (sign == "-" and len(year_text) >= 4):
        # LocalDate: more than 4 digits need a sign; a '+' needs more than 4 digits
        raise ValueError("years beyond 9999 need a '+' sign (+10000-01-01)")
    year = -int(year_text) if sign == "-" else int(year_text)
    if not 1 <= month <= 12:
        raise ValueError("invalid month")
    last = 29 if month == 2 and _leap(year) else _MONTH_DAYS[month - 1]
    if not 1 <= day <= last:
        raise ValueError("invalid day of month")
    return _days_from_civil(year, month, day)


def parse_date(text: str) -> int:
    """`YYYY-MM-DD` (with `LocalDate`'s `+10000` / `-0001` years) -> days since the epoch. ValueError otherwise."""
    m = _DATE.fullmatch(text)
    if m is None:
        raise ValueError("expected YYYY-MM-DD")
    days = _date_days(m.group(1), m.group(2), int(m.group(3)), int(m.group(4)))
    if not -(2**31) <= days <= 2**31 - 1:
        raise ValueError("out of range for a CQL date")
    return days


def parse_time(text: str) -> int:
    """`HH:mm[:ss[.fffffffff]]` (`LocalTime.parse`) -> nanoseconds since midnight. ValueError otherwise."""
    m = _TIME.fullmatch(text)
    if m is None:
        raise ValueError("expected HH:mm[:ss[.fffffffff]]")
    hour, minute, second, fraction = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), m.group(4) or ""
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("invalid time of day")
    return ((hour * 60 + minute) * 60 + second) * 1_000_000_000 + int((fraction + "000000000")[:9])


_DURATION_UNITS = {"y": 1, "mo": 2, "w": 3, "d": 4, "h": 5, "m": 6, "s": 7, "ms": 8, "us": 9, "µs": 9, "ns": 10}
_DURATION_STANDARD = re.compile(r"(?:[0-9]+(?:mo|ms|us|µs|ns|y|w|d|h|m|s))+", re.IGNORECASE)
_DURATION_PART = re.compile(r"([0-9]+)(mo|ms|us|µs|ns|y|w|d|h|m|s)", re.IGNORECASE)
_DURATION_ISO = re.compile(
    r"P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?"
)
_DURATION_WEEKS = re.compile(r"P([0-9]+)W")
_DURATION_ALTERNATIVE = re.compile(r"P([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})")
_NANOS_OF_UNIT = {5: 3_600_000_000_000, 6: 60_000_000_000, 7: 1_000_000_000, 8: 1_000_000, 9: 1000, 10: 1}


def parse_duration(text: str) -> Duration:
    """CqlDuration's forms: `1y2mo3w4d5h6m7s8ms9us10ns` (units in that order, any case), ISO `P1Y2M3DT4H5M6S`,
    `P2W`, `P0001-02-03T04:05:06`, each optionally negative (`-2d`); and `""` as zero, which is what Stargate prints
    for a zero duration (Stargate itself refuses it). ValueError otherwise."""
    negative = text.startswith("-")
    source = text[1:] if negative else text
    parts: list[tuple[int, int]] = []  # (unit index, amount)
    if source.startswith("P"):
        if (m := _DURATION_WEEKS.fullmatch(source)) is not None:
            parts.append((3, int(m.group(1))))
        elif (m := _DURATION_ALTERNATIVE.fullmatch(source)) is not None:
            parts.extend(zip((1, 2, 4, 5, 6, 7), (int(g) for g in m.groups()), strict=True))
        elif (m := _DURATION_ISO.fullmatch(source)) is not None:
            parts.extend((unit, int(g)) for unit, g in zip((1, 2, 4, 5, 6, 7), m.groups(), strict=True) if g)
        else:
            raise ValueError("not a duration")
    elif source or negative:
        if _DURATION_STANDARD.fullmatch(source) is None:
            raise ValueError("not a duration (e.g. 1y2mo3w4d5h6m7s8ms9us10ns, P1Y2M3DT4H5M6S or P2W)")
        last = 0
        for amount, unit_text in _DURATION_PART.findall(source):
            unit = _DURATION_UNITS[unit_text.lower().replace("μ", "µ")]
            if unit <= last:
                raise ValueError("units must appear once each, from years down to nanoseconds")
            last = unit
            parts.append((unit, int(amount)))
    months = days = nanos = 0
    for unit, amount in parts:
        if unit <= 2:
            months += amount * (12 if unit == 1 else 1)
        elif unit <= 4:
            days += amount * (7 if unit == 3 else 1)
        else:
            nanos += amount * _NANOS_OF_UNIT[unit]
    if months > 2**31 - 1 or days > 2**31 - 1 or nanos > 2**63 - 1:
        raise ValueError("too large: months and days must fit in 32 bits, nanoseconds in 64")
    return Duration(-months, -days, -nanos) if negative else Duration(months, days, nanos)


def parse_inet(text: str) -> str:
    """A literal IPv4 or IPv6 address (`[::1]` and a `%scope` accepted, a leading `/` as Java prints keys too);
    never a host name: no DNS lookups. IPv4-mapped IPv6 becomes the IPv4 address, as Java stores it."""
    address = text[1:] if text.startswith("/") else text
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    address = address.split("%", 1)[0] if ":" in address else address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise ValueError("expected a literal IPv4 or IPv6 address (host names are not resolved)") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def parse_blob(text: str) -> bytes:
    """Standard base64 (`+/`), padding optional as in Java's `Base64.getDecoder()`; no blanks, no URL-safe alphabet."""
    if _BASE64.fullmatch(text) is None:
        raise ValueError("expected standard base64")
    if "=" not in text:
        if len(text) % 4 == 1:
            raise ValueError("expected standard base64 (truncated)")
        text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError("expected standard base64 (bad padding)") from None


def _wrapped(t: CqlType, parse: Callable[[str], object]) -> Callable[[str], object]:
    def checked(text: str) -> object:
        try:
            return parse(text)
        except ValueError as exc:
            raise _invalid(text, t, str(exc)) from None

    return checked


def _temporal(t: CqlType) -> tuple[Callable[[str], object], Callable[[object], object]]:
    kind = t.kind
    if kind == "timestamp":
        parse = _wrapped(t, parse_timestamp)

        def from_json(value: object) -> object:
            if type(value) is int:
                if _INT64[0] <= value <= _INT64[1]:
                    return value
                raise BadValue(f"Invalid timestamp value {value}: out of range for epoch milliseconds")
            raise _cannot(value, t)

        return parse, from_json
    if kind == "date":
        days = _wrapped(t, parse_date)
        return (lambda text: Date(days(text))), _refuse(t)
    if kind == "time":
        nanos = _wrapped(t, parse_time)
        return (lambda text: Time(nanos(text))), _refuse(t)
    if kind == "duration":
        return _wrapped(t, parse_duration), _refuse(t)
    if kind == "inet":
        return _wrapped(t, parse_inet), _refuse(t)
    return _wrapped(t, parse_blob), _refuse(t)  # blob


_SCALAR_BUILDERS: dict[str, Callable[[CqlType], tuple[Callable[[str], object], Callable[[object], object]]]] = {
    "ascii": _text,
    "text": _text,
    "tinyint": _integer,
    "smallint": _integer,
    "int": _integer,
    "bigint": _integer,
    "varint": _integer,
    "counter": _integer,
    "float": _floating,
    "double": _floating,
    "decimal": _decimal,
    "boolean": _boolean,
    "uuid": _uuid,
    "timeuuid": _uuid,
    "timestamp": _temporal,
    "date": _temporal,
    "time": _temporal,
    "duration": _temporal,
    "inet": _temporal,
    "blob": _temporal,
}


# --- decoders: structured types ---------------------------------------------------------------------------------


class MapItems(tuple[tuple[object, object], ...]):
    """A map value the driver binds (it only calls `len()` and `.items()`) that can itself be a map key or inside
    one (a `frozen<map>` key), where a dict cannot be: dicts are not hashable."""

    __slots__ = ()

    def items(self) -> MapItems:
        return self


@dataclass(frozen=True, slots=True)
class _Codec:
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


def _no_null(value: object, where: str) -> object:
    if value is None:
        raise BadValue(f"null is not allowed as {where}")
    return value


def _literal(parse: Callable[[str], object]) -> Callable[[str], object]:
    def checked(text: str) -> object:
        try:
            return parse(text)
        except LiteralError as exc:
            raise BadValue(str(exc)) from None

    return checked


@cache
def _codec(t: CqlType, hashable: bool) -> _Codec:
    kind = t.kind
    builder = _SCALAR_BUILDERS.get(kind)
    if builder is not None:
        return _Codec(*builder(t))
    if kind in ("list", "set", "vector"):
        return _sequence_codec(t, hashable)
    if kind == "map":
        return _map_codec(t, hashable)
    if kind == "tuple":
        return _tuple_codec(t, hashable)
    if kind == "udt":
        return _udt_codec(t, hashable)
    raise ValueError(f"Unsupported type {t}")


def _sequence_codec(t: CqlType, hashable: bool) -> _Codec:
    element = _codec(t.params[0], hashable)
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
        return sized([_no_null(from_element(token), where) for token in split_elements(text, opening, closing, what)])

    def from_json(value: object) -> object:
        if type(value) is not list:
            raise _cannot(value, t)
        return sized([nested(_no_null(x, where)) for x in value])

    if size is None or t.params[0].kind != "float" or hashable:
        return _Codec(_literal(parse), from_json)
    pack = struct.Struct(f"<{size}f").pack

    def from_json_floats(value: object) -> object:
        # The common case of a float vector in one pass: plain numbers, one float32 range check for them all.
        if type(value) is list and len(value) == size and all(type(x) is float or type(x) is int for x in value):
            try:
                numbers = [float(x) for x in value]
                pack(*numbers)
            except OverflowError:
                pass  # the element-wise path names the culprit
            else:
                return numbers
        return from_json(value)

    return _Codec(_literal(parse), from_json_floats)


def _map_codec(t: CqlType, hashable: bool) -> _Codec:
    key_type, value_type = t.params
    key, val = _codec(key_type, True), _codec(value_type, hashable)
    key_parse, key_nested, key_element = key.parse, key.nested, key.element
    val_nested, val_element = val.nested, val.element

    def finish(pairs: Iterable[tuple[object, object]]) -> object:
        return MapItems(pairs) if hashable else dict(pairs)

    def parse(text: str) -> object:
        pairs = split_entries(text) if text.lstrip().startswith("[") else split_pairs(text, "Compact Map")
        return finish(
            (_no_null(key_element(k), "a map key"), _no_null(val_element(v), "a map value")) for k, v in pairs
        )

    def from_json(value: object) -> object:
        # Both JSON forms in both modes: an object (compact; its keys are strings, parsed per the key type) or an
        # array of {"key": k, "value": v} (non-compact); neither can be mistaken for the other.
        if type(value) is dict:
            return finish((key_parse(k), val_nested(_no_null(v, "a map value"))) for k, v in value.items())
        if type(value) is list:
            pairs = []
            for entry in value:
                if type(entry) is not dict or len(entry) != 2 or "key" not in entry or "value" not in entry:
                    raise BadValue(f"A map entry must be an object with exactly 'key' and 'value', got {_show(entry)}")
                pairs.append(
                    (
                        key_nested(_no_null(entry["key"], "a map key")),
                        val_nested(_no_null(entry["value"], "a map value")),
                    )
                )
            return finish(pairs)
        raise _cannot(value, t)

    return _Codec(_literal(parse), from_json)


def _tuple_codec(t: CqlType, hashable: bool) -> _Codec:
    members = [_codec(p, hashable) for p in t.params]
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
            raise _cannot(value, t)
        if len(value) != count:
            raise BadValue(f"Tuple expected {count} values, got {len(value)}")
        return tuple(None if x is None else m.nested(x) for m, x in zip(members, value, strict=True))

    return _Codec(_literal(parse), from_json)


def _udt_codec(t: CqlType, hashable: bool) -> _Codec:
    assert t.udt is not None
    udt = t.udt
    names = [name for name, _ in udt.fields]
    index = {name: i for i, name in enumerate(names)}
    members = [_codec(field_type, hashable) for _, field_type in udt.fields]
    count = len(members)

    def unknown(name: str) -> BadValue:
        return BadValue(f"UDT '{udt.name}' does not have field '{name}'")

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
            raise _cannot(value, t)
        values: list[object] = [None] * count
        for name, x in value.items():
            i = index.get(name)
            if i is None:
                raise unknown(name)
            if x is not None:
                values[i] = members[i].nested(x)
        return tuple(values)

    return _Codec(_literal(parse), from_json)


# --- decoders: the interface ------------------------------------------------------------------------------------


@cache
def decoder(t: CqlType, *, compact_maps: bool = True, strict: bool = False) -> Callable[[object], object]:
    """JSON value (None, bool, int, float, str, list, dict; Decimal too) -> the value the driver binds for `t`.

    Loose (Stargate) rules by default: a string is unquoted and parsed in the stringified form, anything else is
    taken strictly. `strict=True` is Stargate's `$in` element rule: strings are taken as they are (no unquoting) and
    only for the types whose values are strings in JSON (text, uuid, timestamp, date, time, duration, inet, blob).
    None -> None. Raises BadValue. What comes out: int (integers, counter, timestamp as epoch ms), float, Decimal,
    bool, str (text, inet), uuid.UUID, bytes, cassandra.util.Date / Time / Duration, list (list, set, vector),
    dict (map), tuple (tuple, and a UDT: its fields in declared order, which the driver binds positionally).

    `compact_maps` is accepted for symmetry with `encoder`: maps are read in both JSON forms either way (an object,
    or a `[{"key": k, "value": v}]` array) and in both string forms (`{k: v}`, `[{key: k, value: v}]`)."""
    del compact_maps  # both forms are accepted in both modes (see above)
    codec = _codec(t, False)
    parse, from_json = codec.parse, codec.from_json
    if strict:
        takes_strings = t.kind in STRING_KINDS

        def strict_decode(value: object) -> object:
            if value is None:
                return None
            if type(value) is str:
                if takes_strings:
                    return parse(value)
                raise _cannot(value, t)
            return from_json(value)

        return strict_decode

    def decode(value: object) -> object:
        if value is None:
            return None
        if type(value) is str:
            return parse(unquote(value))
        return from_json(value)

    return decode


@cache
def key_decoder(t: CqlType) -> Callable[[str], object]:
    """A primary-key value from a URL path segment (already percent-decoded): unquoted, then the stringified form."""
    parse = _codec(t, False).parse

    def decode(text: str) -> object:
        return parse(unquote(text))

    return decode


# --- encoders ---------------------------------------------------------------------------------------------------
# The driver's values are untyped (Any); each encoder takes None as well.

_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}
_ORJSON_INT = (-(2**63), 2**64 - 1)


def _encode_float(value: Any) -> object:
    if value is None:
        return None
    if value != value:
        return "NaN"
    text = _NON_FINITE.get(value)
    if text is not None:
        return text
    return _float32_shortest(value)


def _encode_double(value: Any) -> object:
    # Only NaN and the infinities need anything: orjson would write them as null, Stargate writes these strings.
    if value is None or math.isfinite(value):
        return value
    return "NaN" if value != value else _NON_FINITE[value]


def _encode_varint(value: Any) -> object:
    if value is None or _ORJSON_INT[0] <= value <= _ORJSON_INT[1]:
        return value
    return orjson.Fragment(str(value))


def _encode_decimal(value: Any) -> object:
    # str(Decimal) follows the same rule as Java's BigDecimal.toString(): 1E+3, 1.50, 1.0E-7, 0E+3.
    return None if value is None else orjson.Fragment(str(value))


def _encode_str(value: Any) -> object:
    return None if value is None else str(value)


def _encode_timestamp(value: Any) -> object:
    return None if value is None else timestamp_text(value)


def _encode_date(value: Any) -> object:
    return None if value is None else date_text(value.days_from_epoch)


def _encode_time(value: Any) -> object:
    return None if value is None else time_text(value.nanosecond_time)


def _encode_duration(value: Any) -> object:
    return None if value is None else duration_text(value.months, value.days, value.nanoseconds)


def _encode_inet(value: Any) -> object:
    return None if value is None else inet_text(value)


def _encode_blob(value: Any) -> object:
    return None if value is None else blob_text(value)


_SCALAR_ENCODERS: dict[str, Callable[[Any], object] | None] = {
    "ascii": None,
    "text": None,
    "tinyint": None,
    "smallint": None,
    "int": None,
    "bigint": None,
    "boolean": None,
    "double": _encode_double,  # NaN and +-Infinity as Stargate's strings "NaN", "Infinity", "-Infinity"
    "varint": _encode_varint,
    "counter": _encode_str,
    "float": _encode_float,
    "decimal": _encode_decimal,
    "uuid": None,  # orjson writes uuid.UUID in the canonical lowercase form (Stargate: the same)
    "timeuuid": None,
    "timestamp": _encode_timestamp,
    "date": _encode_date,
    "time": _encode_time,
    "duration": _encode_duration,
    "inet": _encode_inet,
    "blob": _encode_blob,
}


def _identity(value: Any) -> object:
    return value


@cache
def encoder(t: CqlType, *, compact_maps: bool = True) -> Callable[[Any], object] | None:
    """A driver result value -> what orjson writes in Stargate's output form; None when the value is right as it
    is (text, ascii, int, smallint, tinyint, bigint, boolean, uuid, timeuuid, and vectors of floats or of
    those), so callers skip those columns.

    Every returned function takes None too (a null column, or a null tuple/UDT member): scalars stay null, a list
    or set becomes [], a map {} (compact) or [], a UDT {}, a tuple and a vector null, as Stargate v2.0 answers.
    Serialise with orjson: uuids are left to it, big varints and all decimals come out as `orjson.Fragment`s."""
    kind = t.kind
    if kind in _SCALAR_ENCODERS:
        return _SCALAR_ENCODERS[kind]
    if kind in ("list", "set", "vector"):
        return _sequence_encoder(t, compact_maps)
    if kind == "map":
        return _map_encoder(t, compact_maps)
    if kind == "tuple":
        members = [encoder(p, compact_maps=compact_maps) or _identity for p in t.params]

        def encode_tuple(value: Any) -> object:
            return None if value is None else [m(x) for m, x in zip(members, value, strict=True)]

        return encode_tuple
    if kind == "udt":
        assert t.udt is not None
        fields = [(name, encoder(ftype, compact_maps=compact_maps) or _identity) for name, ftype in t.udt.fields]

        def encode_udt(value: Any) -> object:
            if value is None:
                return {}
            # Positionally: the driver's generated named tuple renames fields that are not Python identifiers.
            return {name: encode(x) for (name, encode), x in zip(fields, value, strict=False)}

        return encode_udt
    raise ValueError(f"Unsupported type {t}")


def _sequence_encoder(t: CqlType, compact: bool) -> Callable[[Any], object] | None:
    element_type = t.params[0]
    # A vector is null when null (Stargate v2.1). Its floats are written as the driver gives them: the exact
    # float32 value as a double (0.10000000149011612, which reads back as the same float32); the shortest
    # digits (0.1, as Stargate prints) cost about 1 us per element, milliseconds per embedding.
    if t.kind == "vector" and (element_type.kind == "float" or encoder(element_type, compact_maps=compact) is None):
        return None
    element = encoder(element_type, compact_maps=compact)
    if element is None:  # a list or set (Stargate v2.0: [] when null or empty)

        def encode_plain(value: Any) -> object:
            if value is None:
                return []
            return value if type(value) is list else list(value)  # sets come as the driver's SortedSet

        return encode_plain
    null: list[object] | None = None if t.kind == "vector" else []

    def encode_elements(value: Any) -> object:
        if value is None:
            return None if null is None else []
        return [element(x) for x in value]

    return encode_elements


def _map_encoder(t: CqlType, compact: bool) -> Callable[[Any], object]:
    key_type, value_type = t.params
    encode_value = encoder(value_type, compact_maps=compact) or _identity
    if compact:
        key_text = java_text(key_type)

        def encode_compact(value: Any) -> object:
            if value is None:
                return {}
            return {key_text(k): encode_value(v) for k, v in value.items()}

        return encode_compact
    encode_key = encoder(key_type, compact_maps=compact) or _identity

    def encode_entries(value: Any) -> object:
        if value is None:
            return []
        return [{"key": encode_key(k), "value": encode_value(v)} for k, v in value.items()]

    return encode_entries


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
    simple: dict[str, Callable[[Any], str]] = {
        "boolean": lambda v: "true" if v else "false",
        "float": java_float_text,
        "double": java_double_text,
        "timestamp": timestamp_text,
        "date": lambda v: date_text(v.days_from_epoch),
        "time": lambda v: java_time_text(v.nanosecond_time),
        "duration": lambda v: duration_text(v.months, v.days, v.nanoseconds),
        "inet": lambda v: "/" + inet_text(v),
        "blob": blob_text,
    }
    if kind in simple:
        return _java_null(simple[kind])
    if kind in SCALAR_KINDS:  # text, integers, decimal, uuids: str() is Java's text
        return _java_null(str)
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


# --- reading timestamps the driver cannot turn into datetimes -------------------------------------------------

_guard_installed = False


def install_timestamp_guard() -> None:
    """Make the driver return timestamps outside datetime's range (before year 1, after 9999) as epoch-ms ints.

    cassandra-driver 3.30 decodes a timestamp into a datetime and fails on such a value; a failure while decoding a
    result marks the whole connection defunct (every request in flight on it fails, and the row can never be
    read). Cassandra and Stargate accept any 64-bit epoch ms, so such rows exist. This swaps the driver's decoder
    for the timestamp type code (process-wide, idempotent) with one that returns the same naive UTC datetimes in
    range and an int outside it; `encoder` prints both as Stargate does. Call it once before reading rows."""
    global _guard_installed
    if _guard_installed:
        return
    from cassandra import cqltypes
    from cassandra import type_codes as codes
    from cassandra.marshal import int64_unpack
    from cassandra.protocol import ResultMessage
    from cassandra.util import datetime_from_timestamp

    low, high = -62_135_596_800_000, 253_402_300_799_999  # 0001-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z

    class GuardedTimestampType(cqltypes.DateType):  # type: ignore[misc]  # the driver's classes are untyped (Any)
        @staticmethod
        def deserialize(byts: bytes, protocol_version: int) -> datetime.datetime | int:
            ms: int = int64_unpack(byts)
            if low <= ms <= high:
                value: datetime.datetime = datetime_from_timestamp(ms / 1000.0)  # what the driver returns
                return value
            return ms

    # The Cython row parser has no deserializer of its own for this class name, so it calls `deserialize` above.
    ResultMessage.type_codes[codes.DateType] = GuardedTimestampType
    _guard_installed = True
