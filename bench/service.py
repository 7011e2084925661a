"""(a) This service, exactly as shipped, plus one read-only route the benchmark polls for the page counters."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response

from app.bridge import PAGES
from app.encoding import json_response
from app.main import create_app

app: FastAPI = create_app()


@app.get("/_bench/pages", include_in_schema=False)
async def read_page_counters() -> Response:
    """Pages the driver delivered and pages handed to the server: their difference is how far paging ran ahead."""
    return json_response({"fetched": PAGES.fetched, "streamed": PAGES.streamed})
