"""What `python -m app` gives uvicorn beyond its options: the guarded protocol, and draining on SIGTERM.

`ServiceConfig` is uvicorn's `Config` (pickled to each worker, as uvicorn does with its own) with one more step in
`load`, which uvicorn calls in every serving process once its signal handlers are in place: the SIGTERM and SIGINT
handlers get `app.server.signals.DeferredExit` in front of them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn

from app.server.protocol import GuardedHttpToolsProtocol
from app.server.signals import defer_exit_signals

PROTOCOL = GuardedHttpToolsProtocol


class ServiceConfig(uvicorn.Config):
    def __init__(self, app: str, *, pre_stop_delay: float = 0.0, **options: Any) -> None:
        super().__init__(app, **options)
        self.pre_stop_delay = pre_stop_delay

    def load(self) -> None:
        super().load()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # loaded outside a server (a test, a tool): no signals to take over
            return
        defer_exit_signals(loop, self.pre_stop_delay)
