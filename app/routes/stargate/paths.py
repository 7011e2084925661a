"""Where the Stargate face lives in the URL, and the one reading of a request's path.

Starlette routes on the percent-decoded path, where `%2F` has already become a separator; the raw path has not.
So keyspace, table and key are all taken from one split of the raw path (`scope["raw_path"]`), each segment
percent-decoded once, as UTF-8 (which refuses encoded surrogates), and checked against what Starlette routed: the
two readings can never name different tables, and a key value may hold a `/` (`a%2Fb`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from starlette.types import Scope

from app.exceptions import RowsError

BASES = ("/v2", "/api/rest/v2")  # Stargate's own, and Astra's
STARGATE_PATHS = tuple(base + "/" for base in BASES)  # every answer under these is in Stargate's shape
ROWS_PREFIXES = tuple(base + "/keyspaces" for base in BASES)
SCHEMAS_PREFIXES = tuple(base + "/schemas" for base in BASES)
# RESTEasy's text for a path it has no resource for: what Stargate answers, with a 404.
NO_ROUTE = "Unable to find matching target resource method"


def raw_segments(scope: Scope, section: str) -> list[bytes] | None:
    """The raw path's segments after `/v2/<section>` (or Astra's prefix), not decoded; None when the raw path does
    not spell the prefix itself, e.g. `/v2/key%73paces/...`: Starlette routed its decoded form here, Stargate
    would have had no resource for it."""
    raw: bytes | None = scope.get("raw_path")
    if raw is None:  # the ASGI spec makes raw_path optional: the decoded path, encoded again, reads the same
        raw = quote(scope["path"], safe="/").encode("ascii")
    root = scope.get("root_path", "").encode("utf-8")
    if root and raw.startswith(root + b"/"):
        raw = raw[len(root) :]
    for base in BASES:
        head = f"{base}/{section}".encode("ascii")
        if raw == head:
            return []
        if raw.startswith(head + b"/"):
            return raw[len(head) + 1 :].split(b"/")
    return None


def decode_segment(segment: bytes) -> str | None:
    """One segment, percent-decoded once; None when the bytes are not UTF-8 (an encoded surrogate is not)."""
    try:
        return unquote_to_bytes(segment).decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True, slots=True)
class RowsPath:
    """`/v2/keyspaces/{keyspace}/{table}/{key...}`, read once: every key segment, empty ones included."""

    keyspace: str
    table: str
    key: tuple[str, ...]

    def key_values(self, *, lenient: bool) -> list[str]:
        """The key's values. `lenient` (a read) skips empty segments, as Stargate does for `a//b` and a trailing
        slash; otherwise an empty segment is refused, naming its position: dropping it would shift the values
        after it onto other columns, and a row delete would become a partition delete."""
        if lenient:
            return [value for value in self.key if value]
        for position, value in enumerate(self.key, 1):
            if not value:
                raise RowsError(
                    400,
                    f"Invalid path for row: key segment {position} of {len(self.key)} is empty; an empty text "
                    "value is written as '' (two single quotes, %27%27)",
                    "bad_key",
                )
        return list(self.key)


def rows_path(scope: Scope, routed: Mapping[str, Any]) -> RowsPath:
    """The rows route's path, from one split of the raw path; `routed` is what Starlette matched on the decoded one.

    A path that does not parse is a 404 (Stargate has no resource for it); a keyspace or table name holding a `/`,
    or naming another table than the route, is a 400."""
    segments = raw_segments(scope, "keyspaces")
    if segments is None or len(segments) < 2:
        raise RowsError(404, NO_ROUTE, "not_found")
    keyspace = _name(segments[0], "keyspace", routed)
    table = _name(segments[1], "table", routed)
    key = [decode_segment(segment) for segment in segments[2:]]
    if any(value is None for value in key):
        raise RowsError(400, "Invalid path for row: a key segment is not UTF-8 once percent-decoded", "bad_key")
    return RowsPath(keyspace, table, tuple(value for value in key if value is not None))


def _name(segment: bytes, what: str, routed: Mapping[str, Any]) -> str:
    name = decode_segment(segment)
    if name is None:
        raise RowsError(400, f"Invalid path: the {what} name is not UTF-8 once percent-decoded", "bad_path")
    if "/" in name:
        raise RowsError(
            400, f"Invalid path: the {what} name {name!r} holds a '/' (%2F), which no {what} name does", "bad_path"
        )
    if name != routed.get(what):
        raise RowsError(400, f"Invalid path: the {what} name {name!r} is not the one routed", "bad_path")
    return name
