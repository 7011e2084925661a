"""Stargate's `POST /v2/cql` (and Astra's `/api/rest/v2/cql`): one CQL statement sent as the body's text.

Off unless CQL_API is on: a 404 then, as Stargate answers while `stargate.rest.cql-disabled` is true. When on, the
statement is the client's by design (that is what the endpoint is), so who may send one is narrow: in pass-through
mode it runs as the caller's own role (Cassandra's GRANTs decide); in keys mode only a key with the admin scope on
every keyspace may, never an anonymous caller. It is bounded like any request (MAX_BODY_BYTES, SERVER_TIMEOUT, the
page size cap, MAX_PAGE_BYTES) and prepared within PREPARE_MISSES_PER_SECOND, which gives the result's column types:
every value goes through the rows API's codecs. `keyspace` names the keyspace of unqualified names; the driver can
only send it with protocol v5 (CASSANDRA_PROTOCOL_VERSION=5), and refuses it as a 400 otherwise.

Answers in Stargate's shape: `{"count", "pageState"?, "data"}` (or the bare rows with `raw=true`), and Cassandra's
refusals as its gRPC mapper words them (`app.http.errors`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from cassandra import AlreadyExists, ConfigurationException, InvalidRequest
from cassandra.protocol import SyntaxException
from cassandra.query import PreparedStatement
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.access import Refusal, decide, presented_key
from app.db.errors import map_driver_error, server_message
from app.encoding import dumps
from app.exceptions import DatabaseError, RowsError, ServiceError
from app.http.audit import audit_write
from app.http.deps import Backend
from app.http.principal import set_principal
from app.routes.stargate.access import BAD_TOKEN, MISSING_TOKEN, Leased, admit
from app.routes.stargate.params import JSON, compact_maps, flag, page_size
from app.routes.stargate.paths import BASES, NO_ROUTE
from app.rows.engine import bind_checked
from app.rows.page_bytes import RowWidth
from app.rows.types import CqlType, Udt, encoder, parse_type, user_type_resolver

MISSING_BODY = "Request invalid: CQL query body required."
ADMIN_ONLY = "the /v2/cql endpoint runs any statement: it needs a key with the admin scope on every keyspace"
NEEDS_V5 = (
    "the 'keyspace' parameter needs native protocol v5 (CASSANDRA_PROTOCOL_VERSION=5); qualify the names in the "
    "statement instead"
)
# Cassandra refusing the statement itself: the client's 400 (Stargate's INVALID_ARGUMENT).
REFUSED = (InvalidRequest, SyntaxException, ConfigurationException)

Encode = Callable[[object], object]
BLOB = CqlType("blob")  # the width of a column of a type the codecs do not know: variable, as a blob's


def routes() -> list[BaseRoute]:
    return [Route(base + "/cql", run_cql, methods=["POST"]) for base in BASES]


async def run_cql(request: Request) -> Response | Leased:
    """Off: 404. On: the caller's role (pass-through) or an admin key (keys mode); audited as a write."""
    backend: Backend = request.state.backend
    if not backend.settings.cql_api:
        raise RowsError(404, NO_ROUTE, "not_found")
    keyspace = request.query_params.get("keyspace") or None
    status = 500
    try:
        if backend.identities is not None:
            answer: Response | Leased = await admit(request, backend, lambda caller: _run(request, caller, keyspace))
        else:
            _authorize_admin(request, backend)
            answer = await _run(request, backend, keyspace)
        status = (answer.response if isinstance(answer, Leased) else answer).status_code
        return answer
    except ServiceError as exc:
        status = exc.status
        raise
    finally:
        audit_write(request.scope, keyspace=keyspace, table="<cql>", status=status)


def _authorize_admin(request: Request, backend: Backend) -> None:
    """Keys mode: the admin scope on `*` (a key of API_KEYS has every scope); anonymous never, whatever
    ALLOW_ANONYMOUS_WRITES says."""
    decision = decide(backend.settings, presented_key(request.headers), action="admin")
    set_principal(request.scope, decision.principal)
    if decision.refusal is None:
        if decision.principal == "anonymous":
            raise RowsError(403, ADMIN_ONLY, "forbidden")
        return
    if decision.refusal in (Refusal.SCOPE, Refusal.NO_KEYS):
        raise RowsError(403, f"{ADMIN_ONLY} ({decision.detail or 'no API_KEYS are configured'})", "forbidden")
    if decision.detail:  # an expired key
        raise RowsError(401, decision.detail, "unauthorized")
    raise RowsError(401, MISSING_TOKEN if decision.refusal is Refusal.MISSING else BAD_TOKEN, "unauthorized")


