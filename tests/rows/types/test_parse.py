"""Unit tests of the type parser (app.rows.types.parse): the driver metadata's type strings into CqlTypes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.rows.types import CqlType, Udt, decoder, encoder, parse_type, table_column_types, user_type_resolver
from tests.support.codecs import ADDRESS, INT, MY_TYPE, TEXT, UDTS, t


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
