"""`/metrics` for Prometheus: a read like others (key needed with PROTECT_READS), or behind METRICS_KEY alone.

METRICS_ENABLED=false hides it. A scrape is answered from a rendering shared for METRICS_CACHE_SECONDS, and in
multiprocess mode (PROMETHEUS_MULTIPROC_DIR), where rendering reads every worker's files, it is rendered in a worker
thread: a flood of scrapes costs one rendering per METRICS_CACHE_SECONDS and never blocks the event loop on files.
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, HTTPException, Request
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from app.http.auth import MetricsAccess
from app.http.deps import SettingsDep
from app.metrics import exposition, multiprocess_mode
from app.singleflight import SharedResult

router = APIRouter(tags=["operations"])


async def render() -> bytes:
    if multiprocess_mode():
        return await anyio.to_thread.run_sync(exposition)
    return exposition()  # this process's registry only: a few milliseconds, cheaper than a thread hop


def _rendering_of(request: Request, ttl: float) -> SharedResult[bytes]:
    held = getattr(request.app.state, "metrics", None)
    if not isinstance(held, SharedResult):
        held = request.app.state.metrics = SharedResult(render, ttl=ttl)
    return held


@router.get("/metrics", include_in_schema=False, dependencies=[MetricsAccess])
async def read_metrics(request: Request, settings: SettingsDep) -> Response:
    """This process's metrics (or every worker's, with PROMETHEUS_MULTIPROC_DIR) in the Prometheus text format."""
    if not settings.metrics_enabled:
        raise HTTPException(404, "metrics are disabled (METRICS_ENABLED=false)")
    body = await _rendering_of(request, settings.metrics_cache_seconds).get()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
