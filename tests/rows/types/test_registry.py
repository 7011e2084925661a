"""The one table of scalar kinds (app.rows.types.registry): every kind has every piece, from one list of families."""

from __future__ import annotations

import dataclasses

from app import encoding
from app.rows import type_schemas
from app.rows.types import SCALAR_KINDS, STRING_KINDS, CqlType, encoder, java_text
from app.rows.types.registry import FAMILIES, SCALARS, build, missing


def test_every_scalar_kind_has_exactly_one_row() -> None:
    assert SCALARS.keys() == SCALAR_KINDS


def test_every_row_has_every_piece() -> None:
    assert missing(SCALARS) == []


def test_a_missing_row_is_named() -> None:
    scalars = build()
    del scalars["duration"]
    assert missing(scalars) == ["no row for duration"]


def test_a_row_without_a_piece_is_named() -> None:
    scalars = build()
    scalars["int"] = dataclasses.replace(scalars["int"], read={})
    assert missing(scalars) == ["int: no read schema"]


def test_the_families_are_one_explicit_list() -> None:
    assert [f.__module__ for f in FAMILIES] == [
        "app.rows.types.numeric",
        "app.rows.types.text",
        "app.rows.types.temporal",
    ]


def test_every_row_builds_a_codec_an_encoder_and_a_key_text() -> None:
    for kind in SCALAR_KINDS:
        t = CqlType(kind)
        encoder(t)  # None or a function: both are answers
        assert callable(java_text(t))


def test_the_openapi_schemas_read_the_same_rows() -> None:
    assert type_schemas.SCALARS is SCALARS


def test_there_is_one_float32_routine() -> None:
    assert not hasattr(encoding, "float32_shortest")


def test_the_kinds_whose_json_is_a_string_are_read_from_the_rows() -> None:
    assert frozenset(
        {"ascii", "text", "uuid", "timeuuid", "timestamp", "date", "time", "duration", "inet", "blob"}
    ) == (STRING_KINDS)
