"""Unit tests of the number codecs (app.rows.types.numeric): tinyint to varint, counter, float, double, decimal.

Expected values marked "Stargate:" are what Stargate v2.0.51 answered for the same input (see
tests/rows/types/test_roundtrip.py for the real-node round trips)."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from decimal import Decimal

import pytest

from app.rows.types import CqlType, MapItems, configure_limits, encoder, float32_text, java_text
from app.rows.types.java import java_double_text, java_float_text
from app.rows.types.limits import DEFAULT_MAX_NUMBER_DIGITS, LIMITS
from tests.support.codecs import as_json, assert_binds, bad, decode, encode, t

VALID = [
    # integers
    ("int", 5, 5),
    ("int", "12", 12),
    ("int", "'12'", 12),  # Stargate: the quotes are stripped first
    ("int", "+5", 5),
    ("int", "-2147483648", -(2**31)),
    ("int", 3.0, 3),
    ("int", 1e3, 1000),
    ("int", Decimal("7"), 7),
    ("tinyint", "5", 5),
    ("tinyint", -128, -128),
    ("smallint", 32767, 32767),
    ("bigint", 9223372036854775807, 2**63 - 1),
    ("bigint", "-9223372036854775808", -(2**63)),
    ("varint", 123456789012345678901234567890, 123456789012345678901234567890),
    ("varint", "-18446744073709551617", -18446744073709551617),
    ("counter", 5, 5),
    ("counter", "+1", 1),  # Stargate: "+1"/"-1" strings parse as Long
    ("counter", "-1", -1),
    # floating point
    ("double", 1.5, 1.5),
    ("double", 2, 2.0),
    ("double", "1e10", 1e10),
    ("double", " 1.5 ", 1.5),  # Stargate (Java's Double.valueOf) trims
    ("double", "1.5d", 1.5),  # Stargate: accepted
    ("double", "0x1p3", 8.0),  # Stargate: 8.0
    ("double", "-Infinity", -math.inf),
    ("double", "+Infinity", math.inf),
    ("double", -0.0, -0.0),
    ("float", 0.1, 0.1),
    ("float", "1.5f", 1.5),
    ("float", 3.4028235e38, 3.4028235e38),
    ("float", "Infinity", math.inf),
    # decimal
    ("decimal", "1E+3", Decimal("1E+3")),
    ("decimal", "+.5", Decimal("0.5")),  # Stargate: 0.5
    ("decimal", "5.", Decimal("5")),
    ("decimal", "1.50", Decimal("1.50")),
    ("decimal", 0.1, Decimal("0.1")),
    ("decimal", 1e20, Decimal("1.0E+20")),  # as Stargate: new BigDecimal(Double.toString(1e20))
    ("decimal", 12, Decimal(12)),
    ("decimal", Decimal("3.14159265358979323846"), Decimal("3.14159265358979323846")),
]


@pytest.mark.parametrize(("type_text", "value", "bound"), VALID)
def test_a_valid_input_decodes_to_the_value_the_driver_binds(type_text: str, value: object, bound: object) -> None:
    assert_binds(type_text, value, bound)


INVALID = [
    ("int", "x", "Invalid int value 'x': not an integer"),
    ("int", "1.0", "Invalid int value '1.0': not an integer"),  # Stargate: refused too
    ("int", " 5", "not an integer"),
    ("int", "1_000", "not an integer"),
    ("int", "", "Invalid int value '': not an integer"),
    ("int", 1.5, "Invalid int value 1.5: not an integer"),  # Stargate truncated it to 1
    ("int", 2**31, "Invalid int value 2147483648: out of range (-2147483648 to 2147483647)"),
    ("int", True, "Cannot coerce Boolean value (true) into int"),
    ("int", [1], "Cannot coerce array [1] into int"),
    ("tinyint", 300, "out of range (-128 to 127)"),  # Stargate stored 44
    ("smallint", "40000", "Invalid smallint value '40000': out of range (-32768 to 32767)"),
    ("bigint", 2**63, "out of range"),  # Stargate wrapped it to -9223372036854775808
    ("bigint", "9223372036854775808", "Invalid bigint value '9223372036854775808': out of range"),
    ("varint", 1.2345678901234568e29, "not an exact integer (send large numbers as strings)"),
    ("varint", "1e3", "Invalid varint value '1e3': not an integer"),
    ("counter", "1.5", "Invalid counter value '1.5': not an integer"),
    ("float", 1e39, "Invalid float value 1e+39: out of range for a 32-bit float"),  # Stargate stored Infinity
    ("float", "1e39", "out of range for a 32-bit float"),
    ("float", "inf", "Invalid float value 'inf': not a number"),  # Stargate: refused too (only Infinity)
    ("float", "nan", "not a number"),
    ("float", True, "Cannot coerce Boolean value (true) into float"),
    ("double", "1e309", "Invalid double value '1e309': out of range for a 64-bit float"),
    ("double", 10**400, "out of range"),
    ("double", "1_0", "not a number"),
    ("decimal", "NaN", "Invalid decimal value 'NaN': not a decimal number"),  # Stargate: refused too
    ("decimal", "1e2147483649", "the scale must fit in 32 bits"),
    ("decimal", " 1", "not a decimal number"),
    ("decimal", True, "Cannot coerce Boolean value (true) into decimal"),
]


@pytest.mark.parametrize(("type_text", "value", "message"), INVALID)
def test_an_invalid_input_raises_bad_value_saying_what_is_wrong(type_text: str, value: object, message: str) -> None:
    assert message in bad(type_text, value)


OUTPUTS = [
    ("counter", 4, '"4"'),  # Stargate: "4"
    ("counter", None, "null"),
    ("varint", 5, "5"),
    ("varint", 123456789012345678901234567890, "123456789012345678901234567890"),  # Stargate: the same digits
    ("varint", -18446744073709551617, "-18446744073709551617"),
    ("varint", 2**64 - 1, "18446744073709551615"),
    ("decimal", Decimal("1E+3"), "1E+3"),  # Stargate: 1E+3
    ("decimal", Decimal("1.50"), "1.50"),  # Stargate: 1.50
    ("decimal", Decimal("1.0E-7"), "1.0E-7"),  # Stargate: 1.0E-7 (for 0.00000010)
    ("decimal", Decimal("-0.000001234"), "-0.000001234"),  # Stargate: -0.000001234
    ("decimal", Decimal("0E+3"), "0E+3"),  # Stargate: 0E+3
    ("decimal", Decimal("12345678901234567890.123456789"), "12345678901234567890.123456789"),
    ("float", 0.10000000149011612, "0.1"),  # Stargate: 0.1
    ("float", 16777216.0, "16777216.0"),  # Stargate: 1.6777216E7
    ("float", 3.4028234663852886e38, "3.4028235e+38"),  # Stargate: 3.4028235E38
    ("float", -0.0, "-0.0"),
    ("float", math.nan, '"NaN"'),  # Stargate: "NaN"
    ("float", math.inf, '"Infinity"'),
    ("float", -math.inf, '"-Infinity"'),  # Stargate: "-Infinity"
]


@pytest.mark.parametrize(("type_text", "value", "expected"), OUTPUTS)
def test_a_driver_value_encodes_to_stargates_output_form(type_text: str, value: object, expected: str) -> None:
    assert as_json(type_text, value) == expected


COMPACT_KEYS = [
    ("double", 1.0, "1.0"),
    ("double", 1e10, "1.0E10"),
    ("double", -0.0, "-0.0"),
    ("double", 1.5, "1.5"),
    ("float", 0.10000000149011612, "0.1"),
    ("float", 1e10, "1.0E10"),
    ("bigint", 2**63 - 1, "9223372036854775807"),
    ("varint", 123456789012345678901234567890, "123456789012345678901234567890"),
    ("decimal", Decimal("1E+3"), "1E+3"),
    ("decimal", Decimal("1.50"), "1.50"),
]


@pytest.mark.parametrize(("type_text", "key", "text"), COMPACT_KEYS)
def test_a_compact_map_key_is_the_text_stargate_gives_it(type_text: str, key: object, text: str) -> None:
    assert java_text(t(type_text))(key) == text
    assert encode(f"map<{type_text}, int>", MapItems([(key, 1)])) == {text: 1}  # like the driver's map: .items()


def test_a_float_decodes_nan_from_its_string_forms() -> None:
    assert math.isnan(decode("float", "NaN"))  # type: ignore[arg-type]  # a float comes out
    assert math.isnan(decode("double", "-NaN"))  # type: ignore[arg-type]  # a float comes out


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (1.0, "1.0"),
        (100.0, "100.0"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (1234567.0, "1234567.0"),
        (1e7, "1.0E7"),
        (-1.5e-7, "-1.5E-7"),
        (123456789.125, "1.23456789125E8"),
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
    ],
)
def test_java_double_text_lays_out_numbers_as_double_to_string(value: float, text: str) -> None:
    assert java_double_text(value) == text


def test_java_float_text_uses_the_shortest_float32_digits() -> None:
    assert java_float_text(0.10000000149011612) == "0.1"
    assert java_float_text(16777216.0) == "1.6777216E7"  # Stargate: 1.6777216E7


@pytest.mark.parametrize(
    "value",
    [0.1, 1 / 3, 3.4028234663852886e38, 1.401298464324817e-45, 16777216.0, 123456.789, 2.5, 1e-10, 7.0, 0.3],
)
def test_float32_text_is_the_shortest_decimal_that_reads_back_as_the_same_float32(value: float) -> None:
    import struct

    f32 = struct.unpack("<f", struct.pack("<f", value))[0]
    text = float32_text(f32)
    assert struct.pack("<f", float(text)) == struct.pack("<f", f32)
    digits = len(text.lstrip("-").split("e")[0].replace(".", "").strip("0"))
    shorter = f"{f32:.{digits - 1}g}" if digits > 1 else None
    assert shorter is None or struct.pack("<f", float(shorter)) != struct.pack("<f", f32)


@pytest.mark.parametrize(
    ("value", "text"), [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity"), (2.5, 2.5)]
)
def test_a_double_is_written_as_a_number_or_stargates_name_for_a_non_finite_value(value: float, text: object) -> None:
    encode = encoder(CqlType("double"))
    assert encode is not None and encode(value) == text


# --- bounds: every size is measured before the conversion whose cost grows with it -------------------------------

INTEGER_KINDS = ["tinyint", "smallint", "int", "bigint", "varint", "counter"]


@pytest.mark.parametrize("kind", INTEGER_KINDS)
def test_an_exponent_of_a_million_is_refused_on_every_integer_kind(kind: str) -> None:
    message = bad(kind, Decimal("1e1000000"))
    assert message.startswith(f"Invalid {kind} value 1E+1000000: ")
    assert "out of range" in message or "more than 1000 digits" in message


@pytest.mark.parametrize("kind", INTEGER_KINDS)
def test_an_exponent_of_a_million_is_refused_on_every_integer_kind_inside_a_list(kind: str) -> None:
    assert f"Invalid {kind} value 1E+1000000" in bad(f"list<{kind}>", [Decimal("1e1000000")])


def test_bigint_takes_1e18_from_an_exponent() -> None:
    assert decode("bigint", Decimal("1e18")) == 10**18


def test_bigint_refuses_1e19_from_an_exponent() -> None:
    assert bad("bigint", Decimal("1e19")) == (
        "Invalid bigint value 1E+19: out of range (-9223372036854775808 to 9223372036854775807)"
    )


def test_bigint_takes_a_text_of_19_digits_within_its_range() -> None:
    assert decode("bigint", "-9223372036854775808") == -(2**63)


def test_bigint_refuses_a_text_of_20_digits() -> None:
    assert "out of range" in bad("bigint", "1" + "0" * 19)


def test_bigint_reads_leading_zeros_without_counting_them() -> None:
    assert decode("bigint", "0" * 5000 + "7") == 7


def test_varint_takes_1000_digits() -> None:
    assert decode("varint", "9" * 1000) == int("9" * 1000)


def test_varint_refuses_1001_digits_from_a_text() -> None:
    assert bad("varint", "9" * 1001).endswith(": more than 1000 digits")


def test_varint_refuses_1001_digits_from_a_json_integer() -> None:
    assert "more than 1000 digits" in bad("varint", int("9" * 1001))


def test_varint_takes_an_exponent_of_999() -> None:
    assert decode("varint", Decimal("1e999")) == 10**999


def test_varint_refuses_an_exponent_of_1000() -> None:
    assert "more than 1000 digits" in bad("varint", Decimal("1e1000"))


@pytest.mark.parametrize("kind", INTEGER_KINDS)
def test_an_integer_text_of_4301_digits_is_a_bad_value_not_the_interpreters_error(kind: str) -> None:
    bad(kind, "9" * 4301)


def test_a_decimal_takes_1000_digits() -> None:
    assert decode("decimal", "1" * 1000) == Decimal("1" * 1000)


def test_a_decimal_refuses_1001_digits_from_a_text() -> None:
    assert "more than 1000 digits" in bad("decimal", "1" * 1001)


def test_a_decimal_refuses_1001_digits_from_a_json_number() -> None:
    assert "more than 1000 digits" in bad("decimal", Decimal("1." + "1" * 1000))


def test_a_decimal_refuses_1001_digits_from_a_json_integer() -> None:
    assert "more than 1000 digits" in bad("decimal", int("9" * 1001))


def test_a_decimal_takes_a_scale_at_the_int32_bound() -> None:
    assert decode("decimal", Decimal("1e-2147483647")) == Decimal("1e-2147483647")


def test_a_decimal_refuses_a_scale_past_the_int32_bound() -> None:
    assert "the scale must fit in 32 bits" in bad("decimal", Decimal("1e-2147483648"))


def test_a_double_takes_a_literal_of_1032_characters() -> None:
    assert decode("double", "0." + "1" * 1030) == float("0." + "1" * 1030)


def test_a_double_refuses_a_literal_of_1033_characters() -> None:
    assert "longer than 1032 characters" in bad("double", "0." + "1" * 1031)


def test_a_float_refuses_a_json_number_too_large_for_a_float32_even_past_a_double() -> None:
    assert "out of range for a 32-bit float" in bad("float", Decimal("1e400"))


def test_a_float_refuses_a_text_too_large_for_a_double() -> None:
    assert "out of range for a 32-bit float" in bad("float", "1e400")


def test_configure_limits_changes_the_digits_every_codec_allows(narrow_digits: None) -> None:
    assert decode("varint", "9" * 50) == int("9" * 50)
    assert "more than 50 digits" in bad("varint", "9" * 51)
    assert "more than 50 digits" in bad("decimal", "9" * 51)


def test_configure_limits_keeps_digits_within_the_interpreters_own_limit() -> None:
    configure_limits(100_000)
    try:
        assert LIMITS.max_number_digits == sys.get_int_max_str_digits()
        bad("varint", "9" * (sys.get_int_max_str_digits() + 1))
    finally:
        configure_limits(DEFAULT_MAX_NUMBER_DIGITS)


@pytest.fixture
def narrow_digits() -> Iterator[None]:
    configure_limits(50)
    yield
    configure_limits(DEFAULT_MAX_NUMBER_DIGITS)


def test_a_hexadecimal_double_too_large_for_a_double_is_a_bad_value() -> None:
    assert "out of range for a 64-bit float" in bad("double", "0x1p99999")


def test_a_varint_past_the_interpreters_digit_limit_is_written_with_every_digit() -> None:
    value = -(10**5000) - 7
    assert as_json("varint", value) == "-1" + "0" * 4999 + "7"
    assert encode("map<varint, int>", MapItems([(value, 1)])) == {"-1" + "0" * 4999 + "7": 1}
