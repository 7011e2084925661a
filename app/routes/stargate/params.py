"""The Stargate face's query parameters and JSON bodies, read as Stargate reads them, and refused in its words.

Numbers (`page-size`, `ttl`, `timestamp`) are ASCII digits only: Python's `int()` would also take `1_000`, blanks
around the number, and digits of other scripts (`١٢`), which no other reader of the URL would agree on.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request

from app.config import Settings
from app.exceptions import RowsError
from app.http.deps import Backend
from app.rows.engine import WriteOptions
from app.rows.query import loads_strict
from app.rows.types.errors import json_shape
from app.rows.write_time import BadWriteTimestamp, check_write_timestamp
from app.streaming import NDJSON_TYPES

DEFAULT_PAGE_SIZE = 100  # Stargate's RestResourceBase.DEFAULT_PAGE_SIZE
JSON = "application/json"
MAX_INT32, MAX_INT64 = 2**31 - 1, 2**63 - 1  # USING TTL binds an int, USING TIMESTAMP a bigint
_DIGITS = re.compile(r"[0-9]{1,30}")  # 30 digits are past every bound here, and cheap to convert
_SIGNED = re.compile(r"-?[0-9]{1,30}")


def flag(value: str | None) -> bool:
    """Java's Boolean.parseBoolean, as JAX-RS reads Stargate's boolean parameters: "true" (any case) or false."""
    return value is not None and value.strip().lower() == "true"


def compact_maps(request: Request, backend: Backend) -> bool:
    given = request.query_params.get("compactMapData")
    return backend.settings.rows_compact_map_data if given is None else flag(given)


def page_size(value: str | None, cap: int) -> int:
    """Stargate's `page-size`: absent, empty, zero or negative is its default of 100; above `cap`, `cap`."""
    if value is None or not value.strip():
        return DEFAULT_PAGE_SIZE
    if _SIGNED.fullmatch(value) is None:
        raise RowsError(400, f"Invalid 'page-size' parameter: {value!r} is not an integer", "bad_page_size")
    size = int(value)
    return min(size, cap) if size > 0 else DEFAULT_PAGE_SIZE


def write_options(request: Request, settings: Settings) -> WriteOptions:
    """`ttl`, `timestamp` (bounded: `app.rows.write_time`) and `ifNotExists`, for a row write or an ingest."""
    params = request.query_params
    timestamp = _number(params.get("timestamp"), "timestamp", MAX_INT64)
    if timestamp is not None:
        try:
            check_write_timestamp(
                timestamp,
                ahead_seconds=settings.write_timestamp_ahead_seconds,
                allow_any=settings.write_timestamp_any,
            )
        except BadWriteTimestamp as exc:
            raise RowsError(400, f"Invalid 'timestamp' parameter: {exc}", "bad_write_option") from None
    return WriteOptions(
        ttl=_number(params.get("ttl"), "ttl", MAX_INT32),
        timestamp=timestamp,
        if_not_exists=flag(params.get("ifNotExists")),
    )


def _number(value: str | None, name: str, maximum: int) -> int | None:
    """A write option of ASCII digits, up to what its bound type holds (beyond, the driver's bind would fail as a
    500). Cassandra refuses a TTL over 20 years itself, with a 400."""
    if value is None or not value.strip():
        return None
    number = int(value) if _DIGITS.fullmatch(value) else -1
    if not 0 <= number <= maximum:
        raise RowsError(
            400,
            f"Invalid '{name}' parameter: {value!r} is not an integer from 0 to {maximum} (ASCII digits only)",
            "bad_write_option",
        )
    return number


def json_object(request: Request, raw: bytes, *, action: str, max_number_digits: int) -> dict[str, Any]:
    """The request body as one JSON object; duplicate keys resolve last-wins, as Stargate's Jackson does."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media != JSON and not media.endswith("+json"):
        raise RowsError(
            415, f"the body must be JSON (Content-Type: application/json), not {media}", "unsupported_media_type"
        )
    try:
        body = loads_strict(raw.decode("utf-8"), last_duplicate_wins=True, max_number_digits=max_number_digits)
    except RecursionError:
        raise RowsError(400, "Invalid JSON payload: nested too deeply", "bad_json") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RowsError(400, f"Invalid JSON payload: {exc}", "bad_json") from None
    if not isinstance(body, dict):
        problem = f"the row to {action} must be a JSON object, not {json_shape(body)}"
        raise RowsError(400, f"Invalid JSON payload: {problem}", "bad_json")
    return body


def wants_ndjson(request: Request) -> bool:
    if request.query_params.get("format", "").lower() == "ndjson":
        return True
    accept = request.headers.get("accept", "").lower()
    return any(kind in accept for kind in NDJSON_TYPES)
