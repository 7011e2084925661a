"""Bulk ingest over HTTP: a POST of an NDJSON body under the rows API, read into an `app.rows.ingest.Ingest`.

The body limit and the server timeout let such a request through (`is_ingest`): it has no total size, and answers
only once its whole body is read, so it bounds its line length and each of its stages itself. What clients send
and get back is in docs/rows-api.md ("Bulk ingest").
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope

from app.encoding import dumps
from app.exceptions import RowsError
from app.http.admission import admit_stream
from app.http.audit import record_rows
from app.http.deps import Backend
from app.http.errors import error_headers, stargate_body
from app.routes.stargate.paths import ROWS_PREFIXES, RowsPath
from app.rows.batches import BatchLimits
from app.rows.catalog import Table
from app.rows.engine import WriteOptions
from app.rows.ingest import Ingest
from app.streaming import NDJSON_TYPES

log = logging.getLogger("app.rows.ingest")

_PREFIXES = tuple(prefix + "/" for prefix in ROWS_PREFIXES)
_MEDIA = frozenset(NDJSON_TYPES)


def is_ingest(scope: Scope) -> bool:
    """A POST of an NDJSON body under the rows API: what `create_row` hands to `ingest`, and what the body limit
    and the server timeout let through (both decisions are this one function, so they cannot disagree)."""
    if scope.get("method") != "POST" or not scope["path"].startswith(_PREFIXES):
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower().decode("latin-1") in _MEDIA
    return False


async def ingest(
    request: Request, backend: Backend, where: RowsPath, *, options: WriteOptions, compact_maps: bool
) -> Response:
    """The HTTP side: look up the table, take a stream slot, read the body into an `Ingest`, answer its report."""
    settings = backend.settings
    if options.if_not_exists:
        raise RowsError(
            400,
            "'ifNotExists' cannot be combined with an NDJSON body: use a single-row POST for a conditional insert",
            "bad_write_option",
        )
    table = await _prepared_table(request, backend, where)
    work = Ingest(
        backend.engine,
        table,
        options=options,
        compact_maps=compact_maps,
        max_line_bytes=settings.max_body_bytes,
        concurrency=settings.rows_ingest_concurrency,
        batches=BatchLimits.of(settings),
    )
    started = time.monotonic()
    outcome = await _read(request.receive, work, idle=settings.server_timeout)
    seconds = time.monotonic() - started
    report = work.report
    log.info(
        "ingest into %s: %s after %d lines in %.1f s: %d written, %d refused",
        table.qualified,
        outcome,
        report.lines,
        seconds,
        report.written,
        report.refused,
    )
    record_rows(request.scope, report.written, report.refused)  # for the audit line
    if work.failure is not None:
        failure = work.failure
        return _stopped(
            work,
            failure.status,
            failure.error,
            f"{failure.detail}: the ingest stopped; lines from {work.resume_from} on are not known to be written",
        )
    if outcome == "idle":
        return _stopped(
            work,
            408,
            "request_timeout",
            f"no part of the body arrived for {settings.server_timeout:g} s (SERVER_TIMEOUT): the ingest stopped at "
            f"line {work.resume_from}",
            close=True,
        )
    if outcome == "disconnected":
        return Response(status_code=499)  # nobody is left to read it; the access log says what happened
    return Response(dumps(report.body()), media_type="application/json")


async def _prepared_table(request: Request, backend: Backend, where: RowsPath) -> Table:
    """The table, its statements prepared and a stream slot taken, all within SERVER_TIMEOUT: the part of an ingest
    it would have covered (it does not cover the rest, see the module's docstring)."""
    seconds = backend.settings.server_timeout
    try:
        async with asyncio.timeout(seconds) as deadline:
            table = await backend.engine.catalog.table(where.keyspace, where.table)
            if table.is_counter_table:
                raise RowsError(
                    400, f"Table '{table.name}' has counter columns: write them with PUT or PATCH", "counter_table"
                )
            await backend.engine.shapes(table)  # prepared before the first line, not raced for by the first writers
            await admit_stream(request)
    except TimeoutError:
        if not deadline.expired():
            raise
        raise RowsError(504, f"the request took longer than {seconds:g} s (SERVER_TIMEOUT)", "server_timeout") from None
    return table


async def _read(receive: Receive, work: Ingest, *, idle: float) -> str:
    """Feed the body to `work` as it arrives; how it ended: "complete", "stopped", "idle" or "disconnected"."""
    try:
        while True:
            try:
                async with asyncio.timeout(idle):
                    message = await receive()
            except TimeoutError:
                await work.drain()
                return "idle"
            if message["type"] == "http.disconnect":
                await work.drain()
                return "disconnected"
            if not await work.feed(message.get("body", b"")):
                await work.drain()
                return "stopped"
            if not message.get("more_body", False):
                await work.finish()
                return "complete"
    except BaseException:
        work.cancel()  # the handler itself was cancelled (e.g. shutdown): no writer outlives it
        raise


def _stopped(work: Ingest, status: int, error: str, description: str, *, close: bool = False) -> Response:
    body = {**stargate_body(status, error, description), **work.report.body(), "resumeFromLine": work.resume_from}
    headers = error_headers(status, {"Connection": "close"} if close else None, error)
    return Response(dumps(body), status_code=status, headers=headers, media_type="application/json")
