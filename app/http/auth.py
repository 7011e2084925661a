"""API keys: required for writes, and for reads too with PROTECT_READS. Health probes never ask for one.

A key comes as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Its SHA-256 digest is compared in constant time
against every configured key's (so the time taken says nothing about which key came close, nor how long the keys
are). No key, given or configured, is ever logged or echoed: the settings hold them as SecretStr, and the 401 says
only that the key was missing or wrong. With METRICS_KEY set, `/metrics` takes that key alone.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from app.config import Settings
from app.http.deps import SettingsDep

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}
HOW_TO_CONFIGURE = (
    "writes are disabled: no API keys are configured; set API_KEYS (comma-separated) and send one as "
    "'Authorization: Bearer <key>' or 'X-API-Key: <key>', or set ALLOW_ANONYMOUS_WRITES=true for a local demo"
)

# Declared as security schemes so /docs offers an Authorize button; they never fail on their own (auto_error=False).
bearer_scheme = HTTPBearer(auto_error=False, description="one of API_KEYS")
header_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="one of API_KEYS")


def key_matches(given: str, keys: list[SecretStr]) -> bool:
    """Constant-time comparison of digests against every key, with no early exit on a match.

    Comparing digests, not the keys, makes every comparison one of 32 bytes: `compare_digest` returns at once on a
    length mismatch, which would tell a client how long the keys are."""
    # Starlette decodes header bytes as latin-1: encoding back gives them as sent.
    presented = hashlib.sha256(given.encode("latin-1")).digest()
    found = False
    for key in keys:
        found |= hmac.compare_digest(presented, hashlib.sha256(key.get_secret_value().encode("utf-8")).digest())
    return found


def presented_key(request: Request) -> str | None:
    """The key a request carries: `Authorization: Bearer`, `X-API-Key`, or Stargate's `X-Cassandra-Token`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or request.headers.get("x-cassandra-token") or None


def check_key(request: Request, settings: Settings) -> None:
    """401 unless the request carries one of the configured keys."""
    given = presented_key(request)
    if given is None:
        raise HTTPException(
            401, "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'", headers=CHALLENGE
        )
    if not key_matches(given, settings.api_keys):
        raise HTTPException(401, "the API key is not valid", headers=CHALLENGE)


async def require_write_access(
    request: Request,
    settings: SettingsDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    _header: Annotated[str | None, Depends(header_scheme)],
) -> None:
    """Writes need a key; with no keys configured they are refused unless ALLOW_ANONYMOUS_WRITES is on."""
    if not settings.api_keys:
        if settings.allow_anonymous_writes:
            return
        raise HTTPException(403, HOW_TO_CONFIGURE)
    check_key(request, settings)


async def require_read_access(request: Request) -> None:
    """Reads are open unless PROTECT_READS is on (then they need a key, like writes).

    The settings come straight from the request's state, not through SettingsDep: every read pays for this
    dependency, and a nested one would cost as much again."""
    settings: Settings = request.state.backend.settings
    if not settings.protect_reads:
        return
    if not settings.api_keys:
        raise HTTPException(403, "PROTECT_READS is on but API_KEYS is empty: set API_KEYS (comma-separated)")
    check_key(request, settings)


async def require_metrics_access(request: Request) -> None:
    """METRICS_KEY when set (a scraper's own credential, good for nothing else); else the rules of a read."""
    settings: Settings = request.state.backend.settings
    if settings.metrics_key is None:
        await require_read_access(request)
        return
    given = presented_key(request)
    if given is None:
        raise HTTPException(401, "/metrics needs METRICS_KEY: send 'Authorization: Bearer <key>'", headers=CHALLENGE)
    if not key_matches(given, [settings.metrics_key]):
        raise HTTPException(401, "the metrics key is not valid", headers=CHALLENGE)


WriteAccess = Depends(require_write_access)
ReadAccess = Depends(require_read_access)
MetricsAccess = Depends(require_metrics_access)
