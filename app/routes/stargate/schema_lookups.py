"""The schema API's lookups of a keyspace or table, from the catalog (the driver's schema metadata), with Stargate's
misses: shared by the read endpoints (`schemas`) and the writes (`schema_writes`)."""

from __future__ import annotations

import contextlib
from typing import Any

from app.exceptions import RowsError
from app.rows.catalog import Catalog


async def keyspace_meta(catalog: Catalog, ks: str) -> Any | None:
    """The served keyspace's metadata; on a miss the driver is asked once (rate-limited by the catalog), as a
    keyspace created a moment ago may not have reached it yet."""
    meta = catalog.keyspace_metadata(ks)
    if meta is None and ks in catalog.served:
        await refresh(catalog, ks, "")
        meta = catalog.keyspace_metadata(ks)
    return meta


async def keyspace_or_400(catalog: Catalog, ks: str) -> Any:
    meta = await keyspace_meta(catalog, ks)
    if meta is None:
        raise RowsError(400, f"Keyspace '{ks}' not found", "unknown_keyspace")
    return meta


async def table_meta(catalog: Catalog, ks: str, table: str, *, missing: int) -> Any:
    """The table's metadata; an unknown keyspace is a 400, an unknown table `missing` (Stargate: 404 for the table
    itself, 400 for its columns and indexes)."""
    meta = await keyspace_or_400(catalog, ks)
    found = meta.tables.get(table)
    if found is None:
        await refresh(catalog, ks, table)
        meta = await keyspace_or_400(catalog, ks)
        found = meta.tables.get(table)
    if found is None:
        raise RowsError(missing, f"Table '{table}' not found (in keyspace {ks})", "unknown_table")
    return found


async def refresh(catalog: Catalog, ks: str, table: str) -> None:
    """The catalog's refresh on a miss: its lookup asks the driver (at most once a second per name), and its
    answer, found or not, is not ours to give."""
    with contextlib.suppress(RowsError, ValueError):
        await catalog.table(ks, table)
