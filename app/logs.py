"""Structured logs: every `app.*` record as one JSON line on stderr, tagged with the request id it belongs to.

Configured from the lifespan (LOG_LEVEL), once the settings are known. The handler sits on the `app` logger and
records still propagate, so pytest's capture and any root handler an operator adds keep seeing them.
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from typing import Any

import orjson

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
LEVELS = {"trace": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR, "critical": logging.CRITICAL}


class JsonLines(logging.Formatter):
    """`{"ts", "level", "logger", "msg", ...fields}`; extra fields come from `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            doc.update(fields)
        current = request_id.get()
        if current is not None:
            doc.setdefault("request_id", current)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


class _AppHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours (configuring again replaces it), and writing to whatever `sys.stderr` is now (test capture swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str) -> None:
    logger = logging.getLogger("app")
    logger.setLevel(LEVELS.get(level.strip().lower(), logging.INFO))
    for handler in [h for h in logger.handlers if isinstance(h, _AppHandler)]:
        logger.removeHandler(handler)
    handler = _AppHandler()
    handler.setFormatter(JsonLines())
    logger.addHandler(handler)
