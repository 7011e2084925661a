"""Unit tests of the container codecs (app.rows.types.containers) and of the literals they split
(app.rows.literals): list, set, map, vector, tuple, UDT.

Expected values marked "Stargate:" are what Stargate v2.0.51 answered for the same input (see
tests/rows/types/test_roundtrip.py for the real-node round trips)."""

from __future__ import annotations

import uuid

import orjson
import pytest
from cassandra.util import Date, SortedSet

from app.rows.literals import LiteralError, split_elements, split_entries, split_pairs, unquote
from app.rows.types import MapItems, encoder, java_text
from tests.support.codecs import UTC_DT, as_json, bad, decode, encode, t


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


OUTPUTS = [
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


COMPACT_KEYS = [
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


def test_map_keys_and_set_elements_inside_keys_are_hashable() -> None:
    key = next(iter(decode("map<frozen<map<text, frozen<set<int>>>>, int>", {"{a: {1, 2}}": 1})))  # type: ignore[call-overload]  # a dict comes out
    assert key == MapItems([("a", (1, 2))]) and key.items() is key
    hash(key)


def test_a_compact_map_is_accepted_in_non_compact_mode_and_the_other_way_round() -> None:
    assert decode("map<text, int>", {"a": 1}, compact_maps=False) == {"a": 1}
    assert decode("map<text, int>", [{"key": "a", "value": 1}], compact_maps=True) == {"a": 1}


@pytest.mark.parametrize("type_text", ["vector<float, 3>", "vector<text, 2>", "vector<uuid, 2>"])
def test_the_encoder_of_a_vector_of_plain_elements_is_none_too(type_text: str) -> None:
    assert encoder(t(type_text)) is None


def test_a_vector_of_elements_that_need_encoding_encodes_them() -> None:
    assert as_json("vector<timestamp, 1>", [UTC_DT(2021, 4, 23)]) == '["2021-04-23T00:00:00Z"]'
    assert as_json("vector<timestamp, 1>", None) == "null"


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


# --- bounds: element counts, and nesting no deeper than the type's ------------------------------------------------


def test_a_list_takes_65535_elements() -> None:
    assert len(decode("list<int>", [1] * 65_535)) == 65_535  # type: ignore[arg-type]  # a list comes out


def test_a_list_refuses_65536_elements() -> None:
    assert bad("list<int>", [1] * 65_536) == "Too many elements for list<int>: 65536 (at most 65535)"


def test_a_set_literal_refuses_65536_elements() -> None:
    assert "Too many elements" in bad("set<int>", "{" + ",".join(["1"] * 65_536) + "}")


def test_a_map_refuses_65536_entries() -> None:
    assert "Too many elements" in bad("map<int, int>", {str(i): i for i in range(65_536)})


def test_a_map_in_entries_form_refuses_65536_entries() -> None:
    assert "Too many elements" in bad("map<int, int>", [{"key": 1, "value": 1}] * 65_536)


def test_an_array_nested_deeper_than_the_type_is_refused_by_the_element_codec() -> None:
    value: object = [1]
    for _ in range(900):
        value = [value]
    message = bad("list<frozen<list<int>>>", value)
    assert message.startswith("Cannot coerce array [[[[")
    orjson.dumps(message)  # the message is short and writable, however deep the value


def test_a_literal_error_quotes_at_most_200_characters_of_the_literal() -> None:
    message = bad("list<int>", "[" + "1," * 1000 + "x]")
    assert "Invalid int value 'x'" in message
    assert len(bad("list<int>", "[1 " + "2" * 1000 + "]")) < 400
