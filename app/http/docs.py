"""`/docs` (Swagger UI) and `/redoc` (ReDoc) with every asset served by the service itself: no CDN, no fonts host.

A service in front of a database usually runs on a private network, where FastAPI's default pages (scripts and
styles from a CDN) render blank. fastapi-offline ships Swagger UI 5 and ReDoc 2 in its wheel and mounts them under
`ASSETS_URL`; it serves /docs. /redoc is rendered here from the same assets, without Google Fonts, and with a
Content-Security-Policy that keeps images on the service: ReDoc's menu always asks its CDN for the Redocly logo
(an image that hides itself when it cannot load), and the policy stops the browser from asking at all.
`tests/test_docs_browser.py` loads both pages in a real Chromium and checks that no request left the service.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse
from fastapi_offline import FastAPIOffline

DOCS_URL, REDOC_URL, OPENAPI_URL = "/docs", "/redoc", "/openapi.json"
OAUTH2_REDIRECT_URL = f"{DOCS_URL}/oauth2-redirect"
ASSETS_URL = f"{DOCS_URL}/assets"
REDOC_POLICY = "img-src 'self' data:"
# The pages, the schema and each asset file: every path the docs pages load (all under admission control).
DOCS_PATHS = (
    DOCS_URL,
    OAUTH2_REDIRECT_URL,
    REDOC_URL,
    OPENAPI_URL,
    *sorted(f"{ASSETS_URL}/{asset.name}" for asset in (files("fastapi_offline") / "static").iterdir()),
)


def fastapi_with_offline_docs(**kwargs: Any) -> FastAPI:
    """`FastAPI(**kwargs)` whose docs pages load their scripts, styles, images and favicon from the service."""
    app = FastAPIOffline(docs_url=DOCS_URL, redoc_url=None, openapi_url=OPENAPI_URL, static_url=ASSETS_URL, **kwargs)

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}{OPENAPI_URL}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = REDOC_POLICY
        return page

    return app
