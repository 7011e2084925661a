"""Unit tests of the pure type model and codec (app.rows.types, app.rows.literals): no database.

Expected values marked "Stargate:" are what Stargate v2.0.51 answered for the same input (see
tests/rows/test_types_roundtrip.py for the real-node round trips)."""

from __future__ import annotations

import datetime
import math
import uuid
from decimal import Decimal
from types import SimpleNamespace

import orjson
import pytest
from cassandra.util import Date, Duration, SortedSet, Time

from app.rows.literals import LiteralError, split_elements, split_entries, split_pairs, unquote
from app.rows.types import (
    BadValue,
    CqlType,
    MapItems,
    Udt,
    date_text,
    decoder,
    duration_text,
    encoder,
    float32_text,
    inet_text,
    instant_text,
    java_double_text,
    java_float_text,
    java_text,
    java_time_text,
    key_decoder,
    parse_type,
    table_column_types,
    user_type_resolver,
)

TEXT, INT = CqlType("text"), CqlType("int")
UTC_DT = datetime.datetime  # the driver's timestamps: naive datetimes in UTC
ADDRESS = Udt(
    "ks",
    "address",
    (("street", TEXT), ("zip", INT), ("tags", CqlType("set", (TEXT,), frozen=True))),
)
MY_TYPE = Udt("ks", "MyType", (("First", TEXT), ("n", INT)))
UDTS = {"address": ADDRESS, "MyType": MY_TYPE}


def t(text: str) -> CqlType:
    return parse_type(text, UDTS.get)


def decode(type_text: str, value: object, **options: bool) -> object:
    return decoder(t(type_text), **options)(value)


def encode(type_text: str, value: object, *, compact_maps: bool = True) -> object:
    function = encoder(t(type_text), compact_maps=compact_maps)
    return value if function is None else function(value)


def as_json(type_text: str, value: object, *, compact_maps: bool = True) -> str:
    return orjson.dumps(encode(type_text, value, compact_maps=compact_maps)).decode()


def bad(type_text: str, value: object, **options: bool) -> str:
    with pytest.raises(BadValue) as caught:
        decode(type_text, value, **options)
    return str(caught.value)


# --- parse_type ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scalar",
    [
        *("ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double", "duration", "float"),
        *("inet", "int", "smallint", "text", "time", "timestamp", "timeuuid", "tinyint", "uuid", "varint"),
    ],
)
def test_every_scalar_type_name_parses_to_its_kind(scalar: str) -> None:
    assert parse_type(scalar, UDTS.get) == CqlType(scalar)


def test_varchar_is_normalised_to_text() -> None:
    assert t("varchar") == TEXT


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("list<int>", "list<int>"),
        ("set<text>", "set<text>"),
        ("map<text, int>", "map<text, int>"),
        ("frozen<map<text,int>>", "frozen<map<text, int>>"),
        ("frozen<list<frozen<map<text, int>>>>", "frozen<list<frozen<map<text, int>>>>"),
        ("frozen<tuple<int, text, frozen<address>>>", "frozen<tuple<int, text, frozen<address>>>"),
        (
            "tuple<int, list<int>, frozen<address>, tuple<int, int>>",
            "tuple<int, list<int>, frozen<address>, tuple<int, int>>",
        ),
        ("vector<float, 3>", "vector<float, 3>"),
        ("vector<text,2>", "vector<text, 2>"),
        ("address", "address"),
        ('"address"', "address"),
        ('"MyType"', '"MyType"'),
        ('list<frozen<"MyType">>', 'list<frozen<"MyType">>'),
        ("map<frozen<address>, frozen<list<varchar>>>", "map<frozen<address>, frozen<list<text>>>"),
    ],
)
def test_a_type_string_parses_and_prints_back_as_cql(text: str, printed: str) -> None:
    assert str(t(text)) == printed


def test_frozen_is_a_flag_on_the_inner_type() -> None:
    assert t("frozen<list<int>>") == CqlType("list", (INT,), frozen=True)
    assert t("list<frozen<list<int>>>").params[0].frozen


def test_a_vector_keeps_its_element_type_and_size() -> None:
    assert t("vector<float, 1536>") == CqlType("vector", (CqlType("float"),), size=1536)


def test_a_udt_name_is_resolved_through_the_callback_with_its_case_kept_when_quoted() -> None:
    assert t("frozen<address>") == CqlType("udt", frozen=True, udt=ADDRESS)
    assert t('"MyType"').udt is MY_TYPE


def test_an_unquoted_udt_name_is_folded_to_lowercase_as_cql_does() -> None:
    assert t("Address").udt is ADDRESS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("'org.apache.cassandra.db.marshal.DynamicCompositeType(s=>UTF8Type)'", "custom types are not supported"),
        ("nosuchtype", "Unknown type nosuchtype"),
        ('"mytype"', "Unknown type mytype"),  # quoted names are case-sensitive: "MyType" exists
        ("list<int", "unexpected end"),
        ("list<int>>", "unexpected '>'"),
        ("map<int>", "map takes 2"),
        ("list<int, int>", "list takes 1"),
        ("vector<float, 0>", "positive size"),
        ("vector<float>", "unexpected '>'"),
        ("", "empty"),
        ("int int", "unexpected 'int'"),
    ],
)
def test_a_type_string_that_cannot_be_parsed_raises_value_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        t(text)


