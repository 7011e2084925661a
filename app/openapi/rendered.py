"""A finished OpenAPI document and its bytes: serialised once, and once per root path it is served behind.

Behind a path prefix (`--root-path`, a proxy's prefix) the document names that prefix in `servers`, as FastAPI's own
endpoint does. Serialising a large document is not free, so each root path's bytes are kept too, for the few root
paths a deployment has (at most `ROOT_PATHS`: the least recently used beyond them is forgotten, so a client that
could vary the root path cannot grow the cache). `render` is meant for a worker thread; `cached` for the loop.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import orjson

ROOT_PATHS = 8


class Rendered:
    def __init__(self, document: dict[str, Any], *, keep: int = ROOT_PATHS) -> None:
        self.document = document
        self.body = orjson.dumps(document)
        self._keep = keep
        self._by_root: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, root: str) -> bytes | None:
        """The bytes for this root path if they were rendered already (no serialisation: safe on the loop)."""
        with self._lock:  # held for a dict lookup only, never across a serialisation
            body = self._by_root.get(root)
            if body is not None:
                self._by_root.move_to_end(root)
            return body

    def render(self, root: str) -> bytes:
        """The bytes with `root` first in `servers`: serialised here (in a worker thread), then kept."""
        body = orjson.dumps({**self.document, "servers": [{"url": root}, *self.document.get("servers", [])]})
        with self._lock:
            self._by_root[root] = body
            self._by_root.move_to_end(root)
            while len(self._by_root) > self._keep:
                self._by_root.popitem(last=False)
        return body
