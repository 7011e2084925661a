"""Stargate's auth API: `POST /v1/auth` (`{"username","password"}`) and `POST /v1/auth/token/generate`
(`{"key","secret"}`), also under Astra's prefix `/api/rest`, as `@astrajs/rest` posts there without an `authUrl`.

The credentials are checked by Cassandra itself: `login(credential, client)` logs in as that role afresh
(`login_with`: a new session in the pass-through session cache, replacing a cached one) and raises `LoginRefused`
when Cassandra refuses it. The answer is Stargate's: 201 `{"authToken": ...}`; 400 for a missing body or field; 401
with `Cache-Control: no-store` and "Failed to create token: ...". The token (`app.identity.issued`) carries the
credential sealed; no password is logged or kept.

Each login costs Cassandra a bcrypt, so logins are rate-limited as a new credential's are in the session cache, per
client address (IDENTITY_LOGINS_PER_ADDRESS_PER_SECOND) and for the process
(IDENTITY_LOGINS_PER_SECOND). Past either, the answer is 429 with `Retry-After` (whole seconds until the bucket
refills) in Stargate's body shape: Stargate's own auth API has no limit, so there is no Stargate answer to copy.

The Data API's `POST /v1/{keyspace}` meets `/v1/auth` when a keyspace is named `auth`: `body_kind` tells a login
body from a Data API command by its shape, for the router that serves both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import orjson
from cassandra import AuthenticationFailed
from cassandra.cluster import NoHostAvailable
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.db.identities import CredentialsRefused, Identities, LoginsShed
from app.encoding import dumps
from app.identity.credentials import MAX_NAME_BYTES, MAX_PASSWORD_BYTES, Credential
from app.identity.issued import IssuedTokens

MAX_BODY_BYTES = 16 * 1024
PREFIXES = ("", "/api/rest")
LOGIN_FIELDS = frozenset({"username", "password", "key", "secret"})
NO_STORE = {"Cache-Control": "no-store"}

Login = Callable[[Credential, str | None], Awaitable[None]]  # (credential, client address)


class LoginRefused(Exception):
    """Cassandra refused the credential; the message is Cassandra's reason, without the password."""


@dataclass(frozen=True, slots=True)
class AuthApi:
    """What the routes need: Cassandra's check of a credential, and the token codec."""

    login: Login
    tokens: IssuedTokens


def login_with(identities: Identities) -> Login:
    """/v1/auth's check of a credential: a fresh login as that role (never a cached session's word: the role may have
    been dropped since), kept in the identity cache for the token's use, and charged to the login limits."""

    async def login(credential: Credential, client: str | None) -> None:
        try:
            lease = await identities.session_for(credential, client=client, fresh=True)
        except CredentialsRefused as exc:
            raise LoginRefused(exc.detail) from None
        lease.release()

    return login


def body_kind(body: object) -> Literal["login", "command"]:
    """A Data API command is an object of one command name holding an object (`{"createTable": {...}}`); anything
    else posted to `/v1/auth` is a login attempt, answered (or refused) as Stargate would."""
    if isinstance(body, dict) and len(body) == 1:
        (name, value), *_ = body.items()
        if name not in LOGIN_FIELDS and isinstance(value, dict):
            return "command"
    return "login"


def refusal_reason(exc: BaseException) -> str | None:
    """Cassandra's reason when `exc` is a refused login (the driver's AuthenticationFailed, alone or as every
    host's error of a NoHostAvailable), without the node's address; None for any other failure."""
    if isinstance(exc, LoginRefused):
        return str(exc)
    errors: list[object] = [exc]
    if isinstance(exc, NoHostAvailable) and exc.errors:
        errors = list(exc.errors.values())
    if not all(isinstance(error, AuthenticationFailed) for error in errors):
        return None
    found = re.search(r'message="([^"]*)"', str(errors[0]))
    return found.group(1) if found else "the credentials were refused"


def routes(api: AuthApi | None = None) -> list[BaseRoute]:
    """The auth routes; without `api`, each request takes it from the lifespan state's `auth_api`."""
    found: list[BaseRoute] = []
    for prefix in PREFIXES:
        found.append(Route(prefix + "/v1/auth", _endpoint(api, "username", "password"), methods=["POST"]))
        found.append(Route(prefix + "/v1/auth/token/generate", _endpoint(api, "key", "secret"), methods=["POST"]))
    return found


def _endpoint(api: AuthApi | None, user_field: str, password_field: str) -> Callable[[Request], Awaitable[Response]]:
    async def create_token(request: Request) -> Response:
        auth: AuthApi = api or request.state.auth_api
        body = await _read_body(request)
        if isinstance(body, Response):
            return body
        if body is None:
            return _error(400, "Must provide a body to the request")
        user, password = body.get(user_field), body.get(password_field)
        if not isinstance(user, str) or not user:
            return _error(400, f"Must provide {user_field} in request")
        if not isinstance(password, str) or not password:
            return _error(400, f"Must provide {password_field} in request")
        if len(user.encode()) > MAX_NAME_BYTES or len(password.encode()) > MAX_PASSWORD_BYTES:
            return _error(400, f"{user_field} or {password_field} is too long")
        credential = Credential(user, SecretStr(password))
        try:
            await auth.login(credential, request.client.host if request.client else None)
        except LoginsShed as exc:  # other limits (shutting down, sessions still closing) are the app's 503
            wait = max(1, math.ceil(exc.retry_after))
            return _error(429, f"Failed to create token: {exc.detail}", {**NO_STORE, "Retry-After": str(wait)})
        except Exception as exc:
            reason = refusal_reason(exc)
            if reason is None:
                raise  # not a refusal (the database unreachable, a limit): the app's handlers answer it
            return _error(401, f"Failed to create token: {reason}", NO_STORE)
        token = auth.tokens.issue(credential)
        return Response(dumps({"authToken": token}), 201, NO_STORE, media_type="application/json")

    create_token.__name__ = "create_token" if user_field == "username" else "generate_token"
    return create_token


async def _read_body(request: Request) -> dict[str, object] | Response | None:
    """The JSON object posted, read up to MAX_BODY_BYTES; None when there is no body (or `null`)."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return _error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _error(400, "the body is not valid JSON")
    if body is None:
        return None
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object")
    return body


def _error(status: int, description: str, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps({"description": description, "code": status}), status, headers, "application/json")
