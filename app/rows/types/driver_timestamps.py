"""A patch of cassandra-driver's timestamp decoding: timestamps outside datetime's range come back as epoch-ms ints."""

from __future__ import annotations

import datetime

_guard_installed = False


def install_timestamp_guard() -> None:
    """Make the driver return timestamps outside datetime's range (before year 1, after 9999) as epoch-ms ints.

    cassandra-driver 3.30 decodes a timestamp into a datetime and fails on such a value; a failure while decoding a
    result marks the whole connection defunct (every request in flight on it fails, and the row can never be
    read). Cassandra and Stargate accept any 64-bit epoch ms, so such rows exist. This swaps the driver's decoder
    for the timestamp type code (process-wide, idempotent) with one that returns the same naive UTC datetimes in
    range and an int outside it; `encoder` prints both as Stargate does. Call it once before reading rows."""
    global _guard_installed
    if _guard_installed:
        return
    from cassandra import cqltypes
    from cassandra import type_codes as codes
    from cassandra.marshal import int64_unpack
    from cassandra.protocol import ResultMessage
    from cassandra.util import datetime_from_timestamp

    low, high = -62_135_596_800_000, 253_402_300_799_999  # 0001-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z

    class GuardedTimestampType(cqltypes.DateType):  # type: ignore[misc]  # the driver's classes are untyped (Any)
        @staticmethod
        def deserialize(byts: bytes, protocol_version: int) -> datetime.datetime | int:
            ms: int = int64_unpack(byts)
            if low <= ms <= high:
                value: datetime.datetime = datetime_from_timestamp(ms / 1000.0)  # what the driver returns
                return value
            return ms

    # The Cython row parser has no deserializer of its own for this class name, so it calls `deserialize` above.
    ResultMessage.type_codes[codes.DateType] = GuardedTimestampType
    _guard_installed = True
