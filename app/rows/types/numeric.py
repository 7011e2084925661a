"""Numbers: tinyint, smallint, int, bigint, varint, counter, float, double, decimal, both directions.

Every size is checked before the conversion whose cost grows with it: `int(Decimal("1e1000000"))` takes tens of
seconds on the event loop, and `int()` of a text over 4,300 digits raises the interpreter's own error. So an integer
is first measured (`Decimal.adjusted()`, the digits of a text, a comparison for an int) against its type, a decimal's
digits against MAX_NUMBER_DIGITS, and a float literal's length, and refused with a BadValue when too large."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from app.rows.types.adapters import Codec, Scalar, Schema, always
from app.rows.types.dialect import Dialect
from app.rows.types.errors import BadValue, cannot, invalid, show
from app.rows.types.java import F32, float32_text, java_double_text, java_float_text
from app.rows.types.limits import DECIMAL_SCALE, LIMITS
from app.rows.types.model import INT64, CqlType

NON_FINITE = ("NaN", "Infinity", "-Infinity")  # how the encoder writes a float's or a double's non-finite values
INTEGER_TEXT = r"^-?[0-9]+$"

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_JAVA_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?")
_JAVA_HEX_FLOAT = re.compile(r"([+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)[fFdD]?")

BOUNDS = {
    "tinyint": (-(2**7), 2**7 - 1),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "bigint": INT64,
    "counter": INT64,
}
_EXACT_FLOAT_INT = 2**53  # floats beyond this are not exact integers (orjson reads integers past 64 bits as floats)
_ORJSON_INT = (-(2**63), 2**64 - 1)
_INFINITIES = (math.inf, -math.inf)
_STR_BITS = 14_000  # ints below this many bits have fewer than 4,300 digits: str() takes them


# --- integers ---------------------------------------------------------------------------------------------------


def significant_digits(text: str) -> int:
    """The digits of an integer text (`[+-]?[0-9]+`) that count: leading zeros do not."""
    return len(text.lstrip("+-").lstrip("0"))


class _Integer:
    """An integer kind's codec: the type's range, or for a varint MAX_NUMBER_DIGITS digits (read at call time)."""

    def __init__(self, t: CqlType) -> None:
        self.t = t
        self.bounds = BOUNDS.get(t.kind)
        self.digits = len(str(self.bounds[1])) if self.bounds is not None else 0  # the most a value has: bigint 19

    def most_digits(self) -> int:
        return self.digits or LIMITS.max_number_digits

    def out_of_range(self, shown: object) -> BadValue:
        t, bounds = self.t, self.bounds
        if bounds is not None:
            return BadValue(f"Invalid {t} value {show(shown)}: out of range ({bounds[0]} to {bounds[1]})")
        return BadValue(f"Invalid {t} value {show(shown)}: more than {LIMITS.max_number_digits} digits")

    def checked(self, number: int, shown: object) -> int:
        bounds = self.bounds
        if bounds is not None:
            if not bounds[0] <= number <= bounds[1]:
                raise self.out_of_range(shown)
        elif not -LIMITS.varint_bound < number < LIMITS.varint_bound:
            raise self.out_of_range(shown)
        return number

    def parse(self, text: str) -> object:
        if _INTEGER.fullmatch(text) is None:
            raise invalid(text, self.t, "not an integer")
        significant = text.lstrip("+-").lstrip("0")
        if len(significant) > self.most_digits():  # before int(): past 4,300 digits it raises, and costs more
            raise self.out_of_range(text)
        number = int(significant or "0")
        return self.checked(-number if text[0] == "-" else number, text)

    def from_json(self, value: object) -> object:
        if type(value) is int:
            return self.checked(value, value)
        if type(value) is float:
            return self.from_float(value)
        if isinstance(value, Decimal) and value.is_finite():
            return self.from_decimal(value)
        raise cannot(value, self.t)

    def from_float(self, value: float) -> int:
        if not value.is_integer():
            raise BadValue(f"Invalid {self.t} value {show(value)}: not an integer")
        if abs(value) > _EXACT_FLOAT_INT:
            raise BadValue(
                f"Invalid {self.t} value {show(value)}: not an exact integer (send large numbers as strings)"
            )
        return self.checked(int(value), value)

    def from_decimal(self, value: Decimal) -> int:
        """A JSON number with an exponent or a fraction: measured before `int()`, whose cost grows with 10^exp."""
        if value.is_zero():
            return 0
        if value.adjusted() >= self.most_digits():
            raise self.out_of_range(value)
        if value != value.to_integral_value():
            raise cannot(value, self.t)
        return self.checked(int(value), value)


def _integer(t: CqlType, dialect: Dialect) -> Codec:
    codec = _Integer(t)
    return Codec(codec.parse, codec.from_json)


def integer_text(value: int) -> str:
    """`str(value)`, also past the interpreter's 4,300-digit limit on it (a varint another client wrote)."""
    return str(value) if value.bit_length() < _STR_BITS else str(Decimal(value))