def test_user_type_resolver_builds_nested_udts_from_driver_metadata_once() -> None:
    keyspace = SimpleNamespace(
        name="ks",
        user_types={
            "inner": SimpleNamespace(field_names=["x"], field_types=["int"]),
            "outer": SimpleNamespace(field_names=["i", "l"], field_types=["frozen<inner>", "list<text>"]),
        },
        tables={
            "t": SimpleNamespace(
                columns={
                    "id": SimpleNamespace(cql_type="int"),
                    "o": SimpleNamespace(cql_type="frozen<outer>"),
                }
            )
        },
    )
    resolve = user_type_resolver(keyspace)
    outer = resolve("outer")
    assert outer is not None and resolve("outer") is outer
    assert outer.fields[0][1] == CqlType("udt", frozen=True, udt=Udt("ks", "inner", (("x", INT),)))
    assert resolve("missing") is None
    assert {name: str(type_) for name, type_ in table_column_types(keyspace, "t").items()} == {
        "id": "int",
        "o": "frozen<outer>",
    }


def test_cql_types_are_hashable_so_converters_are_built_once_per_type() -> None:
    assert hash(t("map<text, frozen<address>>")) == hash(t("map<text, frozen<address>>"))
    assert decoder(t("list<int>")) is decoder(t("list<int>"))
    assert encoder(t("set<timestamp>")) is encoder(t("set<timestamp>"))


# --- literals -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unquoted"),
    [("'abc'", "abc"), ("''", ""), ("'a''b'", "a'b"), ("a''b", "a''b"), ("'", "'"), ("'a'b'", "a'b"), ("abc", "abc")],
)
def test_unquote_strips_one_pair_of_single_quotes_and_undoubles_quotes_inside(text: str, unquoted: str) -> None:
    assert unquote(text) == unquoted  # Stargate: "''" stores "", "'a''b'" stores a'b, "a''b" is kept as it is


def test_split_elements_keeps_strings_and_nested_groups_whole() -> None:
    assert split_elements(" [ 1 , 'a, b' ,{x: [2]}, 'it''s'] ", "[", "]", "List") == [
        "1",
        "'a, b'",
        "{x: [2]}",
        "'it''s'",
    ]


def test_split_elements_of_an_empty_literal_is_empty() -> None:
    assert split_elements("[ ]", "[", "]", "List") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1 2]", "at character 3 expecting ',' or ']' but got '2'"),
        ("[1,]", "at character 3 expecting a value"),
        ("[1", "expecting ',' or ']' but got end of text"),
        ("{1}", "expecting '[' but got '{'"),
        ("[1]x", "unexpected text after the closing bracket: 'x'"),
        ("['a]", "expecting a value"),
        ("[(1]]", "expecting a value"),
        ("[10:30]", "expecting ',' or ']' but got ':'"),
    ],
)
def test_split_elements_names_what_is_wrong_and_where(text: str, message: str) -> None:
    with pytest.raises(LiteralError, match=message.replace("[", r"\[").replace("(", r"\(")):
        split_elements(text, "[", "]", "List")


def test_split_pairs_reads_keys_and_values_and_double_quoted_names_when_asked() -> None:
    assert split_pairs("{k1: 1, 'k 2': [3]}", "Map") == [("k1", "1"), ("'k 2'", "[3]")]
    assert split_pairs("{\"First\": 'x'}", "UDT", names=True) == [('"First"', "'x'")]
    with pytest.raises(LiteralError, match="expecting a key"):
        split_pairs('{"First": 1}', "Map")


def test_split_entries_reads_the_non_compact_map_string_form() -> None:
    assert split_entries("[{'key': 'a', \"value\": 1}, {value: 2, key: b}]") == [("'a'", "1"), ("b", "2")]
    with pytest.raises(LiteralError, match="exactly a 'key' and a 'value'"):
        split_entries("[{'key': 'a'}]")


# --- decoder: scalars ---------------------------------------------------------------------------------------------

