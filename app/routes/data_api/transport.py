"""The Data API face's HTTP side: `POST /v1`, `/v1/{keyspace}`, `/v1/{keyspace}/{table}`, and the same under
Astra's `/api/json`. A JSON body of exactly one command, answered as the Data API answers: HTTP 200 with `data`,
`status` (`warnings` first) and `errors[]`, except a missing or refused token (401).

Who may call: in pass-through the token (`Token`, `token`, `X-Cassandra-Token`, or `Authorization: Bearer`) is the
caller's own credential, and every statement runs on their session (`app.http.caller`); in keys mode the one access
rule (`app.access.decide`) with the command's action on its keyspace and table.

`POST /v1/auth` is Stargate's login (`app.routes.auth`, pass-through only) and also a keyspace named `auth`: the
body decides (`app.routes.auth.body_kind`): a login object goes to the login, a command to the keyspace.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.access import Refusal, decide, presented_key
from app.encoding import dumps
from app.exceptions import ServiceError, Shed
from app.http.admission import admit_stream
from app.http.audit import audit_write, record_rows
from app.http.caller import Leased, TokenMissing, TokenRefused, open_lease
from app.http.deps import Backend
from app.http.principal import principal_of, set_principal
from app.http.timeout import allow_longer
from app.identity.issued import RENEWED_HEADER
from app.routes import auth
from app.routes.data_api import errors
from app.routes.data_api.command import Answer, Command, DataApiError, Level, Spec
from app.routes.data_api.read import stream
from app.routes.data_api.registry import COLLECTION_ONLY, commands
from app.rows.query import loads_strict
from app.streaming import NDJSON_TYPES, Framing, StreamLimits, count_pages, stream_pages

log = logging.getLogger("app.data_api")
PREFIXES = ("", "/api/json")
TOKEN_HEADER = "Token"
# How the Data API names the commands of each level in COMMAND_UNKNOWN (a table's are its "Collection Command"s).
COMMAND_TYPES = {"database": "General Command", "keyspace": "Keyspace Command", "table": "Collection Command"}
# What UNSUPPORTED_TABLE_COMMAND lists as the collections' commands (stargate/data-api v1.0.51).
COLLECTION_COMMANDS = (
    "countDocuments, deleteMany, deleteOne, estimatedDocumentCount, find, findAndRerank, findOne, findOneAndDelete, "
    "findOneAndReplace, findOneAndUpdate, insertMany, insertOne, updateMany, updateOne"
)


def routes() -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for prefix in PREFIXES:
        found.append(Route(prefix + "/v1", endpoint, methods=["POST"], name=f"data_api{prefix}_database"))
        found.append(Route(prefix + "/v1/{keyspace}", endpoint, methods=["POST"], name=f"data_api{prefix}_keyspace"))
        found.append(
            Route(prefix + "/v1/{keyspace}/{table}", endpoint, methods=["POST"], name=f"data_api{prefix}_table")
        )
    return found


def _json(answer: dict[str, Any], status: int = 200) -> Response:
    return Response(dumps(answer), status, media_type="application/json")


def refusal(exc: DataApiError) -> Response:
    return _json({"errors": [errors.error_json(exc)]}, exc.http_status)


async def endpoint(request: Request) -> Response | Leased:
    backend: Backend = request.state.backend
    keyspace = request.path_params.get("keyspace")
    raw = await request.body()
    if keyspace == "auth" and request.url.path == "/v1/auth" and _login_body(raw, backend):
        if getattr(request.state, "auth_api", None) is None:
            raise HTTPException(404)  # keys mode serves no login: /v1/auth is not found, as before this face
        return await _login(request)
    if backend.identities is None:
        return await _serve(request, backend, raw)
    try:
        lease, renewed = await open_lease(request, backend)
    except TokenMissing:
        return refusal(errors.error("MISSING_AUTHENTICATION_TOKEN", "SECURITY", authHeader=TOKEN_HEADER))
    except TokenRefused as exc:
        log.info("data api: token refused: %s", exc)
        return refusal(errors.error("UNAUTHENTICATED_REQUEST", "SECURITY"))
    try:
        response = await _serve(request, backend.as_caller(lease.session), raw)
    except BaseException:
        lease.release()
        raise
    if renewed is not None:
        response.headers[RENEWED_HEADER] = renewed
    return Leased(response, lease)


def _login_body(raw: bytes, backend: Backend) -> bool:
    try:
        body = loads_strict(raw.decode("utf-8"), max_number_digits=backend.settings.max_number_digits)
    except (ValueError, RecursionError):
        return True  # not a command either: Stargate's login answers it (400)
    return body is None or auth.body_kind(body) == "login"


async def _login(request: Request) -> Response:
    login = next(r for r in auth.routes() if isinstance(r, Route) and r.path == "/v1/auth")
    response: Response = await login.endpoint(request)
    return response


async def _serve(request: Request, backend: Backend, raw: bytes) -> Response:
    params = request.path_params
    keyspace, table = params.get("keyspace"), params.get("table")
    level: Level = "table" if table is not None else "keyspace" if keyspace is not None else "database"
    try:
        name, body = _command(raw, backend)
        spec = _spec(name, level, keyspace, table)
        _authorize(request, backend, spec, body, keyspace, table)
    except DataApiError as exc:
        return refusal(exc)
    command = Command(name, body, backend, keyspace, table, principal_of(request.scope) or "anonymous")
    if spec.action == "admin":  # a schema change: its own bound, not SERVER_TIMEOUT (ddl_run)
        allow_longer(request.scope, backend.settings.schema_change_timeout_seconds + 1)
    if name == "find" and any(kind in request.headers.get("accept", "") for kind in NDJSON_TYPES):
        return await _stream(request, command)
    answer, failures = await _run(spec, command)
    if answer.rows is not None:
        record_rows(request.scope, *answer.rows)
    if spec.action == "write":  # a schema change has its own line, naming the command (ddl_run.audit)
        audit_write(request.scope, keyspace=keyspace, table=table, status=400 if failures else 200, operation=name)
    # A SECURITY refusal (UNAUTHORIZED_ACCESS) keeps the HTTP status its errors.yaml entry overrides: 401.
    return _json(_body(answer, failures), next((f.http_status for f in failures if f.http_status != 200), 200))


def _command(raw: bytes, backend: Backend) -> tuple[str, dict[str, Any]]:
    """The one command of a body, bounded (the body limit) and parsed strictly (numbers keep every digit)."""
    try:
        body = parse_body(raw, backend.settings.max_number_digits)
    except RecursionError:
        raise errors.error("REQUEST_NOT_JSON", errorMessage="nested too deeply") from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise errors.error("REQUEST_NOT_JSON", errorMessage=str(exc)[:200]) from None
    if not isinstance(body, dict) or len(body) != 1:
        found = f"{len(body)} fields" if isinstance(body, dict) else type(body).__name__
        raise errors.error("REQUEST_STRUCTURE_MISMATCH", errorMessage=f"expected one command object, got {found}")
    ((name, options),) = body.items()
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise errors.error("REQUEST_STRUCTURE_MISMATCH", errorMessage=f"the command '{name}' must hold an object")
    return name, options


def parse_body(raw: bytes, max_number_digits: int) -> Any:
    """The body as the strict parse reads it. orjson's answer when it holds no float (orjson reads a decimal, and an
    integer beyond 64 bits, as a float; every other value exactly as the strict parse does, the last duplicate key
    winning too): a quarter of the strict parse's cost. Anything else, and every refusal, is the strict parse's."""
    try:
        found = orjson.loads(raw)
        if _exact(found):
            return found
    except (orjson.JSONDecodeError, RecursionError):
        pass
    return loads_strict(raw.decode("utf-8"), last_duplicate_wins=True, max_number_digits=max_number_digits)


def _exact(value: object) -> bool:
    """No float anywhere (MAX_NUMBER_DIGITS is at least 40: a 64-bit integer is within it)."""
    if type(value) is dict:
        return all(_exact(item) for item in value.values())
    if type(value) is list:
        return all(_exact(item) for item in value)
    return type(value) is not float


def _spec(name: str, level: Level, keyspace: str | None, table: str | None) -> Spec:
    served = commands()
    spec = served.get(name)
    if spec is not None and spec.level == level:
        return spec
    if level == "table" and name in COLLECTION_ONLY:
        raise errors.error(
            "UNSUPPORTED_TABLE_COMMAND",
            tableCommands=", ".join(sorted(n for n, s in served.items() if s.level == "table")),
            collectionCommands=COLLECTION_COMMANDS,
            keyspace=keyspace or "",
            table=table or "",
            unsupportedCommand=name,
        )
    known = sorted(n for n, s in served.items() if s.level == level)
    raise errors.error(
        "COMMAND_UNKNOWN", command=name, commandType=COMMAND_TYPES[level], knownCommands=f"[{', '.join(known)}]"
    )


def _authorize(
    request: Request, backend: Backend, spec: Spec, body: dict[str, Any], keyspace: str | None, table: str | None
) -> None:
    """Keys mode: the one access rule, with the command's action (pass-through: Cassandra decides)."""
    if backend.identities is not None:
        return
    action = spec.action_for(body) if spec.action_for is not None else spec.action
    given = presented_key(request.headers) or request.headers.get("token") or None
    decision = decide(backend.settings, given, action=action, keyspace=keyspace, table=table)
    set_principal(request.scope, decision.principal)
    if decision.refusal is None:
        return
    if decision.refusal is Refusal.MISSING:
        raise errors.error("MISSING_AUTHENTICATION_TOKEN", "SECURITY", authHeader=TOKEN_HEADER)
    if decision.refusal is Refusal.INVALID and not decision.detail:
        raise errors.error("UNAUTHENTICATED_REQUEST", "SECURITY")
    refused = errors.error("UNAUTHORIZED_ACCESS", "SECURITY", keyspace=keyspace or "*", table=table or "*")
    if decision.detail:
        refused.message += f"\n\n{decision.detail}"
    raise refused


