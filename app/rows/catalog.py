"""The tables the rows API serves, described from the driver's schema metadata, and kept current while it runs.

The driver's control connection receives Cassandra's schema events and replaces a table's `TableMetadata` object
when the table changes. So a lookup compares object identity: the same object means our description (and the
statements prepared for it) still holds; another object means the table was altered, and it is described again;
none means it is unknown, and the driver is asked about that one name (a table created a moment ago may not have
reached it yet) before the answer is "not found". Those refreshes are client-triggered, so they spend the
process's `ColdPathBudget` (its worker threads and SCHEMA_REFRESHES_PER_SECOND), an unknown keyspace refreshes
that keyspace only (never the whole schema), and a name still unknown afterwards is answered from memory for
NEGATIVE_CACHE_SECONDS, unless the driver's own schema events bring it meanwhile.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from typing import Any

from cassandra.metadata import protect_name

from app.config.keyspaces import is_infrastructure
from app.exceptions import RowsError
from app.rates import Remembered
from app.rows.budget import ColdPathBudget
from app.rows.page_bytes import RowWidth
from app.rows.statements import KeyShapes
from app.rows.types import CqlType, Udt, decoder, encoder, key_decoder, parse_type, user_type_resolver
from app.singleflight import SingleFlight

log = logging.getLogger("app.rows")

SYSTEM_KEYSPACES = frozenset(
    {
        "system",
        "system_auth",
        "system_distributed",
        "system_schema",
        "system_traces",
        "system_views",
        "system_virtual_schema",
        # Astra's own
        "datastax_sla",
        "data_endpoint_auth",
    }
)
# The system keyspaces the schema API lists and describes, as Stargate does (every role can read their schema):
# the virtual ones (system_views, system_virtual_schema) are not in Stargate's list. Their rows stay refused.
DESCRIBED_SYSTEM_KEYSPACES = ("system", "system_auth", "system_distributed", "system_schema", "system_traces")
MAX_WIDTHS = 32  # column choices per table whose row width is learned
VIEW_BASE = "SELECT base_table_name FROM system_schema.views WHERE keyspace_name = %s AND view_name = %s"
REFRESH_TIMEOUT = 5.0  # seconds for that one query, as the driver's own metadata queries
REFRESH_PATIENCE = 1.0  # seconds a lookup that missed may wait for the refresh budget


class Kind(StrEnum):
    PARTITION = "partition_key"
    CLUSTERING = "clustering"
    STATIC = "static"
    REGULAR = "regular"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: CqlType
    kind: Kind
    descending: bool = False

    @property
    def cql(self) -> str:
        """The name as it goes into CQL, quoted by the driver's own rule."""
        quoted: str = protect_name(self.name)
        return quoted

    @property
    def is_key(self) -> bool:
        return self.kind in (Kind.PARTITION, Kind.CLUSTERING)

    def decode(self, value: object, *, compact_maps: bool, strict: bool = False) -> object:
        return _decoder(self.type, compact_maps, strict)(value)

    def decode_key(self, text: str) -> object:
        return _key_decoder(self.type)(text)


@cache
def _decoder(t: CqlType, compact_maps: bool, strict: bool) -> Callable[[object], object]:
    return decoder(t, compact_maps=compact_maps, strict=strict)


@cache
def _key_decoder(t: CqlType) -> Callable[[str], object]:
    return key_decoder(t)


@dataclass(eq=False)
class Table:
    """One served table: its columns in CQL order (partition key, clustering, then the rest), and its keys."""

    keyspace: str
    name: str
    columns: dict[str, Column]
    partition_key: tuple[Column, ...]
    clustering: tuple[Column, ...]
    source: object  # the driver's TableMetadata this was built from: identity says whether it is still current
    is_view: bool = False  # a materialized view: read like a table, never written (Cassandra refuses it)
    # Kept by the engine: the table's key statements, prepared once per description (None: not prepared, or
    # forgotten as the least recently used of KEY_SHAPE_TABLES).
    key_shapes: KeyShapes | None = None
    _widths: dict[tuple[str, ...], RowWidth] = field(default_factory=dict)
    _encoders: dict[bool, list[tuple[str, Callable[[object], object]]]] = field(default_factory=dict)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(self.columns)

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each column's place in the table: the canonical order of conditions and selected columns."""
        return {name: i for i, name in enumerate(self.columns)}

    def width(self, names: tuple[str, ...]) -> RowWidth:
        """The width of a row of these columns, learned as pages are read (kept for a few column choices)."""
        found = self._widths.get(names)
        if found is None:
            found = RowWidth((name, self.columns[name].type) for name in names)
            if len(self._widths) < MAX_WIDTHS:
                self._widths[names] = found
        return found

    @property
    def qualified(self) -> str:
        return f"{protect_name(self.keyspace)}.{protect_name(self.name)}"

    @property
    def primary_key(self) -> tuple[Column, ...]:
        return self.partition_key + self.clustering

    @property
    def is_counter_table(self) -> bool:
        return any(c.type.kind == "counter" for c in self.columns.values())

    def column(self, name: str) -> Column:
        found = self.columns.get(name)
        if found is None:
            known = ", ".join(self.columns)
            raise RowsError(
                400, f"Unknown field name '{name}' (table '{self.name}'); known fields: [{known}]", "unknown_field"
            )
        return found

    def row_encoder(self, *, compact_maps: bool) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
        """Rewrites a result row into Stargate's output forms, in place; None when no column needs it."""
        converters = self._encoders.get(compact_maps)
        if converters is None:
            converters = []
            for column in self.columns.values():
                convert = encoder(column.type, compact_maps=compact_maps)
                if convert is not None:
                    converters.append((column.name, convert))
            self._encoders[compact_maps] = converters
        if not converters:
            return None
        pairs = converters

        def encode(row: dict[str, Any]) -> dict[str, Any]:
            for name, convert in pairs:
                if name in row:
                    row[name] = convert(row[name])
            return row

        return encode


