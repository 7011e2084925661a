"""A client's write timestamp (`USING TIMESTAMP`, microseconds since the epoch), held within bounds.

A cell written with a timestamp far in the future wins over every later write, and no delete of this API (they use
the server's time) can remove it: a client that sends milliseconds or nanoseconds where microseconds are meant
writes data nobody can override. So a timestamp is accepted from 10^15 µs (2001-09-09) to WRITE_TIMESTAMP_AHEAD_SECONDS
ahead of this server's clock, unless WRITE_TIMESTAMP_ANY opens the whole bigint range (a migration that keeps the
original write times). Pure: any face (Stargate's parameters, NDJSON ingest, a later Data API) asks the same.
"""

from __future__ import annotations

import time

MIN_MICROS = 10**15  # 2001-09-09T01:46:40Z: any smaller number is far more likely seconds or milliseconds
MAX_MICROS = 2**63 - 1  # USING TIMESTAMP binds a bigint


class BadWriteTimestamp(ValueError):
    """The timestamp is outside the bounds; the message says which, and what the number probably was."""


def check_write_timestamp(micros: int, *, ahead_seconds: float, allow_any: bool, now: float | None = None) -> int:
    """`micros` if it is an acceptable write time; `now` (seconds since the epoch) is this server's clock."""
    if allow_any:
        if not 0 <= micros <= MAX_MICROS:
            raise BadWriteTimestamp(f"{micros} is not a write time from 0 to {MAX_MICROS} (microseconds)")
        return micros
    latest = int(((time.time() if now is None else now) + ahead_seconds) * 1_000_000)
    if MIN_MICROS <= micros <= latest:
        return micros
    raise BadWriteTimestamp(
        f"{micros} is outside the accepted write times, from {MIN_MICROS} (2001-09-09) to {latest} (this server's "
        f"clock plus {ahead_seconds:g} s, WRITE_TIMESTAMP_AHEAD_SECONDS). Microseconds?{_hint(micros)} "
        "(WRITE_TIMESTAMP_ANY=true accepts any write time, for migrations)"
    )


def _hint(micros: int) -> str:
    if micros < 10**11:
        return " This looks like seconds since the epoch."
    if micros < MIN_MICROS:
        return f" This looks like milliseconds: {micros * 1000} would be the same time in microseconds."
    if micros >= 10**17:
        return f" This looks like nanoseconds: {micros // 1000} would be the same time in microseconds."
    return " This is further ahead than this server's clock allows."
