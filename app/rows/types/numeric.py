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
from app.rows.types.model import CqlType

INT64 = (-(2**63), 2**63 - 1)
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


# --- integers ---------------------------------------------------------------------------------------------------


def significant_digits(text: str) -> int:
    """The digits of an integer text (`[+-]?[0-9]+`) that count: leading zeros do not."""
    return len(text.lstrip("+-").lstrip("0"))


def _integer(t: CqlType, dialect: Dialect) -> Codec:
    bounds = BOUNDS.get(t.kind)
    # The most digits a value of the type can have (bigint: 19); varint: MAX_NUMBER_DIGITS, read at call time.
    digits = len(str(bounds[1])) if bounds is not None else None

    def out_of_range(shown: object) -> BadValue:
        if bounds is not None:
            return BadValue(f"Invalid {t} value {show(shown)}: out of range ({bounds[0]} to {bounds[1]})")
        return BadValue(f"Invalid {t} value {show(shown)}: more than {LIMITS.max_number_digits} digits")

    def checked(number: int, shown: object) -> int:
        if bounds is not None:
            if not bounds[0] <= number <= bounds[1]:
                raise out_of_range(shown)
        elif not -LIMITS.varint_bound < number < LIMITS.varint_bound:
            raise out_of_range(shown)
        return number

    def parse(text: str) -> object:
        if _INTEGER.fullmatch(text) is None:
            raise invalid(text, t, "not an integer")
        if significant_digits(text) > (digits or LIMITS.max_number_digits):
            raise out_of_range(text)
        sign = "-" if text[0] == "-" else ""
        return checked(int(sign + (text.lstrip("+-").lstrip("0") or "0")), text)

    def from_decimal(value: Decimal) -> int:
        if value.is_zero():
            return 0
        if value.adjusted() >= (digits or LIMITS.max_number_digits):  # before any int(): its cost grows with 10^exp
            raise out_of_range(value)
        if value != value.to_integral_value():
            raise cannot(value, t)
        return checked(int(value), value)

    def from_json(value: object) -> object:
        if type(value) is int:
            return checked(value, value)
        if type(value) is float:
            if value.is_integer() and abs(value) <= _EXACT_FLOAT_INT:
                return checked(int(value), value)
            if value.is_integer():
                raise BadValue(f"Invalid {t} value {show(value)}: not an exact integer (send large numbers as strings)")
            raise BadValue(f"Invalid {t} value {show(value)}: not an integer")
        if isinstance(value, Decimal) and value.is_finite():
            return from_decimal(value)
        raise cannot(value, t)

    return Codec(parse, from_json)


def _encode_varint(value: Any) -> object:
    if value is None or _ORJSON_INT[0] <= value <= _ORJSON_INT[1]:
        return value
    return orjson.Fragment(str(value))


def _encode_counter(value: Any) -> object:
    return None if value is None else str(value)


# --- floating point ---------------------------------------------------------------------------------------------


def _floating(t: CqlType, dialect: Dialect) -> Codec:
    single = t.kind == "float"

    def checked(number: float, shown: object) -> float:
        if single:
            try:
                F32.pack(number)
            except OverflowError:
                raise BadValue(f"Invalid float value {show(shown)}: out of range for a 32-bit float") from None
        if number in (math.inf, -math.inf):
            size = 32 if single else 64
            raise BadValue(f"Invalid {t} value {show(shown)}: out of range for a {size}-bit float")
        return number

    def too_long(shown: object) -> BadValue:
        return BadValue(f"Invalid {t} value {show(shown)}: longer than {LIMITS.max_float_text} characters")

    def parse(text: str) -> object:
        if len(text) > LIMITS.max_float_text:
            raise too_long(text)
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
            try:
                number = float.fromhex(hexa.group(1))
            except OverflowError:
                number = math.inf
        else:
            raise invalid(text, t, "not a number")
        return checked(number, text)

    def from_json(value: object) -> object:
        if type(value) is float:
            return checked(value, value)
        if isinstance(value, Decimal) and len(value.as_tuple().digits) > LIMITS.max_float_text:
            raise too_long(value)
        if type(value) is int or isinstance(value, Decimal):
            try:
                number = float(value)
            except OverflowError:
                raise BadValue(f"Invalid {t} value {show(value)}: out of range") from None
            return checked(number, value)
        raise cannot(value, t)

    return Codec(parse, from_json)


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


def _decimal(t: CqlType, dialect: Dialect) -> Codec:
    def too_many_digits(shown: object) -> BadValue:
        return BadValue(f"Invalid decimal value {show(shown)}: more than {LIMITS.max_number_digits} digits")

    def checked(number: Decimal, shown: object) -> Decimal:
        _, digits, exponent = number.as_tuple()
        if len(digits) > LIMITS.max_number_digits:
            raise too_many_digits(shown)
        assert isinstance(exponent, int)
        if not DECIMAL_SCALE[0] <= -exponent <= DECIMAL_SCALE[1]:
            raise BadValue(f"Invalid decimal value {show(shown)}: the scale must fit in 32 bits")
        return number

    def parse(text: str) -> object:
        if _DECIMAL.fullmatch(text) is None:
            raise invalid(text, t, "not a decimal number")
        mantissa = text.partition("e")[0].partition("E")[0]
        if len(mantissa.replace(".", "").lstrip("+-").lstrip("0")) > LIMITS.max_number_digits:
            raise too_many_digits(text)
        return checked(Decimal(text), text)

    def from_json(value: object) -> object:
        if type(value) is int:
            if not -LIMITS.varint_bound < value < LIMITS.varint_bound:
                raise too_many_digits(value)
            return Decimal(value)
        if type(value) is float:
            if not math.isfinite(value):
                raise invalid(java_double_text(value), t, "not a decimal number")
            # As Stargate does: `new BigDecimal(Double.toString(d))`, so 1e20 becomes 1.0E+20.
            return checked(Decimal(java_double_text(value)), value)
        if isinstance(value, Decimal) and value.is_finite():
            return checked(value, value)
        raise cannot(value, t)

    return Codec(parse, from_json)


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
        _integer, always(_encode_varint), integer_key, {"type": "integer"}, key_names=_INTEGER_KEY
    )
    scalars["counter"] = Scalar(_integer, always(_encode_counter), integer_key, _COUNTER_READ, _COUNTER_WRITTEN)
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
