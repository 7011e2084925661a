"""The structured fields of a logger's lines (`app.access`, `app.audit`), as the service logs them."""

from __future__ import annotations

import logging
from collections.abc import Iterator


class AccessLines(logging.Handler):
    """Every line's `fields`, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.fields.append(dict(getattr(record, "fields", {})))


def lines_of(name: str) -> Iterator[AccessLines]:
    """A fixture body: the lines of logger `name` while the test runs."""
    handler = AccessLines()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
