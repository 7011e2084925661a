"""Moved to tests/support/processes.py (`start_server` is now `start_uvicorn`). These names stay only until the
integrator moves their last callers."""

from tests.support.processes import (
    PAGE_STATE_SECRET,
    ROOT,
    Server,
    free_port,
    service_env,
    stop_server,
    wait_until_answering,
)
from tests.support.processes import start_uvicorn as start_server

__all__ = [
    "PAGE_STATE_SECRET",
    "ROOT",
    "Server",
    "free_port",
    "service_env",
    "start_server",
    "stop_server",
    "wait_until_answering",
]
