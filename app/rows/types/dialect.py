"""A dialect: the JSON forms one API gives CQL values, as a set of per-family choices rather than a fork of the codecs.

STARGATE is the REST v2 rows API's (every default). DATA_API is the start of the Data API's: blobs are
`{"$binary": "<base64>"}` both ways. A family's codec reads the choice it cares about when it is built; the
decoder and encoder caches are keyed by the dialect, so each dialect gets its own closures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    blob: Literal["base64", "$binary"] = "base64"  # a blob as a base64 string, or as {"$binary": base64}


STARGATE = Dialect("stargate")
DATA_API = Dialect("data_api", blob="$binary")
