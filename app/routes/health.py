"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app import repository
from app.encoding import json_response
from app.http.deps import BackendDep
from app.models import ERROR_RESPONSES, ErrorBody

router = APIRouter(tags=["health"], responses=ERROR_RESPONSES)


@router.get("/healthz")
async def read_health() -> Response:
    """The process is up (says nothing about Cassandra)."""
    return json_response({"status": "ok"})


@router.get(
    "/readyz",
    responses={
        502: {"model": ErrorBody, "description": "Cassandra refuses the service's credentials or permissions"},
        503: {"model": ErrorBody, "description": "Cassandra unreachable"},
    },
)
async def read_ready(backend: BackendDep) -> Response:
    """A cheap query reached Cassandra; otherwise 503 (through the error mapping). 502 while Cassandra refuses the
    service's credentials or one of its statements to its role (`app.db.credentials`), even if the query works."""
    if (refused := backend.db.refusals.problem()) is not None:
        raise refused
    version = await repository.ping(backend.db, backend.statements)
    return json_response({"status": "ready", "cassandra": version})