async def _stream(request: Request, command: Command) -> Response:
    """`find` as NDJSON (an extension): every matching row, one document a line, with the rows API's backpressure,
    idle bound and error line (`app.streaming`); a refusal before the first row is the usual JSON answer."""
    media = next((kind for kind in NDJSON_TYPES if kind in request.headers.get("accept", "")), NDJSON_TYPES[0])
    try:
        pages = await stream(command)
        await admit_stream(request)
        limits = StreamLimits.of(command.backend.settings)
        return await stream_pages(count_pages(pages, Framing.NDJSON), Framing.NDJSON, media, limits=limits)
    except DataApiError as exc:
        return _json(_body(Answer(), [exc]))
    except ServiceError as exc:
        if isinstance(exc, Shed):
            raise  # no stream slot: the edge's 503 with Retry-After
        return _json(_body(Answer(), [errors.from_service_error(exc, command.keyspace, command.table)]))


async def _run(spec: Spec, command: Command) -> tuple[Answer, list[DataApiError]]:
    """The handler's answer, and every refusal as an `errors[]` entry: never a 500."""
    try:
        answer = await spec.handler(command)
    except DataApiError as exc:
        return Answer(), [exc]
    except ServiceError as exc:
        return Answer(), [errors.from_service_error(exc, command.keyspace, command.table)]
    return answer, answer.errors


def _body(answer: Answer, failures: list[DataApiError]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if answer.data is not None:
        body["data"] = answer.data
    status: dict[str, Any] = {}
    if answer.warnings:
        status["warnings"] = [errors.warning_json(w) for w in answer.warnings]
    status.update(answer.status or {})
    if status:
        body["status"] = status
    if failures:
        body["errors"] = [errors.error_json(f) for f in failures]
    return body
