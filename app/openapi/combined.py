"""The combined document (`/openapi.json`): FastAPI's routes, the rows API's generic routes, and the served tables,
at most OPENAPI_MAX_TABLES of them typed; the others are listed by name, each with the URL of its own document.

Everything here walks the schema or builds the document, so it runs in a worker thread (`app.openapi.document`),
never on the event loop: with `ROWS_KEYSPACES=*` on a large schema a walk touches every served table, and the
catalog may describe a changed table again on the way.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import FastAPI

from app.openapi.components import Deployment, Schema, shared_components
from app.openapi.operations import ROWS_TAG, ROWS_TEXT, generic_paths
from app.openapi.tables import TablePart
from app.rows.catalog import Catalog, Table

TABLE_DOCUMENT_URL = "/openapi/{keyspace}/{table}.json"
LISTED_TAG = "rows: more tables"
LISTED_EXTENSION = "x-tables"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The served tables as the driver knows them now: the first `cap` described, the rest by name only."""

    typed: tuple[Table, ...]
    listed: tuple[tuple[str, str], ...]  # (keyspace, table) beyond the cap: never described, so never parsed

    def same(self, other: Snapshot) -> bool:
        """The same schema generation: the same `Table` objects (the catalog makes a new one when a table changes)
        and the same names beyond the cap."""
        return (
            len(self.typed) == len(other.typed)
            and all(a is b for a, b in zip(self.typed, other.typed, strict=True))
            and self.listed == other.listed
        )


EMPTY = Snapshot((), ())


def served_tables(catalog: Catalog, cap: int) -> Snapshot:
    """Every served table in (keyspace, name) order, the first `cap` described (no I/O: the driver's metadata)."""
    for attempt in range(3):
        try:
            typed: list[Table] = []
            listed: list[tuple[str, str]] = []
            for keyspace in catalog.keyspaces():
                for name in catalog.table_names(keyspace):
                    if len(typed) >= cap:
                        listed.append((keyspace, name))
                    elif (table := catalog.current(keyspace, name)) is not None:
                        typed.append(table)
            return Snapshot(tuple(typed), tuple(listed))
        except RuntimeError:  # the driver's event thread changed a metadata dict while this walked it: again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def table_document_url(keyspace: str, table: str) -> str:
    return TABLE_DOCUMENT_URL.format(keyspace=quote(keyspace, safe=""), table=quote(table, safe=""))


def generic_document(app: FastAPI, deployment: Deployment) -> Schema:
    """FastAPI's document with the rows API's generic routes and shared components: the same for any schema.
    Under ROWS_API=off FastAPI's alone: nothing under /v2/ is served, so nothing there is described."""
    app.openapi_schema = None
    document = copy.deepcopy(FastAPI.openapi(app))
    components = document.setdefault("components", {})
    document.setdefault("tags", [])
    if not deployment.rows:
        return document
    for kind, entries in shared_components(deployment).items():
        components.setdefault(kind, {}).update(entries)
    document["paths"] = {**document.get("paths", {}), **generic_paths(deployment)}
    used = dict.fromkeys(
        tag
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for tag in op.get("tags", ())
    )
    listed = {t["name"]: t for t in document.get("tags", [])}
    document["tags"] = [listed.get(name, {"name": name}) for name in used if name != ROWS_TAG]
    document["tags"].append({"name": ROWS_TAG, "description": ROWS_TEXT})
    info = document.setdefault("info", {})
    note = (
        "The rows API (`/v2/keyspaces/...`, and the same under `/api/rest/v2/keyspaces/...`) serves every "
        f"table of the served keyspaces as Stargate's REST API v2 does: see the tag {ROWS_TAG!r}, and each "
        f"table's own tag. One table's document alone: `{TABLE_DOCUMENT_URL}`."
    )
    if not deployment.writes:
        note += " Read-only here (ROWS_API=read): only GET operations are served, every write verb is a 405."
    info["description"] = f"{info['description']}\n\n{note}" if info.get("description") else note
    return document


def combine(generic: Schema, parts: Sequence[TablePart], listed: Sequence[tuple[str, str]]) -> Schema:
    """The generic document, each typed table's paths, schemas and tag, then the tables beyond the cap by name."""
    paths = dict(generic["paths"])
    components = {kind: dict(entries) for kind, entries in generic["components"].items()}
    tags = list(generic["tags"])
    for part in parts:
        paths.update(part.paths)
        components["schemas"].update(part.schemas)
        tags.append(part.tag)
    document = {**generic, "paths": paths, "components": components, "tags": tags}
    if listed:
        _list_beyond_the_cap(document, len(parts), listed)
    return document


def _list_beyond_the_cap(document: Schema, typed: int, listed: Sequence[tuple[str, str]]) -> None:
    """Name each table the document does not type, with its own document's URL: in `x-tables` for a program, in
    a tag and in `info.description` for a reader."""
    entries = [{"keyspace": k, "table": t, "document": table_document_url(k, t)} for k, t in listed]
    document[LISTED_EXTENSION] = entries
    summary = (
        f"{len(listed)} more served tables are not typed here: this document types the first {typed} "
        f"(OPENAPI_MAX_TABLES), in keyspace and table order. Each of the others has its own document at "
        f"`{TABLE_DOCUMENT_URL}`; `{LISTED_EXTENSION}` and the tag {LISTED_TAG!r} list them."
    )
    lines = "\n".join(f"- `{e['keyspace']}.{e['table']}`: `{e['document']}`" for e in entries)
    document["tags"] = [*document["tags"], {"name": LISTED_TAG, "description": f"{summary}\n\n{lines}"}]
    info = document["info"] = dict(document["info"])
    info["description"] = f"{info['description']}\n\n{summary}" if info.get("description") else summary
