"""Pure encoding functions: page framings are byte-exact whatever the values hold; float32 reads back as written."""

from __future__ import annotations

import orjson
import pytest
from cassandra.util import OrderedMapSerializedKey, SortedSet

from app.db.database import Row
from app.encoding import dumps, json_array_page, ndjson_page
from app.rows.types import float32_shortest

AWKWARD: list[Row] = [
    {"genus": "g", "species": 'a},{"b', "sightings": 1},
    {"genus": "g", "species": "line\nbreak", "sightings": None},
    {"genus": "g", "species": "ünï\u2028cødé", "sightings": 3},
]


def lines(rows: list[Row]) -> list[bytes]:
    return [orjson.dumps(row) + b"\n" for row in rows]


def test_ndjson_page_is_one_line_per_row_even_with_boundary_bytes_in_strings() -> None:
    encoded = ndjson_page(AWKWARD)
    assert encoded == b"".join(lines(AWKWARD))
    assert [orjson.loads(line) for line in encoded.splitlines()] == AWKWARD


def test_ndjson_page_with_nested_objects_falls_back_to_exact_lines() -> None:
    rows: list[Row] = [{"a": [{"b": 1}, {"c": 2}]}, {"a": []}, {}]
    assert ndjson_page(rows) == b"".join(lines(rows))


def test_empty_page_encodes_to_nothing() -> None:
    assert ndjson_page([]) == b""
    assert json_array_page([], first=True) == b""


def test_json_array_pages_splice_into_one_valid_array() -> None:
    pages = [AWKWARD[:1], [], AWKWARD[1:]]
    body = b"[" + json_array_page(pages[0], first=True)
    body += json_array_page(pages[1], first=False) + json_array_page(pages[2], first=False) + b"]"
    assert orjson.loads(body) == AWKWARD


def test_driver_collection_types_encode_as_json_lists_and_objects() -> None:
    value = {"s": SortedSet(["b", "a"]), "m": OrderedMapSerializedKey(None, 0)}
    assert orjson.loads(dumps(value)) == {"s": ["a", "b"], "m": {}}


def test_unknown_types_are_refused_not_stringified() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})


@pytest.mark.parametrize(("stored", "shown"), [(4.800000190734863, 4.8), (0.6000000238418579, 0.6), (5.5, 5.5)])
def test_float32_reads_back_as_the_shortest_decimal(stored: float, shown: float) -> None:
    assert float32_shortest(stored) == shown


def test_float32_passes_none_and_infinities_through() -> None:
    assert float32_shortest(None) is None
    assert float32_shortest(float("inf")) == float("inf")