def _encode_varint(value: Any) -> object:
    if value is None or _ORJSON_INT[0] <= value <= _ORJSON_INT[1]:
        return value
    return orjson.Fragment(integer_text(value))


def _encode_counter(value: Any) -> object:
    return None if value is None else str(value)


def _counter_encoder(dialect: Dialect) -> Callable[[Any], object] | None:
    """Stargate writes a counter as a string; the Data API as the number it is."""
    return _encode_counter if dialect.counter == "string" else None


# --- floating point ---------------------------------------------------------------------------------------------


_SPECIAL = {f"{sign}{name}": value for sign in ("", "+", "-") for name, value in (("NaN", math.nan),)}
_SPECIAL.update({"Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf})


class _Floating:
    """A float or double codec: a literal's length is bounded, and a finite literal too large for the type refused."""

    def __init__(self, t: CqlType) -> None:
        self.t = t
        self.single = t.kind == "float"

    def out_of_range(self, shown: object) -> BadValue:
        return BadValue(
            f"Invalid {self.t} value {show(shown)}: out of range for a {32 if self.single else 64}-bit float"
        )

    def too_long(self, shown: object) -> BadValue:
        return BadValue(f"Invalid {self.t} value {show(shown)}: longer than {LIMITS.max_float_text} characters")

    def checked(self, number: float, shown: object) -> float:
        if self.single:
            try:
                F32.pack(number)
            except OverflowError:
                raise self.out_of_range(shown) from None
        if number in _INFINITIES:
            raise self.out_of_range(shown)
        return number

    def parse(self, text: str) -> object:
        if len(text) > LIMITS.max_float_text:
            raise self.too_long(text)
        stripped = text.strip()  # Java's Float/Double.valueOf trim the text
        special = _SPECIAL.get(stripped)
        if special is not None:
            return special
        if _JAVA_FLOAT.fullmatch(stripped):
            return self.checked(float(stripped.rstrip("fFdD")), text)
        hexa = _JAVA_HEX_FLOAT.fullmatch(stripped)
        if hexa is None:
            raise invalid(text, self.t, "not a number")
        try:
            return self.checked(float.fromhex(hexa.group(1)), text)
        except OverflowError:
            raise self.out_of_range(text) from None

    def from_json(self, value: object) -> object:
        if type(value) is float:
            return self.checked(value, value)
        if isinstance(value, Decimal) and len(value.as_tuple().digits) > LIMITS.max_float_text:
            raise self.too_long(value)
        if type(value) is int or isinstance(value, Decimal):
            try:
                number = float(value)
            except OverflowError:
                raise BadValue(f"Invalid {self.t} value {show(value)}: out of range") from None
            return self.checked(number, value)
        raise cannot(value, self.t)


def _floating(t: CqlType, dialect: Dialect) -> Codec:
    codec = _Floating(t)
    return Codec(codec.parse, codec.from_json)


_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _encode_float(value: Any) -> object:
    if value is None:
        return None
    if value != value:
        return "NaN"
    text = _NON_FINITE.get(value)
    if text is not None:
        return text
    return float(float32_text(value))


def _encode_double(value: Any) -> object:
    # Only NaN and the infinities need anything: orjson would write them as null, Stargate writes these strings.
    if value is None or math.isfinite(value):
        return value
    return "NaN" if value != value else _NON_FINITE[value]


# --- decimal ----------------------------------------------------------------------------------------------------


class _Decimal:
    """The decimal codec: at most MAX_NUMBER_DIGITS digits, and a scale Cassandra's int32 holds."""

    def __init__(self, t: CqlType) -> None:
        self.t = t

    def too_many_digits(self, shown: object) -> BadValue:
        return BadValue(f"Invalid decimal value {show(shown)}: more than {LIMITS.max_number_digits} digits")

    def checked(self, number: Decimal, shown: object) -> Decimal:
        _, digits, exponent = number.as_tuple()
        if len(digits) > LIMITS.max_number_digits:
            raise self.too_many_digits(shown)
        assert isinstance(exponent, int)
        if not DECIMAL_SCALE[0] <= -exponent <= DECIMAL_SCALE[1]:
            raise BadValue(f"Invalid decimal value {show(shown)}: the scale must fit in 32 bits")
        return number

    def parse(self, text: str) -> object:
        if _DECIMAL.fullmatch(text) is None:
            raise invalid(text, self.t, "not a decimal number")
        mantissa = text.partition("e")[0].partition("E")[0]
        if len(mantissa.replace(".", "").lstrip("+-").lstrip("0")) > LIMITS.max_number_digits:
            raise self.too_many_digits(text)
        return self.checked(Decimal(text), text)

    def from_json(self, value: object) -> object:
        if type(value) is int:
            if not -LIMITS.varint_bound < value < LIMITS.varint_bound:
                raise self.too_many_digits(value)
            return Decimal(value)
        if type(value) is float:
            if not math.isfinite(value):
                raise invalid(java_double_text(value), self.t, "not a decimal number")
            # As Stargate does: `new BigDecimal(Double.toString(d))`, so 1e20 becomes 1.0E+20.
            return self.checked(Decimal(java_double_text(value)), value)
        if isinstance(value, Decimal) and value.is_finite():
            return self.checked(value, value)
        raise cannot(value, self.t)


def _decimal(t: CqlType, dialect: Dialect) -> Codec:
    codec = _Decimal(t)
    return Codec(codec.parse, codec.from_json)


def _encode_decimal(value: Any) -> object:
    # str(Decimal) follows the same rule as Java's BigDecimal.toString(): 1E+3, 1.50, 1.0E-7, 0E+3.
    return None if value is None else orjson.Fragment(str(value))


# --- registration -----------------------------------------------------------------------------------------------


def _integer_schema(bits: int) -> Schema:
    schema: Schema = {"type": "integer", "minimum": -(2 ** (bits - 1)), "maximum": 2 ** (bits - 1) - 1}
    if bits >= 32:
        schema["format"] = f"int{bits}"
    return schema


def _floating_schema(fmt: str) -> Schema:
    return {"anyOf": [{"type": "number", "format": fmt}, {"enum": list(NON_FINITE)}]}


_INTEGER_KEY: Schema = {"pattern": INTEGER_TEXT}
_COUNTER_READ: Schema = {
    "type": "string",
    "pattern": INTEGER_TEXT,
    "description": "a 64-bit count, as a string (Stargate's form)",
}
_COUNTER_WRITTEN: Schema = {
    "anyOf": [
        {"type": "integer", "minimum": INT64[0], "maximum": INT64[1]},
        {"type": "string", "pattern": r"^[+-]?[0-9]+$", "description": 'an increment: "+1", "-1"'},
    ]
}


def register(scalars: dict[str, Scalar]) -> None:
    integer_key: Callable[[Any], str] = str
    for kind, bits in (("tinyint", 8), ("smallint", 16), ("int", 32), ("bigint", 64)):
        scalars[kind] = Scalar(_integer, always(None), integer_key, _integer_schema(bits), key_names=_INTEGER_KEY)
    # every digit: orjson writes big ones as raw JSON numbers
    scalars["varint"] = Scalar(
        _integer, always(_encode_varint), integer_text, {"type": "integer"}, key_names=_INTEGER_KEY
    )
    scalars["counter"] = Scalar(_integer, _counter_encoder, integer_key, _COUNTER_READ, _COUNTER_WRITTEN)
    # the shortest decimal of the float32
    scalars["float"] = Scalar(
        _floating,
        always(_encode_float),
        java_float_text,
        _floating_schema("float"),
        key_schema={"type": "number", "format": "float"},
    )
    scalars["double"] = Scalar(
        _floating,
        always(_encode_double),  # NaN and +-Infinity as Stargate's strings "NaN", "Infinity", "-Infinity"
        java_double_text,
        _floating_schema("double"),
        key_schema={"type": "number", "format": "double"},
    )
    # every digit, as BigDecimal.toString() (1E+3, 1.50)
    scalars["decimal"] = Scalar(_decimal, always(_encode_decimal), str, {"type": "number"})
