"""`/metrics` for Prometheus: a read like others (key needed with PROTECT_READS); METRICS_ENABLED=false hides it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from app.http.auth import ReadAccess
from app.http.deps import SettingsDep
from app.metrics import exposition

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False, dependencies=[ReadAccess])
async def read_metrics(settings: SettingsDep) -> Response:
    """This process's metrics (or every worker's, with PROMETHEUS_MULTIPROC_DIR) in the Prometheus text format."""
    if not settings.metrics_enabled:
        raise HTTPException(404, "metrics are disabled (METRICS_ENABLED=false)")
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
