"""Java's texts of numbers and JSON values: what Stargate prints, and how Java turns a JSON value into a string.

`float32_text` is the one "shortest decimal of a float32" routine: the rows codecs and the sample API
(`float32_shortest`) both use it."""

from __future__ import annotations

import math
import struct

from app.rows.types.errors import BadValue
from app.rows.types.limits import MAX_TEXT_NESTING

F32 = struct.Struct("<f")
_G = tuple(f"%.{digits}g" for digits in range(10))


def float32_text(value: float) -> str:
    """The shortest decimal that reads back as the same float32 (`0.10000000149011612` -> `'0.1'`), finite only.

    Round-tripping is monotonic in the digit count (the nearest d-digit decimal that round-trips is still a
    candidate with d+1 digits), and 9 digits always do. Random values need 8 or 9 (two or three checks); a value
    that 7 digits render (`%g` drops trailing zeros: `4.8`, `0.1`) is searched below its digit count. About 3x
    faster than trying 1 to 9 digits in turn, with the same answers."""
    pack = F32.pack
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


def float32_shortest(value: float | None) -> float | None:
    """The float whose repr is the float32's shortest decimal (4.800000190734863 -> 4.8); None, NaN and the
    infinities pass through."""
    if value is None or not math.isfinite(value):
        return value
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


def java_value_text(value: object, depth: int = 0) -> str:
    """Java's `String.valueOf` of what Jackson reads from JSON: how Stargate stores a JSON number, boolean, array
    or object given for a text column (`12.50` -> `12.5`, `true`, `[1, "a"]` -> `[1, a]`, `{"k": 1}` -> `{k=1}`).
    Arrays and objects nest at most MAX_TEXT_NESTING deep (BadValue beyond: the recursion must stay bounded)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_text(value)
    if isinstance(value, (list, tuple, dict)):
        if depth >= MAX_TEXT_NESTING:
            raise BadValue(f"A JSON value given as text may nest at most {MAX_TEXT_NESTING} arrays or objects deep")
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}={java_value_text(v, depth + 1)}" for k, v in value.items()) + "}"
        return "[" + ", ".join(java_value_text(x, depth + 1) for x in value) + "]"
    return str(value)
