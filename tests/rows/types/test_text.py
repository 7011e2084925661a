"""Unit tests of the text-like codecs (app.rows.types.text): ascii, text, boolean, uuid, timeuuid, inet, blob.

Expected values marked "Stargate:" are what Stargate v2.0.51 answered for the same input (see
tests/rows/types/test_roundtrip.py for the real-node round trips)."""

from __future__ import annotations

import uuid

import orjson
import pytest

from app.rows.types import BadValue, MapItems, java_text, key_decoder
from app.rows.types.text import inet_text
from tests.support.codecs import as_json, assert_binds, bad, decode, encode, t

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
    # boolean
    ("boolean", True, True),
    ("boolean", "false", False),
    ("boolean", "TRUE", True),  # Stargate: case-insensitive
    ("boolean", "'true'", True),
    # uuid, timeuuid
    ("uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
    ("timeuuid", "6c0510fe-ed62-11f1-8a4f-02fc00000001", uuid.UUID("6c0510fe-ed62-11f1-8a4f-02fc00000001")),
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
    assert_binds(type_text, value, bound)


INVALID = [
    ("boolean", "yes", "Invalid boolean value 'yes': expected true or false"),
    ("boolean", 1, "Cannot coerce Number 1 into boolean"),  # Stargate: same refusal
    ("ascii", "é", "Invalid ascii value 'é': only ASCII characters are allowed"),
    ("uuid", "a0eebc99-9c0b-4ef8-bb6d", "Invalid String value ('a0eebc99-9c0b-4ef8-bb6d') for uuid: expected a UUID"),
    ("uuid", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "expected a UUID"),
    ("uuid", "a0eebc999c0b4ef8bb6d6bb9bd380a11", "expected a UUID"),
    ("uuid", 5, "Cannot coerce Number 5 into uuid"),
    ("timeuuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "not a time-based (version 1) UUID"),
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


OUTPUTS = [
    ("uuid", uuid.UUID("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), '"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"'),
    ("timeuuid", uuid.UUID("6c0510fe-ed62-11f1-8a4f-02fc00000001"), '"6c0510fe-ed62-11f1-8a4f-02fc00000001"'),
    ("inet", "127.0.0.1", '"127.0.0.1"'),
    ("inet", "::1", '"0:0:0:0:0:0:0:1"'),  # Stargate: "0:0:0:0:0:0:0:1"
    ("inet", "2001:db8::ff00:42:8329", '"2001:db8:0:0:0:ff00:42:8329"'),  # Stargate: the same
    ("inet", "::ffff:1.2.3.4", '"1.2.3.4"'),  # Stargate: "1.2.3.4"
    ("blob", b"\xff\x00", '"/wA="'),  # Stargate: "/wA="
    ("blob", b"", '""'),
]


@pytest.mark.parametrize(("type_text", "value", "expected"), OUTPUTS)
def test_a_driver_value_encodes_to_stargates_output_form(type_text: str, value: object, expected: str) -> None:
    assert as_json(type_text, value) == expected


COMPACT_KEYS = [
    ("boolean", True, "true"),
    ("inet", "1.2.3.4", "/1.2.3.4"),
    ("inet", "::1", "/0:0:0:0:0:0:0:1"),
    ("blob", b"\xff\x00", "/wA="),
]


@pytest.mark.parametrize(("type_text", "key", "text"), COMPACT_KEYS)
def test_a_compact_map_key_is_the_text_stargate_gives_it(type_text: str, key: object, text: str) -> None:
    assert java_text(t(type_text))(key) == text
    assert encode(f"map<{type_text}, int>", MapItems([(key, 1)])) == {text: 1}  # like the driver's map: .items()


def test_inet_text_keeps_ipv4_and_expands_ipv6() -> None:
    assert inet_text("10.0.0.1") == "10.0.0.1"
    assert inet_text("fe80::1:2") == "fe80:0:0:0:0:0:1:2"


# --- bounds: text is checked where it is parsed ---------------------------------------------------------------------


def test_text_refuses_a_lone_surrogate() -> None:
    assert bad("text", "\ud800") == "Invalid text value '\\ud800': a lone surrogate (U+D800 to U+DFFF) is not text"


def test_text_takes_a_surrogate_pair_decoded_as_one_character() -> None:
    assert decode("text", "\U0001f600") == "\U0001f600"


def test_ascii_refuses_a_lone_surrogate_as_not_ascii() -> None:
    assert "only ASCII characters are allowed" in bad("ascii", "a\udfffb")


def test_a_lone_surrogate_in_a_map_key_is_refused() -> None:
    assert "lone surrogate" in bad("map<text, int>", {"\ud800": 1})


def test_a_lone_surrogate_in_a_udt_field_is_refused() -> None:
    assert "lone surrogate" in bad("frozen<address>", {"street": "\udc00"})


def test_a_lone_surrogate_as_a_udt_field_name_is_quoted_escaped() -> None:
    assert bad("frozen<address>", {"\ud800": 1}) == "UDT 'address' does not have field '\\ud800'"


def test_a_lone_surrogate_in_a_tuple_item_is_refused() -> None:
    assert "lone surrogate" in bad("tuple<int, text>", [1, "\ud800"])


def test_a_lone_surrogate_in_a_key_path_text_is_refused() -> None:
    with pytest.raises(BadValue, match="lone surrogate"):
        key_decoder(t("text"))("a\ud800")


def test_a_lone_surrogate_in_an_error_message_is_escaped_so_the_body_can_be_written() -> None:
    message = bad("uuid", "\ud800")
    assert "\\ud800" in message
    orjson.dumps(message)


def test_a_json_array_given_for_text_may_nest_32_deep() -> None:
    value: object = []
    for _ in range(31):
        value = [value]
    assert decode("text", value) == "[" * 32 + "]" * 32


def test_a_json_array_given_for_text_may_not_nest_33_deep() -> None:
    value: object = []
    for _ in range(32):
        value = [value]
    assert "at most 32 arrays or objects deep" in bad("text", value)
