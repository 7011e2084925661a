"""Helpers for the unit tests of the CQL type codecs (tests/rows/types): a few types, and one-call decode/encode."""

from __future__ import annotations

import datetime

import orjson
import pytest

from app.rows.types import BadValue, CqlType, Udt, decoder, encoder, parse_type

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


def assert_binds(type_text: str, value: object, bound: object) -> None:
    """`value` decodes to `bound`, of its very type (1 == 1.0 == True would hide a wrong one)."""
    result = decode(type_text, value)
    assert result == bound and type(result) is type(bound)


def encode(type_text: str, value: object, *, compact_maps: bool = True) -> object:
    function = encoder(t(type_text), compact_maps=compact_maps)
    return value if function is None else function(value)


def as_json(type_text: str, value: object, *, compact_maps: bool = True) -> str:
    return orjson.dumps(encode(type_text, value, compact_maps=compact_maps)).decode()


def bad(type_text: str, value: object, **options: bool) -> str:
    with pytest.raises(BadValue) as caught:
        decode(type_text, value, **options)
    return str(caught.value)
