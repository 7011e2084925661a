"""The app in-process with settings of its own, behind a client, with its rows engine in reach: for tests that
observe what the engine keeps (its catalog's refreshes, its key shapes) and what /metrics counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from prometheus_client import REGISTRY

from app.config import Settings
from app.main import create_app
from app.rows.engine import RowsEngine
from tests.support.app import client_for, hardened_settings, lifespan


@dataclass(frozen=True, slots=True)
class RowsApp:
    client: httpx.AsyncClient
    engine: RowsEngine


@asynccontextmanager
async def rows_app(base: Settings, **overrides: object) -> AsyncIterator[RowsApp]:
    """The app with `hardened_settings(base, **overrides)`: open reads, its own driver session and budget."""
    async with lifespan(create_app(hardened_settings(base, **overrides))) as manager:
        backend = manager._state["backend"]
        engine = getattr(backend, "engine", None) or backend.rows  # `Backend.rows` is being renamed `engine`
        async with client_for(manager.app) as client:
            yield RowsApp(client, engine)


def statements(result: str) -> float:
    """`app_rows_statements_total{result=...}` in this process: hit, miss (prepared now), refused or evicted."""
    return REGISTRY.get_sample_value("app_rows_statements_total", {"result": result}) or 0.0


def json_pages() -> float:
    """Driver pages fetched for the rows API's JSON pages in this process (`app_pages_fetched_total`)."""
    return REGISTRY.get_sample_value("app_pages_fetched_total", {"framing": "rows_page"}) or 0.0
