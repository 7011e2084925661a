"""`/docs` and `/redoc` work on a network without internet: every asset comes from the service, in a real browser.

The in-process checks read the pages' HTML. The browser checks load each page from a real uvicorn in Debian's
headless Chromium (installed with apt-get when missing; skipped, with the reason, only where it cannot be), wait
for the page's JavaScript to render every operation of /openapi.json, record every request the page made, and save
a screenshot in the test's directory (and in $DOCS_SCREENSHOT_DIR when set, e.g. bench/results).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.http.docs import ASSETS_URL, DOCS_PATHS, DOCS_URL, OPENAPI_URL, REDOC_URL
from tests.support.browser import Chromium
from tests.support.debian import debian_binary
from tests.support.processes import Server

# The rows API adds operations of its own; this one is the original sample's and stays.
SAMPLE_OPERATION = ("GET", "/plant/{genus}")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def operations(schema: dict[str, object]) -> set[tuple[str, str]]:
    paths = schema["paths"]
    assert isinstance(paths, dict)
    return {(method.upper(), path) for path, item in paths.items() for method in item if method in METHODS}


# ---- in-process: what the pages reference ---------------------------------------------------------------------


@pytest.mark.parametrize("page", [DOCS_URL, REDOC_URL])
async def test_the_page_references_only_the_services_own_urls(client: httpx.AsyncClient, page: str) -> None:
    html = (await client.get(page)).text
    assert not re.findall(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, re.I), html
    referenced = re.findall(r'(?:src|href|spec-url)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
    assert OPENAPI_URL in referenced
    assets = [url for url in referenced if url.startswith(f"{ASSETS_URL}/")]
    assert assets, referenced
    for url in referenced:
        assert url in DOCS_PATHS, f"{url} is not one of the docs paths exempt from admission control"
        response = await client.get(url)
        assert response.status_code == 200, url
        assert response.content


# ---- a real Chromium ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium_binary() -> str:
    binary, why = debian_binary("chromium", "chromium", "fonts-liberation")  # fonts: a readable screenshot
    if binary is None:
        pytest.skip(f"no headless Chromium can be had here: {why}")
    return binary


@pytest.fixture
def browser(chromium_binary: str, tmp_path: Path) -> Iterator[Chromium]:
    with Chromium.open(chromium_binary, tmp_path / "profile") as running:
        yield running


def keep(screenshot: Path) -> None:
    """Copy the screenshot where $DOCS_SCREENSHOT_DIR says (the repo's bench/results/ keeps the last one made)."""
    target = os.environ.get("DOCS_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(target) / screenshot.name)


def assert_everything_came_from(server: Server, browser: Chromium) -> None:
    browser.wait_for("document.readyState === 'complete'")
    browser.evaluate("1")  # drains the events that arrived meanwhile
    own = [url for url in browser.sent() if url.startswith(f"{server.url}/")]
    elsewhere = [url for url in browser.sent() if not url.startswith((f"{server.url}/", "data:", "blob:"))]
    assert not elsewhere, f"the page asked for these outside the service: {elsewhere}"
    assert not [url for url in browser.blocked if url.startswith(server.url)], browser.blocked
    shown = [url if len(url) < 100 else f"{url[:60]}..." for url in browser.sent()]
    print(f"\nrequests sent: {shown}\nrefused by the browser: {browser.blocked or 'none'}")
    assert f"{server.url}{OPENAPI_URL}" in own
    assert any(url.startswith(f"{server.url}{ASSETS_URL}/") for url in own), own
    assert not browser.failures, browser.failures
    # The only console errors allowed are the browser's refusals under the page's Content-Security-Policy: /redoc
    # refuses ReDoc's Redocly logo from its CDN (app/http/docs.py), which is why it was never sent.
    refusals = [error for error in browser.errors if error.startswith("security:") and "has been blocked" in error]
    assert [error for error in browser.errors if error not in refusals] == []


SWAGGER_OPERATIONS = """(() => {
  const found = [...document.querySelectorAll('#swagger-ui .opblock-summary')].map(summary => [
    summary.querySelector('.opblock-summary-method')?.textContent.trim(),
    summary.querySelector('.opblock-summary-path')?.getAttribute('data-path'),
  ]);
  return found.length ? found : null;
})()"""

REDOC_OPERATIONS = """(() => {
  const found = [...document.querySelectorAll('[data-section-id^="operation/"]')].map(section => section.textContent);
  return found.length ? found : null;
})()"""


def test_swagger_ui_renders_every_operation_from_the_service_alone(
    server: Server, browser: Chromium, tmp_path: Path
) -> None:
    expected = operations(httpx.get(f"{server.url}{OPENAPI_URL}", timeout=10).json())
    assert SAMPLE_OPERATION in expected
    browser.navigate(f"{server.url}{DOCS_URL}")
    rendered = browser.wait_for(SWAGGER_OPERATIONS)
    screenshot = browser.screenshot(tmp_path / "docs-offline.png")
    keep(screenshot)
    assert rendered, f"Swagger UI rendered no operation (screenshot: {screenshot})"
    assert {(method, path) for method, path in rendered} == expected
    title = browser.evaluate("document.querySelector('#swagger-ui .title')?.textContent")
    assert title and title.startswith("Cassandra sample API")
    assert_everything_came_from(server, browser)
    print(f"\n/docs: {len(rendered)} operations rendered, {len(browser.sent())} requests; screenshot {screenshot}")


def test_redoc_renders_every_operation_from_the_service_alone(
    server: Server, browser: Chromium, tmp_path: Path
) -> None:
    expected = operations(httpx.get(f"{server.url}{OPENAPI_URL}", timeout=10).json())
    browser.navigate(f"{server.url}{REDOC_URL}")
    rendered = browser.wait_for(REDOC_OPERATIONS)
    screenshot = browser.screenshot(tmp_path / "redoc-offline.png")
    keep(screenshot)
    assert rendered, f"ReDoc rendered no operation (screenshot: {screenshot})"
    assert len(rendered) == len(expected)
    method, path = SAMPLE_OPERATION
    assert any(method.lower() in text.lower() and path in text for text in rendered)
    assert_everything_came_from(server, browser)
    print(f"\n/redoc: {len(rendered)} operations rendered, {len(browser.sent())} requests; screenshot {screenshot}")