async def _run(request: Request, backend: Backend, keyspace: str | None) -> Response:
    text = (await request.body()).decode("utf-8", "replace")
    if not text.strip():
        raise RowsError(400, MISSING_BODY, "bad_request")
    session = backend.engine.db.session
    if keyspace is not None and session.cluster.protocol_version < 5:
        raise RowsError(400, NEEDS_V5, "bad_request")
    statement = await _prepare(backend, session, text, keyspace)
    if statement.column_metadata:
        count = len(statement.column_metadata)
        raise RowsError(400, f"the statement has {count} bind marker(s): /v2/cql takes no values", "bad_request")
    params = request.query_params
    columns = _columns(session, statement)
    size = page_size(params.get("page-size"), backend.settings.max_cursor_page_size)
    identity = "cql:" + hashlib.sha256(f"{keyspace}\0{text}".encode()).hexdigest()[:32]
    token = params.get("page-state") or None
    state = backend.cursors.open(token, identity) if token else None
    width = RowWidth((name, cql_type or BLOB) for name, cql_type in columns)
    fetch = width.rows_for(backend.engine.max_page_bytes, cap=size) if columns else size
    bound = bind_checked(statement, ())
    consistency = backend.engine.consistency
    bound.consistency_level = consistency.read if columns else consistency.write
    try:
        page = await backend.engine.db.execute(bound, page_size=fetch, paging_state=state)
    except DatabaseError as exc:
        raise _refusal(exc.__cause__, exc) from None
    width.measure(page.rows)
    rows = _encoded(page.rows, columns, compact=compact_maps(request, backend))
    if flag(params.get("raw")):
        return Response(dumps(rows), media_type=JSON)
    body: dict[str, object] = {"count": len(rows)}
    if page.paging_state:
        body["pageState"] = backend.cursors.seal(page.paging_state, identity)
    body["data"] = rows
    return Response(dumps(body), media_type=JSON)


async def _prepare(backend: Backend, session: Any, text: str, keyspace: str | None) -> PreparedStatement:
    """A preparation in the rows API's budget (PREPARE_MISSES_PER_SECOND, its worker threads): it checks the
    statement and gives its result's column types."""
    budget = backend.engine.statements.budget
    budget.spend_prepare()

    def prepare() -> PreparedStatement:
        try:
            prepared: PreparedStatement = session.prepare(text, keyspace=keyspace)
        except Exception as exc:
            raise _refusal(exc, None) from None
        return prepared

    return await budget.run(prepare)


def _refusal(cause: BaseException | None, mapped: ServiceError | None) -> ServiceError:
    """Cassandra's refusal of the client's statement in Stargate's terms; anything else as the service maps it
    (a caller's missing permission is already `CallerUnauthorized`, Stargate's 401)."""
    if isinstance(cause, AlreadyExists):
        return RowsError(409, server_message(cause), "already_exists")
    if isinstance(cause, REFUSED):
        return RowsError(400, server_message(cause), "invalid_query")
    if mapped is not None:
        return mapped
    assert cause is not None
    return map_driver_error(cause)


def _columns(session: Any, statement: PreparedStatement) -> list[tuple[str, CqlType | None]]:
    """Each result column's name and type (None: a type the codecs do not know, e.g. a custom one, written as the
    driver gives it)."""
    found: list[tuple[str, CqlType | None]] = []
    keyspaces = session.cluster.metadata.keyspaces
    for keyspace, _, name, driver_type in statement.result_metadata or ():
        meta = keyspaces.get(keyspace)
        resolve = user_type_resolver(meta) if meta is not None else _no_types
        try:
            found.append((name, parse_type(driver_type.cql_parameterized_type(), resolve)))
        except ValueError:
            found.append((name, None))
    return found


def _no_types(name: str) -> Udt | None:
    return None


def _encoded(rows: list[dict[str, Any]], columns: list[tuple[str, CqlType | None]], *, compact: bool) -> list[Any]:
    """The rows with every value in Stargate's output form (the rows API's codecs)."""
    codecs: list[tuple[str, Encode]] = []
    for name, cql_type in columns:
        encode = encoder(cql_type, compact_maps=compact) if cql_type is not None else None
        if encode is not None:
            codecs.append((name, encode))
    for row in rows:
        for name, encode in codecs:
            if name in row:
                row[name] = encode(row[name])
    return rows