VALID = [
    # text and ascii: strings are unquoted at the top level; other JSON values become Java's String.valueOf
    ("text", "abc", "abc"),
    ("text", "'abc'", "abc"),  # Stargate: stores abc
    ("text", "''", ""),
    ("text", "'a''b'", "a'b"),
    ("text", "", ""),
    ("text", 12.50, "12.5"),  # Stargate: "12.5"
    ("text", 1e20, "1.0E20"),
    ("text", 7, "7"),
    ("text", True, "true"),  # Stargate: "true"
    ("text", [1, "a"], "[1, a]"),  # Stargate: "[1]" for [1]
    ("text", {"k": 1}, "{k=1}"),
    ("ascii", "abc", "abc"),
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
    # boolean
    ("boolean", True, True),
    ("boolean", "false", False),
    ("boolean", "TRUE", True),  # Stargate: case-insensitive
    ("boolean", "'true'", True),
    # uuid, timeuuid
    ("uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
    ("timeuuid", "6c0510fe-ed62-11f1-8a4f-02fc00000001", uuid.UUID("6c0510fe-ed62-11f1-8a4f-02fc00000001")),
    # timestamp -> epoch milliseconds
    ("timestamp", "2021-04-23T18:42:22.139Z", 1619203342139),
    ("timestamp", "2021-04-23T18:42:22Z", 1619203342000),
    ("timestamp", "2021-04-23T18:42:22.Z", 1619203342000),  # Stargate: accepted
    ("timestamp", "2021-04-23T18:42:22.1Z", 1619203342100),
    ("timestamp", "2021-04-23T18:42:22.123456Z", 1619203342123),
    ("timestamp", "2021-04-23T18:42:22.123456789Z", 1619203342123),  # beyond Stargate (0-6 digits), truncated
    ("timestamp", "2021-04-23T18:42:22.1399Z", 1619203342139),  # truncated, not rounded (as Instant.toEpochMilli)
    ("timestamp", "2021-04-23T18:42:22+02:00", 1619196142000),
    ("timestamp", "2021-04-23T18:42:22+0200", 1619196142000),
    ("timestamp", "2021-04-23T18:42:22+02", 1619196142000),
    ("timestamp", "2021-04-23T18:42:22-02:30", 1619212342000),
    ("timestamp", "2021-04-23T18:42:22+18:00", 1619138542000),
    ("timestamp", "2021-04-23T24:00:00Z", 1619222400000),  # Stargate: 2021-04-24T00:00:00Z
    ("timestamp", "1970-01-01T00:00:00Z", 0),
    ("timestamp", "+10000-01-01T00:00:00Z", 253402300800000),
    ("timestamp", "0000-01-01T00:00:00Z", -62167219200000),
    ("timestamp", "-0001-01-01T00:00:00Z", -62198755200000),
    ("timestamp", 1619203342139, 1619203342139),
    ("timestamp", -1, -1),
    ("timestamp", "1619203342139", 1619203342139),  # beyond Stargate: epoch ms as a string too
    ("timestamp", "'2021-04-23T18:42:22Z'", 1619203342000),
    # date, time, duration
    ("date", "2021-04-23", Date(18740)),
    ("date", "1970-01-01", Date(0)),
    ("date", "-0001-01-01", Date(-719893)),
    ("date", "+10000-01-01", Date(2932897)),
    ("date", "2020-02-29", Date(18321)),
    ("time", "10:30", Time(37800000000000)),
    ("time", "10:30:00", Time(37800000000000)),
    ("time", "10:30:00.", Time(37800000000000)),  # Stargate: accepted
    ("time", "10:30:00.5", Time(37800500000000)),
    ("time", "23:59:59.999999999", Time(86399999999999)),
    ("duration", "2d", Duration(0, 2, 0)),
    ("duration", "30h20m", Duration(0, 0, (30 * 60 + 20) * 60 * 10**9)),
    ("duration", "1y2mo3w4d5h6m7s8ms9us10ns", Duration(14, 25, 18367008009010)),
    ("duration", "2D3H", Duration(0, 2, 3 * 3600 * 10**9)),  # Stargate: "2d3h"
    ("duration", "1µs", Duration(0, 0, 1000)),
    ("duration", "P1Y2M3DT4H5M6S", Duration(14, 3, 14706 * 10**9)),
    ("duration", "P2W", Duration(0, 14, 0)),
    ("duration", "P0001-02-03T04:05:06", Duration(14, 3, 14706 * 10**9)),
    ("duration", "-P2W", Duration(0, -14, 0)),
    ("duration", "-2w", Duration(0, -14, 0)),
    ("duration", "P", Duration(0, 0, 0)),  # Stargate: ""
    ("duration", "", Duration(0, 0, 0)),  # beyond Stargate: what it prints for zero reads back
    # inet: literal addresses only
    ("inet", "127.0.0.1", "127.0.0.1"),
    ("inet", "::1", "::1"),
    ("inet", "[::1]", "::1"),  # Stargate: accepted
    ("inet", "2001:DB8::FF00:42:8329", "2001:db8::ff00:42:8329"),
    ("inet", "::ffff:1.2.3.4", "1.2.3.4"),  # as Java: an IPv4-mapped address is stored as IPv4
    ("inet", "fe80::1%eth0", "fe80::1"),  # Stargate: fe80::1 (the scope is not stored)
    ("inet", "/1.2.3.4", "1.2.3.4"),  # how Stargate prints an inet map key, so it reads back
    # blob: standard base64, padding optional
    ("blob", "/w==", b"\xff"),
    ("blob", "/w", b"\xff"),  # Stargate: accepted (Java's decoder does not need padding)
    ("blob", "/wA=", b"\xff\x00"),
    ("blob", "", b""),
]


@pytest.mark.parametrize(("type_text", "value", "bound"), VALID)
def test_a_valid_input_decodes_to_the_value_the_driver_binds(type_text: str, value: object, bound: object) -> None:
    result = decode(type_text, value)
    assert result == bound and type(result) is type(bound)


def test_a_float_decodes_nan_from_its_string_forms() -> None:
    assert math.isnan(decode("float", "NaN"))  # type: ignore[arg-type]  # a float comes out
    assert math.isnan(decode("double", "-NaN"))  # type: ignore[arg-type]  # a float comes out


def test_json_null_decodes_to_null_for_every_type() -> None:
    for type_text in (
        "int",
        "text",
        "list<int>",
        "map<text, int>",
        "frozen<address>",
        "tuple<int, text>",
        "vector<float, 3>",
    ):
        assert decode(type_text, None) is None


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
    ("boolean", "yes", "Invalid boolean value 'yes': expected true or false"),
    ("boolean", 1, "Cannot coerce Number 1 into boolean"),  # Stargate: same refusal
    ("ascii", "é", "Invalid ascii value 'é': only ASCII characters are allowed"),
    ("uuid", "a0eebc99-9c0b-4ef8-bb6d", "Invalid uuid value 'a0eebc99-9c0b-4ef8-bb6d': expected a UUID"),
    ("uuid", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "expected a UUID"),
    ("uuid", "a0eebc999c0b4ef8bb6d6bb9bd380a11", "expected a UUID"),
    ("uuid", 5, "Cannot coerce Number 5 into uuid"),
    ("timeuuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "not a time-based (version 1) UUID"),
    ("timestamp", "2021-04-23T18:42:22", "expected ISO-8601 with an offset"),  # Stargate: refused too
    ("timestamp", "2021-04-23T18:42Z", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23 18:42:22Z", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23t18:42:22z", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23T18:42:22.1234567891Z", "expected ISO-8601 with an offset"),
    ("timestamp", "2021-04-23T18:42:60Z", "invalid time of day"),
    ("timestamp", "2021-04-23T24:00:01Z", "invalid time of day"),
    ("timestamp", "2021-04-23T18:42:22+19:00", "the offset must be within -18:00 to +18:00"),
    ("timestamp", "2021-02-29T00:00:00Z", "invalid day of month"),  # Stargate silently wrote 2021-02-28
    ("timestamp", "10000-01-01T00:00:00Z", "years beyond 9999 need a '+' sign"),
    ("timestamp", "+292278995-01-01T00:00:00Z", "out of range"),
    ("timestamp", 1619203342139.0, "Cannot coerce Number 1619203342139.0 into timestamp"),  # Stargate: same
    ("timestamp", 2**63, "out of range for epoch milliseconds"),
    ("date", "2021-4-23", "Invalid date value '2021-4-23': expected YYYY-MM-DD"),
    ("date", "20210423", "expected YYYY-MM-DD"),
    ("date", "2021-02-29", "invalid day of month"),  # Stargate: refused too
    ("date", "2021-13-01", "invalid month"),
    ("date", "10000-01-01", "need a '+' sign"),  # Stargate: refused too
    ("date", "+2021-01-01", "need a '+' sign"),
    ("date", "+6000000-01-01", "out of range for a CQL date"),
    ("date", 18740, "Cannot coerce Number 18740 into date"),  # Stargate: same refusal
    ("time", "1:30", "Invalid time value '1:30': expected HH:mm[:ss[.fffffffff]]"),
    ("time", "24:00", "invalid time of day"),
    ("time", "10:30:00.1234567891", "expected HH:mm"),
    ("time", 37800000000000, "Cannot coerce Number 37800000000000 into time"),
    ("duration", "1h1h", "units must appear once each"),  # Stargate: refused too
    ("duration", "1m1h", "units must appear once each"),
    ("duration", "PT1.5S", "Invalid duration value 'PT1.5S': not a duration"),
    ("duration", "0", "not a duration"),
    ("duration", "-", "not a duration"),
    ("duration", "2147483648mo", "too large"),
    ("duration", 5, "Cannot coerce Number 5 into duration"),
    ("inet", "localhost", "expected a literal IPv4 or IPv6 address (host names are not resolved)"),
    ("inet", "", "expected a literal"),  # Stargate (Java) took "" for 127.0.0.1
    ("inet", "1.2.3", "expected a literal"),
    ("inet", "01.2.3.4", "expected a literal"),
    ("blob", "_w==", "Invalid blob value '_w==': expected standard base64"),  # Stargate: refused too
    ("blob", " /w== ", "expected standard base64"),
    ("blob", "AA==AA==", "expected standard base64"),
    ("blob", "/", "truncated"),
    ("blob", "/w=", "bad padding"),
    ("blob", 5, "Cannot coerce Number 5 into blob"),
]


@pytest.mark.parametrize(("type_text", "value", "message"), INVALID)
def test_an_invalid_input_raises_bad_value_saying_what_is_wrong(type_text: str, value: object, message: str) -> None:
    assert message in bad(type_text, value)


def test_a_bad_value_message_does_not_name_the_column() -> None:
    assert bad("int", "x") == "Invalid int value 'x': not an integer"


# --- decoder: collections, tuples, UDTs, vectors ------------------------------------------------------------------

STRUCTURED = [
    ("list<int>", [3, 1, 2], [3, 1, 2]),
    ("list<int>", [], []),
    ("list<int>", "[1, 2,3]", [1, 2, 3]),  # Stargate: [1, 2, 3]
    ("list<int>", " [ 1 , 2 ] ", [1, 2]),
    ("list<int>", "['1', '2']", [1, 2]),  # Stargate: [1, 2] (elements are unquoted, then parsed)
    ("list<int>", "[+1,-2]", [1, -2]),
    ("list<int>", "[]", []),
    ("list<int>", ["1", 2], [1, 2]),  # beyond Stargate, which refuses strings for nested numbers
    ("list<text>", ["'a'"], ["'a'"]),  # Stargate: nested strings are not unquoted
    ("list<timestamp>", ["2021-04-23T18:42:22Z", 1619203342139], [1619203342000, 1619203342139]),
    ("list<timestamp>", "['2021-04-23T18:42:22Z']", [1619203342000]),
    ("set<text>", ["b", "a", "b"], ["b", "a", "b"]),  # bound as a list: Cassandra dedups and sorts
    ("set<text>", "{'a', 'b''c', b}", ["a", "b'c", "b"]),  # Stargate: ["a","b","b'c"]
    ("set<int>", "{}", []),
    ("frozen<set<int>>", "{1, 1, 2}", [1, 1, 2]),
    ("list<frozen<list<int>>>", "[[1], [2, 3]]", [[1], [2, 3]]),
    ("list<frozen<list<int>>>", ["[1]"], [[1]]),
    ("map<text, int>", {"k1": 1, "k2": 2}, {"k1": 1, "k2": 2}),
    ("map<text, int>", "{'k1': 1, k2: 2}", {"k1": 1, "k2": 2}),  # Stargate: {"k1":1,"k2":2}
    ("map<text, int>", "{'k1': '1'}", {"k1": 1}),
    ("map<text, int>", "{}", {}),
    ("map<text, int>", {}, {}),
    ("map<int, boolean>", {"1": True}, {1: True}),  # beyond Stargate, which refused "1" as an int key
    ("map<int, boolean>", "{1: 'true', 2:FALSE}", {1: True, 2: False}),  # Stargate: {"1":true,"2":false}
    ("map<text, int>", [{"key": "a", "value": 1}], {"a": 1}),
    ("map<text, int>", "[{'key': 'a', 'value': 1}]", {"a": 1}),
    ("map<text, int>", [], {}),
    (
        "map<uuid, frozen<list<date>>>",
        {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11": ["2021-01-01"]},
        {uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"): [Date(18628)]},
    ),
    ("map<timestamp, int>", {"2021-04-23T18:42:22Z": 1}, {1619203342000: 1}),
    ("map<frozen<list<int>>, int>", {"[1, 2]": 5}, {(1, 2): 5}),
    ("map<frozen<map<text, int>>, int>", {"{a: 1}": 2}, {MapItems([("a", 1)]): 2}),
    ("map<frozen<address>, int>", [{"key": {"street": "s"}, "value": 1}], {("s", None, None): 1}),
    ("frozen<list<frozen<map<text, int>>>>", "[{'k': 1}, {}]", [{"k": 1}, {}]),  # Stargate: [{"k":1},{}]
    ("tuple<int, boolean, text>", [28, False, "foobar"], (28, False, "foobar")),
    ("tuple<int, boolean, text>", "(28,false,'foobar')", (28, False, "foobar")),  # Stargate's own test input
    ("tuple<int, boolean, text>", "( 28 , false , foobar )  ", (28, False, "foobar")),
    ("tuple<int, boolean, text>", [1, None, None], (1, None, None)),  # Stargate refused nulls here
    ("tuple<int, boolean, text>", "(1, null, NULL)", (1, None, None)),
    ("tuple<int, boolean, text>", "()", None),  # Stargate: an empty tuple, which reads back as null
    ("tuple<int, text, frozen<address>>", "(1, 'x', {street: 'a', zip: 2})", (1, "x", ("a", 2, None))),
    ("frozen<address>", {"street": "x", "zip": 1, "tags": ["b", "a"]}, ("x", 1, ["b", "a"])),
    ("frozen<address>", {"street": "x"}, ("x", None, None)),
    ("frozen<address>", {"street": None}, (None, None, None)),  # Stargate stored the string "null"
    ("frozen<address>", {}, (None, None, None)),
    ("frozen<address>", "{street:'Bob',zip:36}", ("Bob", 36, None)),  # Stargate: {"street":"Bob","zip":36,...}
    ("frozen<address>", "{'street': Bob, tags: {'a'}}", ("Bob", None, ["a"])),
    ("frozen<address>", "{}", (None, None, None)),
    ('frozen<"MyType">', "{First: 'x'}", ("x", None)),  # Stargate: field names match exactly, case kept
    ('frozen<"MyType">', "{\"First\": 'x', n: null}", ("x", None)),  # beyond Stargate: double-quoted names
    ('frozen<"MyType">', {"First": "x", "n": "5"}, ("x", 5)),
    ("vector<float, 3>", [1, 2, 3], [1.0, 2.0, 3.0]),
    ("vector<float, 3>", [0.1, "0.2", 0.3], [0.1, 0.2, 0.3]),
    ("vector<float, 3>", "[1.5, 2, 3]", [1.5, 2.0, 3.0]),
    ("vector<text, 2>", ["a", "b"], ["a", "b"]),
]


@pytest.mark.parametrize(("type_text", "value", "bound"), STRUCTURED)
def test_a_structured_input_decodes_to_plain_python_containers(type_text: str, value: object, bound: object) -> None:
    assert decode(type_text, value) == bound


def test_map_keys_and_set_elements_inside_keys_are_hashable() -> None:
    key = next(iter(decode("map<frozen<map<text, frozen<set<int>>>>, int>", {"{a: {1, 2}}": 1})))  # type: ignore[call-overload]  # a dict comes out
    assert key == MapItems([("a", (1, 2))]) and key.items() is key
    hash(key)


def test_a_compact_map_is_accepted_in_non_compact_mode_and_the_other_way_round() -> None:
    assert decode("map<text, int>", {"a": 1}, compact_maps=False) == {"a": 1}
    assert decode("map<text, int>", [{"key": "a", "value": 1}], compact_maps=True) == {"a": 1}


STRUCTURED_INVALID = [
    ("list<int>", [1, None], "null is not allowed as a list element"),  # the node answers a server error
    ("list<int>", "[1, null]", "null is not allowed as a list element"),
    ("set<int>", [None], "null is not allowed as a set element"),
    ("map<text, int>", {"a": None}, "null is not allowed as a map value"),
    ("map<int, int>", [{"key": None, "value": 1}], "null is not allowed as a map key"),
    ("map<int, int>", "{null: 1}", "null is not allowed as a map key"),
    ("vector<float, 3>", [1.0, None, 2.0], "null is not allowed as a vector element"),
    ("list<int>", "[1 2]", "Invalid List value '[1 2]': at character 3 expecting ',' or ']' but got '2'"),
    ("list<int>", "[1,]", "expecting a value"),
    ("list<int>", "{1,2}", "Invalid List value '{1,2}': at character 0 expecting '[' but got '{'"),
    ("set<text>", "['a']", "Invalid Set value '['a']': at character 0 expecting '{' but got '['"),
    ("set<text>", "{'a'}x", "unexpected text after the closing bracket"),  # Stargate ignored the x
    ("list<int>", ["x"], "Invalid int value 'x': not an integer"),
    ("list<int>", {"a": 1}, 'Cannot coerce object {"a":1} into list<int>'),
    ("list<int>", 5, "Cannot coerce Number 5 into list<int>"),
    ("list<timestamp>", "[2021-04-23T18:42:22Z]", "expecting ',' or ']' but got ':'"),  # Stargate: refused too
    ("map<text, int>", "{'a' 1}", "expecting ':' but got '1'"),
    ("map<text, int>", [{"key": "a"}], "A map entry must be an object with exactly 'key' and 'value'"),
    ("map<text, int>", [["a", 1]], "A map entry must be an object with exactly 'key' and 'value'"),
    ("map<int, int>", {"x": 1}, "Invalid int value 'x': not an integer"),
    ("map<text, int>", 5, "Cannot coerce Number 5 into map<text, int>"),
    ("tuple<int, boolean, text>", [1], "Tuple expected 3 values, got 1"),  # Stargate: same text
    ("tuple<int, boolean, text>", "(1, true)", "Tuple expected 3 values, got 2"),  # Stargate wrote it, then 500
    ("tuple<int, boolean, text>", "(1, true, 'a', 4)", "Tuple expected 3 values, got 4"),
    ("tuple<int, boolean, text>", "(1, true, 'a') x", "unexpected text after the closing bracket"),
    ("tuple<int, boolean, text>", {"a": 1}, "Cannot coerce object"),
    ("frozen<address>", {"street": "x", "bogus": 1}, "UDT 'address' does not have field 'bogus'"),  # Stargate: same
    ("frozen<address>", "{Street: 'Bob'}", "UDT 'address' does not have field 'Street'"),
    ("frozen<address>", "{street: 'Bob', zip: 'x'}", "Invalid int value 'x'"),
    ("frozen<address>", [1], "Cannot coerce array [1] into frozen<address>"),
    ("vector<float, 3>", [1, 2, 3, 4], "Expected vector of size 3, got 4"),
    ("vector<float, 3>", "[1, 2]", "Expected vector of size 3, got 2"),
    ("vector<float, 3>", [1, 2, 1e39], "Invalid float value 1e+39: out of range for a 32-bit float"),
    ("vector<float, 3>", [1, 2, True], "Cannot coerce Boolean value (true) into float"),
]


@pytest.mark.parametrize(("type_text", "value", "message"), STRUCTURED_INVALID)
def test_an_invalid_structured_input_raises_bad_value(type_text: str, value: object, message: str) -> None:
    assert message in bad(type_text, value)


# --- decoder: strict ($in elements) and key_decoder ---------------------------------------------------------------


def test_strict_mode_refuses_strings_for_numbers_as_stargate_does_for_in_elements() -> None:
    # Stargate: where {"id":{"$in":["2"]}} -> "Cannot coerce String value '2' into expected protobuf type"
    assert bad("int", "2", strict=True) == "Cannot coerce String value '2' into int"
    assert "Cannot coerce String value" in bad("list<int>", "[1]", strict=True)
    assert "Cannot coerce String value" in bad("boolean", "true", strict=True)


def test_strict_mode_takes_strings_for_the_types_whose_json_is_a_string() -> None:
    assert decode("int", 2, strict=True) == 2
    assert decode("text", "'a'", strict=True) == "'a'"  # not unquoted
    assert decode("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", strict=True) == uuid.UUID(
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    )
    assert decode("timestamp", "2021-04-23T18:42:22Z", strict=True) == 1619203342000
    assert decode("date", "2021-04-23", strict=True) == Date(18740)
    assert decode("blob", "/w==", strict=True) == b"\xff"
    assert decode("int", None, strict=True) is None


@pytest.mark.parametrize(
    ("type_text", "segment", "value"),
    [
        ("int", "2", 2),
        ("int", "'2'", 2),  # Stargate: /t/'2' finds row 2
        ("int", "+2", 2),
        ("text", "a/b", "a/b"),
        ("text", "'quoted'", "quoted"),
        ("text", "rows", "rows"),
        ("uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
        ("timestamp", "2021-04-23T18:42:22.139Z", 1619203342139),
        ("timestamp", "1619203342139", 1619203342139),
        ("date", "2021-04-23", Date(18740)),
        ("boolean", "True", True),
        ("blob", "/w==", b"\xff"),
        ("frozen<list<int>>", "[1,2]", [1, 2]),
        ("tuple<int, text>", "(1,'a')", (1, "a")),
    ],
)
def test_key_decoder_reads_a_path_segment_in_the_stringified_form(type_text: str, segment: str, value: object) -> None:
    assert key_decoder(t(type_text))(segment) == value


def test_key_decoder_raises_bad_value_for_a_bad_segment() -> None:
    with pytest.raises(BadValue, match="Invalid int value 'abc': not an integer"):
        key_decoder(INT)("abc")


# --- encoder ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_text",
    ["text", "ascii", "int", "smallint", "tinyint", "bigint", "boolean", "uuid", "timeuuid"],
)
def test_the_encoder_of_a_plain_scalar_is_none_so_callers_skip_it(type_text: str) -> None:
    assert encoder(t(type_text)) is None


@pytest.mark.parametrize("type_text", ["vector<float, 3>", "vector<text, 2>", "vector<uuid, 2>"])
def test_the_encoder_of_a_vector_of_plain_elements_is_none_too(type_text: str) -> None:
    assert encoder(t(type_text)) is None


def test_a_vector_of_elements_that_need_encoding_encodes_them() -> None:
    assert as_json("vector<timestamp, 1>", [UTC_DT(2021, 4, 23)]) == '["2021-04-23T00:00:00Z"]'
    assert as_json("vector<timestamp, 1>", None) == "null"


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
    ("timestamp", UTC_DT(2021, 4, 23, 18, 42, 22, 139000), '"2021-04-23T18:42:22.139Z"'),  # Stargate: the same
    ("timestamp", UTC_DT(2021, 4, 23, 18, 42, 22), '"2021-04-23T18:42:22Z"'),  # Stargate: .000 omitted
    ("timestamp", UTC_DT(2021, 4, 23, 18, 42, 22, 100000), '"2021-04-23T18:42:22.100Z"'),  # Stargate: .100Z
    ("timestamp", UTC_DT(1969, 12, 31, 23, 59, 59, 999000), '"1969-12-31T23:59:59.999Z"'),
    ("timestamp", UTC_DT(9999, 12, 31, 23, 59, 59, 998985), '"9999-12-31T23:59:59.999Z"'),  # the driver's float error
    ("timestamp", UTC_DT(1, 1, 1), '"0001-01-01T00:00:00Z"'),
    (
        "timestamp",
        UTC_DT(2021, 4, 23, 20, 42, 22, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        '"2021-04-23T18:42:22Z"',
    ),
    ("timestamp", 253402300800000, '"+10000-01-01T00:00:00Z"'),  # Stargate: the same
    ("timestamp", -62135596800001, '"0000-12-31T23:59:59.999Z"'),  # Stargate: the same
    ("timestamp", 2**63 - 1, '"+292278994-08-17T07:12:55.807Z"'),  # Stargate: the same
    ("date", Date(18740), '"2021-04-23"'),
    ("date", Date(-719893), '"-0001-01-01"'),  # Stargate: the same
    ("date", Date(2932897), '"+10000-01-01"'),  # Stargate: the same
    ("date", Date(-719528), '"0000-01-01"'),  # Stargate: the same
    ("time", Time(37800000000000), '"10:30:00"'),  # Stargate: "10:30:00"
    ("time", Time(37800500000000), '"10:30:00.5"'),  # Stargate: "10:30:00.5"
    ("time", Time(37800120000000), '"10:30:00.12"'),  # Stargate: "10:30:00.12"
    ("time", Time(37800123456789), '"10:30:00.123456789"'),  # Stargate: the same
    ("time", Time(0), '"00:00:00"'),  # Stargate: "00:00:00"
    ("duration", Duration(14, 25, 18367008009010), '"1y2mo25d5h6m7s8ms9us10ns"'),  # Stargate: the same
    ("duration", Duration(0, -14, 0), '"-14d"'),  # Stargate: "-14d"
    ("duration", Duration(0, 0, 5400 * 10**9), '"1h30m"'),  # Stargate: "1h30m"
    ("duration", Duration(0, 0, 0), '""'),  # Stargate: ""
    ("duration", Duration(1, 0, 0), '"1mo"'),
    ("uuid", uuid.UUID("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), '"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"'),
    ("timeuuid", uuid.UUID("6c0510fe-ed62-11f1-8a4f-02fc00000001"), '"6c0510fe-ed62-11f1-8a4f-02fc00000001"'),
    ("inet", "127.0.0.1", '"127.0.0.1"'),
    ("inet", "::1", '"0:0:0:0:0:0:0:1"'),  # Stargate: "0:0:0:0:0:0:0:1"
    ("inet", "2001:db8::ff00:42:8329", '"2001:db8:0:0:0:ff00:42:8329"'),  # Stargate: the same
    ("inet", "::ffff:1.2.3.4", '"1.2.3.4"'),  # Stargate: "1.2.3.4"
    ("blob", b"\xff\x00", '"/wA="'),  # Stargate: "/wA="
    ("blob", b"", '""'),
    ("list<int>", [3, 1, 2], "[3,1,2]"),
    ("list<int>", None, "[]"),  # Stargate v2.0: [] (v2.1 gave null)
    ("set<text>", SortedSet(["b", "a"]), '["a","b"]'),
    ("set<text>", None, "[]"),
    ("list<timestamp>", [UTC_DT(2021, 4, 23, 18, 42, 22)], '["2021-04-23T18:42:22Z"]'),
    ("map<text, int>", None, "{}"),  # Stargate: {}
    ("tuple<int, text>", (1, "x"), '[1,"x"]'),
    ("tuple<int, text>", None, "null"),  # Stargate: null (stargate#2246)
    (
        "tuple<int, frozen<list<int>>, frozen<address>, tuple<int, int>>",
        (1, None, None, None),
        "[1,[],{},null]",
    ),  # Stargate: the same
    ("frozen<address>", ("s", None, None), '{"street":"s","zip":null,"tags":[]}'),  # Stargate: every field, nulls too
    ("frozen<address>", None, "{}"),  # Stargate: {}
    ('frozen<"MyType">', ("F", 1), '{"First":"F","n":1}'),  # Stargate: the same
    # A float vector's elements are the exact float32 values (Stargate v2.1: 0.1,0.2,0.3; the same float32s)
    (
        "vector<float, 3>",
        [0.10000000149011612, 0.5, 0.30000001192092896],
        "[0.10000000149011612,0.5,0.30000001192092896]",
    ),
    ("vector<float, 3>", None, "null"),  # Stargate v2.1: null
    ("vector<text, 2>", ["a", "b"], '["a","b"]'),
]


@pytest.mark.parametrize(("type_text", "value", "expected"), OUTPUTS)
def test_a_driver_value_encodes_to_stargates_output_form(type_text: str, value: object, expected: str) -> None:
    assert as_json(type_text, value) == expected


def test_a_compact_map_has_stringified_keys_and_a_non_compact_map_typed_entries() -> None:
    value = {1: False, 2: True}
    assert as_json("map<int, boolean>", value) == '{"1":false,"2":true}'  # Stargate: {"1":false,"2":true}
    assert as_json("map<int, boolean>", value, compact_maps=False) == (
        '[{"key":1,"value":false},{"key":2,"value":true}]'  # Stargate: the same
    )
    assert as_json("map<int, boolean>", None, compact_maps=False) == "[]"  # Stargate: []


def test_maps_nested_in_lists_follow_the_same_map_format() -> None:
    value = [{"k": 1}, {}]
    assert as_json("frozen<list<frozen<map<text, int>>>>", value) == '[{"k":1},{}]'  # Stargate: the same
    assert as_json("frozen<list<frozen<map<text, int>>>>", value, compact_maps=False) == (
        '[[{"key":"k","value":1}],[]]'  # Stargate: the same
    )


def test_a_udt_is_read_by_position_whatever_names_the_driver_gave_its_tuple() -> None:
    assert encode('frozen<"MyType">', ("x", 2)) == {"First": "x", "n": 2}


COMPACT_KEYS = [  # every text here is what Stargate answered for the same key
    ("double", 1.0, "1.0"),
    ("double", 1e10, "1.0E10"),
    ("double", -0.0, "-0.0"),
    ("double", 1.5, "1.5"),
    ("float", 0.10000000149011612, "0.1"),
    ("float", 1e10, "1.0E10"),
    ("bigint", 2**63 - 1, "9223372036854775807"),
    ("varint", 123456789012345678901234567890, "123456789012345678901234567890"),
    ("boolean", True, "true"),
    ("decimal", Decimal("1E+3"), "1E+3"),
    ("decimal", Decimal("1.50"), "1.50"),
    ("date", Date(18628), "2021-01-01"),
    ("timestamp", UTC_DT(2021, 4, 23, 18, 42, 22), "2021-04-23T18:42:22Z"),
    ("time", Time(37800000000000), "10:30"),  # LocalTime.toString, unlike a time value ("10:30:00")
    ("time", Time(37801500000000), "10:30:01.500"),
    ("inet", "1.2.3.4", "/1.2.3.4"),
    ("inet", "::1", "/0:0:0:0:0:0:0:1"),
    ("blob", b"\xff\x00", "/wA="),
    ("frozen<list<int>>", [1, 2], "[1, 2]"),
    ("frozen<set<text>>", SortedSet(["a", "b"]), "[a, b]"),
    ("frozen<map<text, int>>", {"k": 1}, "{k=1}"),
    ("frozen<tuple<int, text>>", (1, "a"), "[1, a]"),
    ("frozen<address>", ("s", 5, None), "{street=s, zip=5, tags=[]}"),
]


@pytest.mark.parametrize(("type_text", "key", "text"), COMPACT_KEYS)
def test_a_compact_map_key_is_the_text_stargate_gives_it(type_text: str, key: object, text: str) -> None:
    assert java_text(t(type_text))(key) == text
    assert encode(f"map<{type_text}, int>", MapItems([(key, 1)])) == {text: 1}  # like the driver's map: .items()


# --- the text helpers ---------------------------------------------------------------------------------------------


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
    ("ms", "text"),
    [  # Stargate: the same text for each of these
        (0, "1970-01-01T00:00:00Z"),
        (-(2**63), "-292275055-05-16T16:47:04.192Z"),
        (2**63 - 1, "+292278994-08-17T07:12:55.807Z"),
        (-62198755200000, "-0001-01-01T00:00:00Z"),
        (-377705116800000, "-9999-01-01T00:00:00Z"),
        (-377736739200000, "-10000-01-01T00:00:00Z"),
        (-451724169599999, "-12345-06-07T00:00:00.001Z"),
    ],
)
def test_instant_text_prints_any_epoch_millisecond_like_java_instant(ms: int, text: str) -> None:
    assert instant_text(ms) == text


def test_date_text_prints_years_like_java_local_date() -> None:
    assert date_text(-(2**31)) == "-5877641-06-23"  # Stargate: the same
    assert date_text(2**31 - 1) == "+5881580-07-11"  # Stargate: the same


def test_java_time_text_groups_the_fraction_in_threes_like_local_time() -> None:
    assert java_time_text(37800000001000) == "10:30:00.000001"
    assert java_time_text(37800000000001) == "10:30:00.000000001"


def test_duration_text_of_the_extremes() -> None:
    assert duration_text(2**31 - 1, 0, 0) == "178956970y7mo"
    assert duration_text(0, 0, -(2**63) + 1) == "-2562047h47m16s854ms775us807ns"


def test_inet_text_keeps_ipv4_and_expands_ipv6() -> None:
    assert inet_text("10.0.0.1") == "10.0.0.1"
    assert inet_text("fe80::1:2") == "fe80:0:0:0:0:0:1:2"


@pytest.mark.parametrize(
    ("value", "text"), [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity"), (2.5, 2.5)]
)
def test_a_double_is_written_as_a_number_or_stargates_name_for_a_non_finite_value(value: float, text: object) -> None:
    encode = encoder(CqlType("double"))
    assert encode is not None and encode(value) == text
