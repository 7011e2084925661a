"""Liveness and readiness probes.

`/readyz` is anonymous and never queued or shed, so it must not cost Cassandra a query per hit: its answer comes
from one check shared by every probe for READINESS_CACHE_SECONDS, and probes that arrive while a check is running
wait for that check instead of starting their own. A flood of probes thus sends Cassandra at most one query per
READINESS_CACHE_SECONDS (and takes at most one of MAX_IN_FLIGHT). Once the process has been told to stop, it answers
503 at once, without asking Cassandra (`app.server.signals`).

Being anonymous, it says "ready" and no more: Cassandra's release version helps an attacker pick an exploit, so it
is added only for a caller that presents one of API_KEYS or the METRICS_KEY (an operator or a scraper).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from starlette.responses import Response

from app import repository
from app.access import key_matches, presented_key
from app.config import Settings
from app.encoding import json_response
from app.exceptions import DatabaseError
from app.http.deps import Backend, BackendDep
from app.http.errors import error_response
from app.metrics import READINESS_QUERIES
from app.models import ERROR_RESPONSES, ErrorBody
from app.server.signals import draining
from app.singleflight import SharedResult

log = logging.getLogger("app.health")
router = APIRouter(tags=["health"], responses=ERROR_RESPONSES)

Outcome = str | DatabaseError  # Cassandra's release version, or why it could not be reached


def _check_of(request: Request, backend: Backend) -> SharedResult[Outcome]:
    """The app's shared check, made for this backend (a new lifespan makes a new backend, and a new check)."""
    held = getattr(request.app.state, "readiness", None)
    if isinstance(held, tuple) and held[0] is backend:
        check: SharedResult[Outcome] = held[1]
    else:

        async def ping() -> Outcome:
            try:
                version = await repository.ping(backend.db, backend.statements)
            except DatabaseError as exc:
                READINESS_QUERIES.labels("failed").inc()
                log.warning("not ready: %s", exc.detail)  # once per check, not once per probe
                return exc
            READINESS_QUERIES.labels("ready").inc()
            return version

        check = SharedResult(ping, ttl=backend.settings.readiness_cache_seconds)
        request.app.state.readiness = (backend, check)
    return check


def may_see_version(settings: Settings, request: Request) -> bool:
    """A caller with a key of ours (an API key or the metrics key), whatever PROTECT_READS says."""
    given = presented_key(request.headers)
    keys = [*settings.api_keys, *([settings.metrics_key] if settings.metrics_key is not None else [])]
    return given is not None and bool(keys) and key_matches(given, keys)


@router.get("/healthz")
async def read_health() -> Response:
    """The process is up (says nothing about Cassandra)."""
    return json_response({"status": "ok"})


@router.get(
    "/readyz",
    responses={
        502: {"model": ErrorBody, "description": "Cassandra refuses the service's credentials or permissions"},
        503: {"model": ErrorBody, "description": "Cassandra unreachable, or the service is stopping"},
    },
)
async def read_ready(request: Request, backend: BackendDep) -> Response:
    """Cassandra answered a cheap query within the last READINESS_CACHE_SECONDS; otherwise 503. 502 while Cassandra
    refuses the service's credentials or one of its statements to its role (`app.db.credentials`), even if the query
    works: that is checked first, and costs no query. Cassandra's version only to a caller with a key."""
    if (refused := backend.db.refusals.problem()) is not None:
        raise refused
    if draining():
        return error_response(503, "shutting_down", "the service is stopping: send new requests elsewhere")
    outcome = await _check_of(request, backend).get()
    if isinstance(outcome, DatabaseError):
        return error_response(outcome.status, outcome.error, outcome.detail)
    if may_see_version(backend.settings, request):
        return json_response({"status": "ready", "cassandra": outcome})
    return json_response({"status": "ready"})
