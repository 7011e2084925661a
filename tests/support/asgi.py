"""Raw ASGI calls into the app, for what an HTTP client would tidy up or finish too soon: headers exactly as given,
and a response held open at its first body chunk so the request keeps its slot."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI
from starlette.routing import Match
from starlette.types import Scope


def http_scope(method: str, path: str, headers: list[tuple[bytes, bytes]], query: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"api.test"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("api.test", 80),
    }


async def raw_call(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request straight through the ASGI app, with headers exactly as given (no client tidies them up)."""
    messages: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await asyncio.wait_for(app(http_scope(method, path, headers), receive, send), 30)
    start = messages[0]
    content = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], dict(start["headers"]), content


class HeldResponse:
    """A raw ASGI GET whose `send` blocks at the first body chunk, so the request keeps its slot until released."""

    def __init__(self, app: Any, path: str, query: bytes = b"") -> None:
        self.messages: list[dict[str, Any]] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.task = asyncio.create_task(app(http_scope("GET", path, [], query), self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        await self.release.wait()
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.body":
            self.started.set()
            await self.release.wait()

    async def finish(self) -> None:
        self.release.set()
        await asyncio.wait_for(self.task, 30)


def routed(application: FastAPI, method: str, path: str) -> Any:
    """The route FastAPI's router picks: the first full match, in its order, opened into included routers."""
    scope: Scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    for route in application.router.routes:
        candidates = getattr(route, "effective_candidates", None)
        for candidate in candidates() if callable(candidates) else [route]:
            if candidate.matches(scope)[0] is Match.FULL:
                return candidate
    return None