def table_from_metadata(
    keyspace: str, metadata: Any, user_types: Callable[[str], Udt | None], *, view: bool = False
) -> Table:
    """A `Table` from the driver's `TableMetadata`, or `MaterializedViewMetadata` (its columns are already in CQL
    order)."""
    partition = {c.name for c in metadata.partition_key}
    clustering = {c.name for c in metadata.clustering_key}
    columns: dict[str, Column] = {}
    for meta in metadata.columns.values():
        if meta.name in partition:
            kind = Kind.PARTITION
        elif meta.name in clustering:
            kind = Kind.CLUSTERING
        elif meta.is_static:
            kind = Kind.STATIC
        else:
            kind = Kind.REGULAR
        columns[meta.name] = Column(meta.name, parse_type(meta.cql_type, user_types), kind, bool(meta.is_reversed))
    return Table(
        keyspace=keyspace,
        name=metadata.name,
        columns=columns,
        partition_key=tuple(columns[c.name] for c in metadata.partition_key),
        clustering=tuple(columns[c.name] for c in metadata.clustering_key),
        source=metadata,
        is_view=view,
    )


def relation(keyspace_meta: Any | None, name: str) -> tuple[Any | None, bool]:
    """The driver's metadata of a table or, failing that, of a materialized view of that name; and whether it is
    a view."""
    if keyspace_meta is None:
        return None, False
    table = keyspace_meta.tables.get(name)
    if table is not None:
        return table, False
    view = keyspace_meta.views.get(name)
    return view, view is not None


class Served:
    """Which keyspaces the rows API answers for: a list, or every non-system keyspace (`*`)."""

    def __init__(self, names: Iterable[str]) -> None:
        listed = [n for n in names if n]
        self.everything = "*" in listed
        self.names = frozenset(n for n in listed if n != "*")

    def __contains__(self, keyspace: str) -> bool:
        if is_infrastructure(keyspace):  # listed or not (app.config.keyspaces)
            return False
        if self.everything:
            return keyspace not in SYSTEM_KEYSPACES and not keyspace.startswith("system")
        return keyspace in self.names


