"""The local demo's Host check, LOOPBACK_HOSTS_ONLY (`--local-demo` turns it on when it serves on loopback): answer
only a request whose Host is localhost or a loopback address.

A service on loopback is still reachable from a browser through DNS rebinding: a page of evil.example whose name is
made to resolve to 127.0.0.1 talks to it, with `Host: evil.example`. Refusing every other Host stops that. The
refusal is a 421 (Misdirected Request) with a JSON body, from the outermost middleware: nothing else of the app
runs for it (nor logs it).
"""

from __future__ import annotations

import ipaddress

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.http.errors import send_error


def is_loopback_host(host: str) -> bool:
    """`localhost`, `127.x.y.z` or `[::1]`, with or without a port."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, _ = host[1:].partition("]")
        return bool(bracket) and _loopback_address(name)
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name.rstrip(".") == "localhost" or _loopback_address(name)


def _loopback_address(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


class LoopbackHostsOnly:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((value for name, value in scope["headers"] if name == b"host"), b"").decode("latin-1")
        if is_loopback_host(host):
            await self.app(scope, receive, send)
            return
        detail = (
            f"this service answers only Host: localhost or a loopback address (LOOPBACK_HOSTS_ONLY), not {host[:100]!r}"
        )
        await send_error(send, 421, "misdirected_request", detail, path=scope.get("path", ""))


def install_host_check(app: Starlette, settings: Settings) -> None:
    """With LOOPBACK_HOSTS_ONLY on, the check as the app's outermost middleware (before the first request)."""
    if settings.loopback_hosts_only:
        app.add_middleware(LoopbackHostsOnly)
