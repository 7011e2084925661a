"""A real headless Chromium (Debian's `chromium`) driven over the DevTools protocol, for pages that run JavaScript.

Debian's package is installed on first use (`debian_binary("chromium", "chromium")`, tests/support/debian.py).
`Chromium.open` starts the browser with one tab and records every request the page makes, refuses or fails; it
evaluates expressions in the page and takes screenshots.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.support.processes import stop_process


@dataclass
class Chromium:
    """One headless browser with one tab, and the requests that tab made."""

    process: subprocess.Popen[bytes]
    socket: ClientConnection
    session: str
    requests: dict[str, str] = field(default_factory=dict)  # request id: URL, every request the tab began
    blocked: dict[str, str] = field(default_factory=dict)  # URL: why the browser refused to send it (e.g. "csp")
    failures: list[str] = field(default_factory=list)  # requests sent that failed
    errors: list[str] = field(default_factory=list)  # script exceptions and console errors
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    @contextmanager
    def open(cls, binary: str, profile: Path, *, width: int = 1280, height: int = 1600) -> Iterator[Chromium]:
        """The browser, attached to a blank tab that reports its network, console and script events; then closed."""
        process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",  # root in CI, and no user namespaces in containers
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--window-size={width},{height}",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",  # the port chosen is written to DevToolsActivePort
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            active = profile / "DevToolsActivePort"
            deadline = time.monotonic() + 60
            while not (active.exists() and len(active.read_text().split()) == 2):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chromium did not open its DevTools port (exit status {process.poll()})")
                time.sleep(0.1)
            port, path = active.read_text().split()
            with connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30) as socket:
                browser = cls(process, socket, session="")
                target = browser.call("Target.createTarget", url="about:blank")["targetId"]
                browser.session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
                for domain in ("Network", "Page", "Runtime", "Log"):
                    browser.call(f"{domain}.enable")
                yield browser
        finally:
            stop_process(process, 10)

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        """Send one command (to the tab, once attached) and return its result; events met meanwhile are recorded."""
        ident = next(self._ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.socket.recv(timeout=max(0.01, deadline - time.monotonic())))
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self._record(reply)

    def _record(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed":
            url = self.requests.get(params["requestId"], "?")
            if params.get("blockedReason"):
                self.blocked[url] = params["blockedReason"]
            else:
                self.failures.append(f"{url}: {params.get('errorText')}")
        elif method == "Runtime.exceptionThrown":
            self.errors.append(str(params.get("exceptionDetails", {}).get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"{entry.get('source')}: {entry.get('text')} ({entry.get('url')})")

    def sent(self) -> list[str]:
        """The URLs of the requests the browser did send (the blocked ones never left it)."""
        return [url for url in self.requests.values() if url not in self.blocked]

    def navigate(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60) -> Any:
        """Evaluate `expression` until it is truthy (the page's scripts have rendered); its last value either way."""
        deadline = time.monotonic() + timeout
        value = self.evaluate(expression)
        while not value and time.monotonic() < deadline:
            time.sleep(0.2)
            value = self.evaluate(expression)
        return value

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path
