"""Process code, as uvicorn lays it out: what `python -m app` runs around the ASGI app, one module per concern.

    config.py      ServiceConfig: uvicorn's Config, plus the deferred exit in every serving process
    protocol.py    GuardedHttpToolsProtocol: header deadline, connection cap, resets
    signals.py     SIGTERM/SIGINT: draining (/readyz 503) now, uvicorn's shutdown after PRE_STOP_DELAY
    supervisor.py  the worker supervisor, the descriptor limit, the cursor secret shared by workers
    local_demo.py  `--local-demo`: anonymous writes for the local node only

Nothing here is imported by the request path except `ABORT_KEY` (protocol.py) and `draining` (signals.py).
"""
