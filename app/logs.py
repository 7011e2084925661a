"""Structured logs: the app's, uvicorn's and the driver's records as one JSON line each on stderr, tagged with the
request id they belong to.

`configure_logging` is called where the settings are known: by `create_app` (so a plain `uvicorn app.main:app`
gets JSON too) and by `python -m app` before uvicorn starts. It replaces only handlers of its own, and records still
propagate from `app.*`, so pytest's capture and any root handler an operator adds keep seeing them.
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from typing import Any, TextIO

import orjson

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
TRACE = 5  # uvicorn's own level below DEBUG
LEVELS = {
    "trace": TRACE,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
# uvicorn's loggers do not propagate (its default config), so they get the handler themselves. Its access logger
# gets none: `app.access` writes one line per request, with its request id, and uvicorn's protocol writes its own
# only while that logger has a handler (it asks once per connection), so each request would be logged twice.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error")
UVICORN_ACCESS = "uvicorn.access"


class JsonLines(logging.Formatter):
    """`{"ts", "level", "logger", "msg", ...fields}`; extra fields come from `extra={"fields": {...}}`.

    With `full_tracebacks=False` an exception is its last line only (`ConnectionRefusedError: ...`): the driver
    logs every failed reconnection with its traceback, which says nothing an operator can act on."""

    def __init__(self, *, full_tracebacks: bool = True) -> None:
        super().__init__()
        self.full_tracebacks = full_tracebacks

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
            text = self.formatException(record.exc_info)
            doc["exc"] = text if self.full_tracebacks else text.rstrip().rsplit("\n", 1)[-1]
        return orjson.dumps(doc, default=str).decode()


class _JsonHandler(logging.StreamHandler[TextIO]):
    """Ours (configuring again replaces it), and writing to whatever `sys.stderr` is now (test capture swaps it)."""

    def __init__(self, *, full_tracebacks: bool = True) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(JsonLines(full_tracebacks=full_tracebacks))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class _RefusedStatements(logging.Filter):
    """The driver logs every statement Cassandra refuses at ERROR; the rows API answers those as the client's 400
    (a bad `where`, say), so one per bad request would let clients fill the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "cassandra.cluster" and record.msg == "Error preparing query:")


def _own(logger: logging.Logger, level: int, *, replace_all: bool, full_tracebacks: bool = True) -> None:
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if replace_all or isinstance(handler, _JsonHandler):
            logger.removeHandler(handler)
    logger.addHandler(_JsonHandler(full_tracebacks=full_tracebacks))


def configure_logging(level: str) -> None:
    """JSON lines for `app.*` and uvicorn's loggers at LOG_LEVEL; the driver's at WARNING, its exceptions as one line,
    unless debugging."""
    chosen = LEVELS[level]
    _own(logging.getLogger("app"), max(chosen, logging.DEBUG), replace_all=False)
    for name in UVICORN_LOGGERS:
        _own(logging.getLogger(name), chosen, replace_all=True)  # uvicorn's plain-text handlers go
        logging.getLogger(name).propagate = False
    access = logging.getLogger(UVICORN_ACCESS)
    for handler in list(access.handlers):
        access.removeHandler(handler)
    access.propagate = False
    debugging = chosen <= logging.DEBUG
    driver = logging.getLogger("cassandra")
    _own(driver, chosen if debugging else max(chosen, logging.WARNING), replace_all=False, full_tracebacks=debugging)
    driver.propagate = False
    for handler in driver.handlers:
        if not any(isinstance(f, _RefusedStatements) for f in handler.filters):
            handler.addFilter(_RefusedStatements())
