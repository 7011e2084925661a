"""The command body's parse (`app.routes.data_api.transport.parse_body`): orjson where it reads exactly what the
strict parse reads, the strict parse for anything else; a pure function, so no app and no node."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.routes.data_api.transport import parse_body
from app.rows.query import loads_strict

DIGITS = 1000
BODIES = [
    b'{"findOne":{"filter":{"genus":"Point","species":"s0000042"}}}',
    b'{"find":{"filter":{"n":{"$in":[1,-2,18446744073709551615]}},"options":{"limit":3}}}',
    b'{"find":{"filter":{"a":1,"a":2,"b":[true,false,null]}}}',  # the last duplicate wins, at the first one's place
    b'{"insertOne":{"document":{"x":1.25,"y":1e400,"z":123456789012345678901234567890}}}',  # floats, a big int
    b'{"insertOne":{"document":{"s":"\\ud83d\\ude00 \\u00e9\\t\\"","e":{},"l":[]}}}',
]
REFUSED = [b'{"a":NaN}', b'{"a":"\\ud800"}', b"\xff", b"\xef\xbb\xbf{}", b'{"a":01}', b"", b'{"a":1}x']


def strict(raw: bytes) -> Any:
    return loads_strict(raw.decode("utf-8"), last_duplicate_wins=True, max_number_digits=DIGITS)


def typed(value: Any) -> Any:
    """The value with every leaf's type beside it: 1 and 1.0 and Decimal(1) compare equal, but are not."""
    if isinstance(value, dict):
        return [(key, typed(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


@pytest.mark.parametrize("raw", BODIES)
def test_a_body_parses_to_exactly_what_the_strict_parse_reads(raw: bytes) -> None:
    assert typed(parse_body(raw, DIGITS)) == typed(strict(raw))


def test_a_decimal_keeps_every_digit() -> None:
    parsed = parse_body(b'{"a":{"b":[0.1000000000000000000001]}}', DIGITS)
    assert parsed == {"a": {"b": [Decimal("0.1000000000000000000001")]}}


@pytest.mark.parametrize("raw", REFUSED)
def test_a_body_the_strict_parse_refuses_is_refused_in_its_words(raw: bytes) -> None:
    with pytest.raises(ValueError) as expected:
        strict(raw)
    with pytest.raises(ValueError) as found:
        parse_body(raw, DIGITS)
    assert str(found.value) == str(expected.value)
