"""`BadValue` and the texts of its messages, which quote the client's value (shortened, and safe to serialise)."""

from __future__ import annotations

from decimal import Decimal

import orjson

from app.rows.types.model import CqlType

_SHOWN = 200  # characters of a value an error message quotes
_SHOWN_INT_BITS = 640  # about 190 digits: beyond, an int is described instead of printed


class BadValue(ValueError):
    """The message says what is wrong with the value, without the column name (the caller adds it)."""


def printable(text: str) -> str:
    """`text` shortened, with lone surrogates escaped (`\\ud800`): orjson cannot write them into an error body."""
    if len(text) > _SHOWN:
        text = text[:_SHOWN] + "..."
    if not text.isascii():
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def show(value: object) -> str:
    """A value as an error message quotes it: strings in single quotes (like Stargate), JSON otherwise."""
    if isinstance(value, str):
        return f"'{printable(value)}'"
    if isinstance(value, Decimal):
        return printable(str(value))
    if type(value) is int and value.bit_length() > _SHOWN_INT_BITS:
        return f"(a number of at least {int((value.bit_length() - 1) * 0.30103) + 1} digits)"  # 2^(bits-1) <= |value|
    try:
        text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # too deep, an int over 64 bits, a lone surrogate
        text = _shallow_repr(value)
    return printable(text)


def _shallow_repr(value: object) -> str:
    try:
        return repr(value)
    except (RecursionError, ValueError):  # too deep for repr, or an int over the interpreter's digit limit
        return f"({type(value).__name__} too large to show)"


def json_kind(value: object) -> str:
    if isinstance(value, str):
        return f"String value {show(value)}"
    if isinstance(value, bool):
        return f"Boolean value ({'true' if value else 'false'})"
    if isinstance(value, (int, float, Decimal)):
        return f"Number {show(value)}"
    if isinstance(value, (list, tuple)):
        return f"array {show(value)}"
    if isinstance(value, dict):
        return f"object {show(value)}"
    return f"value {show(value)}"


def cannot(value: object, t: CqlType) -> BadValue:
    return BadValue(f"Cannot coerce {json_kind(value)} into {t}")


def invalid(text: str, t: CqlType, expected: str = "") -> BadValue:
    return BadValue(f"Invalid {t} value {show(text)}" + (f": {expected}" if expected else ""))


def json_shape(value: object) -> str:
    """What a JSON value is, for an error that says what was expected instead."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a number"


def invalid_string(text: str, t: CqlType, expected: str) -> BadValue:
    """Stargate's words for text that is no value of a type, which its clients and its suite match on."""
    return BadValue(f"Invalid String value ({show(text)}) for {t}: {expected}")


def no_null(value: object, where: str) -> object:
    if value is None:
        raise BadValue(f"null is not allowed as {where}")
    return value
