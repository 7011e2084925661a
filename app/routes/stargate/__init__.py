"""The Stargate REST v2 face: the rows API (`rows`, `ingest`) and the schema API (`schemas`, its writes in
`schema_writes`), under `/v2/...` and Astra's `/api/rest/v2/...` (`paths`), with one access rule (`access`) and one
reading of the parameters (`params`). What it stands on (catalog, engine, codecs) is in `app.rows`, which knows
nothing of HTTP."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Every route of the face, for the app's router: the rows routes, then the schema routes."""
    # Imported here, not at the top: app.http.errors reads `paths` from this package, and the route modules
    # import app.http, so a top-level import would make the two packages import each other.
    from app.routes.stargate import cql, rows, schemas

    return [*rows.routes(), *schemas.routes(), *cql.routes()]
