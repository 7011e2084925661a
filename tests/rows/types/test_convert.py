"""Unit tests of the codec's interface (app.rows.types.convert): nulls, strict `$in` elements, key path segments."""

from __future__ import annotations

import uuid

import pytest
from cassandra.util import Date

from app.rows.types import BadValue, encoder, key_decoder
from tests.support.codecs import INT, bad, decode, t


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


def test_a_bad_value_message_does_not_name_the_column() -> None:
    assert bad("int", "x") == "Invalid int value 'x': not an integer"


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


@pytest.mark.parametrize(
    "type_text",
    ["text", "ascii", "int", "smallint", "tinyint", "bigint", "boolean", "uuid", "timeuuid"],
)
def test_the_encoder_of_a_plain_scalar_is_none_so_callers_skip_it(type_text: str) -> None:
    assert encoder(t(type_text)) is None
