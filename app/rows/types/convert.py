"""The codec's interface: `decoder(t)` (a JSON value -> what the driver binds), `key_decoder(t)` (a path segment ->
the same) and `encoder(t)` (what the driver returns -> what orjson writes), each built once per type and dialect."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from app.rows.literals import unquote
from app.rows.types import containers
from app.rows.types.adapters import Encode
from app.rows.types.dialect import STARGATE, Dialect
from app.rows.types.errors import cannot
from app.rows.types.model import CqlType
from app.rows.types.registry import STRING_KINDS


@cache
def decoder(
    t: CqlType, *, compact_maps: bool = True, strict: bool = False, dialect: Dialect = STARGATE
) -> Callable[[object], object]:
    """JSON value (None, bool, int, float, str, list, dict; Decimal too) -> the value the driver binds for `t`.

    Loose (Stargate) rules by default: a string is unquoted and parsed in the stringified form, anything else is
    taken strictly. `strict=True` is Stargate's `$in` element rule: strings are taken as they are (no unquoting) and
    only for the types whose values are strings in JSON (text, uuid, timestamp, date, time, duration, inet, blob).
    None -> None. Raises BadValue. What comes out: int (integers, counter, timestamp as epoch ms), float, Decimal,
    bool, str (text, inet), uuid.UUID, bytes, cassandra.util.Date / Time / Duration, list (list, set, vector),
    dict (map), tuple (tuple, and a UDT: its fields in declared order, which the driver binds positionally).

    `compact_maps` changes nothing (maps are read in both JSON forms and both string forms in either mode); it is
    accepted because the catalog keys its decoders by it."""
    del compact_maps
    codec = containers.codec(t, False, dialect)
    parse, from_json = codec.parse, codec.from_json
    if strict or dialect.strings == "typed":
        # The Data API's rule is this strict one, plus NaN and the infinities of a float or double as strings.
        takes_strings = t.kind in STRING_KINDS
        if dialect.strings == "typed" and t.kind in ("float", "double"):
            parse = _non_finite_only(t, parse)
            takes_strings = True

        def strict_decode(value: object) -> object:
            if value is None:
                return None
            if type(value) is str:
                if takes_strings:
                    return parse(value)
                raise cannot(value, t)
            return from_json(value)

        return strict_decode

    def decode(value: object) -> object:
        if value is None:
            return None
        if type(value) is str:
            return parse(unquote(value))
        return from_json(value)

    return decode


NON_FINITE_TEXTS = frozenset({"NaN", "Infinity", "-Infinity"})


def _non_finite_only(t: CqlType, parse: Callable[[str], object]) -> Callable[[str], object]:
    def parse_special(text: str) -> object:
        if text in NON_FINITE_TEXTS:
            return parse(text)
        raise cannot(text, t)

    return parse_special


@cache
def key_decoder(t: CqlType, *, dialect: Dialect = STARGATE) -> Callable[[str], object]:
    """A primary-key value from a URL path segment (already percent-decoded): unquoted, then the stringified form."""
    parse = containers.codec(t, False, dialect).parse

    def decode(text: str) -> object:
        return parse(unquote(text))

    return decode


@cache
def encoder(t: CqlType, *, compact_maps: bool = True, dialect: Dialect = STARGATE) -> Encode | None:
    """A driver result value -> what orjson writes in the dialect's output form; None when the value is right as it
    is (text, ascii, int, smallint, tinyint, bigint, boolean, uuid, timeuuid, and vectors of floats or of
    those), so callers skip those columns.

    Every returned function takes None too (a null column, or a null tuple/UDT member): scalars stay null, a list
    or set becomes [], a map {} (compact) or [], a UDT {}, a tuple and a vector null, as Stargate v2.0 answers.
    Serialise with orjson: uuids are left to it, big varints and all decimals come out as `orjson.Fragment`s."""
    return containers.encoder(t, compact_maps, dialect)
