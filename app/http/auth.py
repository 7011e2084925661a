"""API keys: required for writes, and for reads too with PROTECT_READS. Health probes never ask for one.

The sample face's dependencies over the one access rule (`app.access`): a key comes as `Authorization: Bearer <key>`
or `X-API-Key: <key>`, and the 401 says only that it was missing or wrong. With METRICS_KEY set, `/metrics` takes
that key alone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from app.access import Decision, Refusal, decide, decide_metrics, presented_key
from app.config import Settings
from app.http.deps import SettingsDep
from app.http.principal import set_principal

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}
HOW_TO_CONFIGURE = (
    "writes are disabled: no API keys are configured; set API_KEYS (comma-separated) and send one as "
    "'Authorization: Bearer <key>' or 'X-API-Key: <key>', or set ALLOW_ANONYMOUS_WRITES=true for a local demo"
)
READS_NEED_KEYS = "PROTECT_READS is on but API_KEYS is empty: set API_KEYS (comma-separated)"

# Declared as security schemes so /docs offers an Authorize button; they never fail on their own (auto_error=False).
bearer_scheme = HTTPBearer(auto_error=False, description="one of API_KEYS")
header_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="one of API_KEYS")


def _refuse(decision: Decision, *, write: bool, metrics: bool = False) -> None:
    """The sample face's words for a refusal of `app.access.decide`."""
    if decision.allowed:
        return
    if decision.refusal is Refusal.NO_KEYS:
        raise HTTPException(403, HOW_TO_CONFIGURE if write else READS_NEED_KEYS)
    if decision.refusal is Refusal.SCOPE:
        raise HTTPException(403, decision.detail)
    if metrics:
        if decision.refusal is Refusal.MISSING:
            raise HTTPException(
                401, "/metrics needs METRICS_KEY: send 'Authorization: Bearer <key>'", headers=CHALLENGE
            )
        raise HTTPException(401, "the metrics key is not valid", headers=CHALLENGE)
    if decision.detail:  # an expired key
        raise HTTPException(401, decision.detail, headers=CHALLENGE)
    if decision.refusal is Refusal.MISSING:
        raise HTTPException(
            401, "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'", headers=CHALLENGE
        )
    raise HTTPException(401, "the API key is not valid", headers=CHALLENGE)


def _decided(request: Request, settings: Settings, *, write: bool) -> Decision:
    """The one access rule on the sample's own table (animals or plants, in KEYSPACE), for a scoped key; the
    principal goes into the request's scope, for the access line."""
    table = "plants" if request.url.path.startswith("/plant") else "animals"
    given = presented_key(request.headers)
    decision = decide(settings, given, write=write, keyspace=settings.keyspace, table=table)
    set_principal(request.scope, decision.principal)
    return decision


async def require_write_access(
    request: Request,
    settings: SettingsDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    _header: Annotated[str | None, Depends(header_scheme)],
) -> None:
    """Writes need a key; with no keys configured they are refused unless ALLOW_ANONYMOUS_WRITES is on."""
    _refuse(_decided(request, settings, write=True), write=True)


async def require_read_access(request: Request) -> None:
    """Reads are open unless PROTECT_READS is on (then they need a key, like writes).

    The settings come straight from the request's state, not through SettingsDep: every read pays for this
    dependency, and a nested one would cost as much again."""
    settings: Settings = request.state.backend.settings
    if not settings.protect_reads:
        return
    _refuse(_decided(request, settings, write=False), write=False)


async def require_metrics_access(request: Request) -> None:
    """METRICS_KEY when set (a scraper's own credential, good for nothing else); else the rules of a read."""
    settings: Settings = request.state.backend.settings
    metrics = settings.metrics_key is not None
    _refuse(decide_metrics(settings, presented_key(request.headers)), write=False, metrics=metrics)


WriteAccess = Depends(require_write_access)
ReadAccess = Depends(require_read_access)
MetricsAccess = Depends(require_metrics_access)