class Catalog:
    """The served tables of one process, looked up per request (two dict lookups and an identity check)."""

    def __init__(
        self,
        cluster: Any,
        served: Served,
        *,
        on_change: Callable[[], None] | None = None,
        budget: ColdPathBudget | None = None,
        session: Any | None = None,
    ) -> None:
        self._cluster = cluster
        self._session = session  # the service's own: asks system_schema.views for a view's base table
        self.served = served
        self.budget = budget if budget is not None else ColdPathBudget.default()
        self._tables: dict[tuple[str, str], Table] = {}
        # Names the driver was asked about and did not know: (keyspace, None) for a keyspace, else (keyspace, table).
        self.unknown = Remembered(self.budget.refused.ttl)
        self._refreshing: SingleFlight[tuple[str, str | None], bool] = SingleFlight()
        self.refreshes: Counter[str] = Counter()  # driver refreshes asked, by target: "keyspace" or "table"
        self._on_change = on_change

    def keyspaces(self) -> list[str]:
        """The served keyspaces that exist now, sorted."""
        return sorted(k for k in self._cluster.metadata.keyspaces if k in self.served)

    def described_keyspaces(self) -> list[str]:
        """The keyspaces the schema API lists, sorted: the served ones and Stargate's system keyspaces."""
        known = self._cluster.metadata.keyspaces
        return sorted(k for k in known if k in self.served or k in DESCRIBED_SYSTEM_KEYSPACES)

    def keyspace_metadata(self, keyspace: str) -> Any | None:
        """The driver's `KeyspaceMetadata` of a keyspace the schema API describes (served, or one of Stargate's
        system keyspaces) as the driver knows it now (no refresh, no I/O); None when it is neither or does not
        exist. For the schema endpoints."""
        if keyspace not in self.served and keyspace not in DESCRIBED_SYSTEM_KEYSPACES:
            return None
        return self._cluster.metadata.keyspaces.get(keyspace)

    def table_names(self, keyspace: str) -> list[str]:
        meta = self._cluster.metadata.keyspaces.get(keyspace) if keyspace in self.served else None
        return sorted(meta.tables) if meta is not None else []

    def current(self, keyspace: str, name: str) -> Table | None:
        """The table as the driver knows it now (no refresh, no I/O): for docs and for the fast path."""
        if keyspace not in self.served:
            return None
        keyspace_meta = self._cluster.metadata.keyspaces.get(keyspace)
        metadata, view = relation(keyspace_meta, name)
        if metadata is None:
            self._tables.pop((keyspace, name), None)
            return None
        known = self._tables.get((keyspace, name))
        if known is not None and known.source is metadata:
            return known
        table = table_from_metadata(keyspace, metadata, user_type_resolver(keyspace_meta), view=view)
        self._tables[(keyspace, name)] = table
        if known is not None:
            log.info("table %s.%s changed: described again", keyspace, name)
            # A new index or column may make a refused statement valid: ask Cassandra again.
            self.budget.refused.clear()
        else:
            self.unknown.forget((keyspace, name))  # found since: by a refresh, or by the driver's schema events
        if self._on_change is not None:
            self._on_change()
        return table

    async def table(self, keyspace: str, name: str) -> Table:
        """The served table, or the 400 Stargate answers for an unknown keyspace or table."""
        table = self.current(keyspace, name)
        if table is not None:
            return table
        if keyspace not in self.served:
            raise RowsError(400, f"Keyspace '{keyspace}' not found", "unknown_keyspace")
        remembered = self._remembered(keyspace, name)
        if remembered is not None:
            raise remembered
        asked = await self._refresh(keyspace, name)
        table = self.current(keyspace, name)
        if table is not None:
            return table
        key: tuple[str, str | None] = (keyspace, name)
        if keyspace not in self._cluster.metadata.keyspaces:
            error, key = RowsError(400, f"Keyspace '{keyspace}' not found", "unknown_keyspace"), (keyspace, None)
        else:
            error = RowsError(400, f"Table '{name}' not found (in keyspace '{keyspace}')", "unknown_table")
        if asked:  # only what the driver answered it did not know is remembered
            self.unknown.remember(key, error)
        raise error

    def _remembered(self, keyspace: str, name: str) -> RowsError | None:
        """The refusal remembered for this name, unless the driver has heard of it since (its schema events)."""
        if keyspace in self._cluster.metadata.keyspaces:
            self.unknown.forget((keyspace, None))
            found = self.unknown.get((keyspace, name))
        else:
            found = self.unknown.get((keyspace, None))
        return found if isinstance(found, RowsError) else None

    async def _refresh(self, keyspace: str, name: str) -> bool:
        """Ask the driver about one name, one request at a time per name, within the refresh budget. An unknown
        keyspace refreshes that keyspace (then the table); a known one the table only. Whether the driver
        answered (a refresh that failed, or was not asked for lack of budget, proves nothing)."""
        known = keyspace in self._cluster.metadata.keyspaces
        key: tuple[str, str | None] = (keyspace, name) if known else (keyspace, None)
        if known and not name:
            return False  # a keyspace lookup (the schema endpoints): nothing more to ask
        if not self._refreshing.running(key) and not await self.budget.wait_refresh(REFRESH_PATIENCE):
            return False

        async def refresh() -> bool:
            return await self.budget.run(lambda: self._refresh_blocking(keyspace, name, keyspace_too=not known))

        return await self._refreshing.run(key, refresh)

    def _refresh_view_base(self, keyspace: str, name: str) -> None:
        """The driver drops a view whose base table it has not heard of yet (its schema events come in any order):
        then the base table first, and the view again."""
        if self._session is None or relation(self._cluster.metadata.keyspaces.get(keyspace), name)[0] is not None:
            return
        found = self._session.execute(VIEW_BASE, (keyspace, name), timeout=REFRESH_TIMEOUT).one()
        if found is None:
            return  # no such view either
        base = found["base_table_name"] if isinstance(found, dict) else found[0]  # whichever row factory it has
        self.refreshes["table"] += 1
        self._cluster.refresh_table_metadata(keyspace, base, max_schema_agreement_wait=2)
        self._cluster.refresh_materialized_view_metadata(keyspace, name, max_schema_agreement_wait=2)

    def _refresh_blocking(self, keyspace: str, name: str, *, keyspace_too: bool) -> bool:
        try:
            if keyspace_too:
                self.refreshes["keyspace"] += 1
                log.debug("keyspace %s unknown: asking Cassandra about that keyspace only", keyspace)
                self._cluster.refresh_keyspace_metadata(keyspace, max_schema_agreement_wait=2)
                if keyspace not in self._cluster.metadata.keyspaces:
                    return True
            if name:
                self.refreshes["table"] += 1
                self._cluster.refresh_table_metadata(keyspace, name, max_schema_agreement_wait=2)
                self._refresh_view_base(keyspace, name)
        except Exception as exc:  # the answer is still "not found", but not one to remember
            log.debug("schema refresh for %s.%s: %s", keyspace, name, exc)
            return False
        return True
