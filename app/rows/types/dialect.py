"""A dialect: the JSON forms one API gives CQL values, as a set of per-family choices rather than a fork of the codecs.

STARGATE is the REST v2 rows API's (every default). DATA_API is the Data API's (stargate/data-api's `JSONCodecs`):
- `text`: a blob is `{"$binary": "<base64>"}` both ways;
- `numeric`: a counter is a JSON number; a top-level string is a number only as `"NaN"`, `"Infinity"`, `"-Infinity"`
  (floats and doubles), never unquoted as Stargate's loose rule does (`strings`);
- `temporal`: a time as `LocalTime.toString()` (`10:30`, `10:30:01.500`), a duration as ISO-8601 (`PT1H30M`; both
  forms read); a timestamp also as `{"$date": <epoch ms>}`;
- `containers`: a map with text or ascii keys is an object, any other map an array of `[key, value]` pairs (both
  read); a vector also as `{"$binary": "<base64 of big-endian float32s>"}`, and its floats written shortest.
A family's codec reads the choice it cares about when it is built; the decoder and encoder caches are keyed by the
dialect, so each dialect gets its own closures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    blob: Literal["base64", "$binary"] = "base64"  # a blob as a base64 string, or as {"$binary": base64}
    # "loose": a top-level string is unquoted and parsed for any type (Stargate); "typed": strings only for the
    # types whose JSON form is one, plus NaN/Infinity for floats (the Data API).
    strings: Literal["loose", "typed"] = "loose"
    counter: Literal["string", "number"] = "string"
    time: Literal["iso", "java"] = "iso"  # 10:30:00 (Jackson's ISO_LOCAL_TIME) or 10:30 (LocalTime.toString())
    duration: Literal["cql", "iso"] = "cql"  # 1h30m or PT1H30M
    maps: Literal["stargate", "pairs"] = "stargate"  # Stargate's compact/entries forms, or the Data API's pairs
    extended_json: bool = False  # {"$date": ms} timestamps, {"$binary": ...} vectors


STARGATE = Dialect("stargate")
DATA_API = Dialect(
    "data_api",
    blob="$binary",
    strings="typed",
    counter="number",
    time="java",
    duration="iso",
    maps="pairs",
    extended_json=True,
)
