"""Bulk ingest, the part without HTTP: lines of NDJSON in, one insert per line out (the HTTP side, `POST
/v2/keyspaces/{keyspace}/{table}` with an NDJSON body, is `app.routes.stargate.ingest`).

Stargate never had it; its users asked for it (stargate/stargate#821, #1056). Every line is an insert exactly as a
single-row POST makes it (`RowsEngine.bound_insert`); the lines of one chunk of the body are sent by partition, each
partition's rows as one UNLOGGED batch (`app.rows.batches`: a batch Cassandra refuses is retried row by row, so a
bad line is still refused alone), at most ROWS_INGEST_CONCURRENCY batches in flight. Memory does not grow with the
body: only the unfinished part of a line and the rows of one chunk are kept between chunks, and the writes in flight
and the list of errors are bounded. A row counts as written only once Cassandra acknowledged it. When the ingest
cannot go on (the database failed, the client went quiet) it stops reading, lets the writes in flight settle, and
says where to resume. What clients send and get back is in docs/rows-api.md ("Bulk ingest").
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from dataclasses import dataclass, field

from cassandra.query import PreparedStatement

from app.exceptions import CallerUnauthorized, DatabaseError, RowsError, ServiceError
from app.rows.batches import BatchLimits, Pending, RowKeys, plan, write
from app.rows.catalog import Table
from app.rows.engine import RowsEngine, WriteOptions
from app.rows.query import loads_strict

log = logging.getLogger("app.rows.ingest")

MAX_ERRORS = 1000  # refused lines listed in one answer (the lowest-numbered ones); the rest are only counted
FLUSH_ROWS = 1000  # rows bound and not yet sent, at most, before they are planned into batches and sent
MAX_DESCRIPTION = 500  # characters of one refusal's description: a bad value's text could be MAX_BODY_BYTES long
BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class Report:
    """What became of the lines so far."""

    lines: int = 0
    written: int = 0
    refused: int = 0
    blank: int = 0
    # The MAX_ERRORS lowest-numbered refusals, as a max-heap on the line number: (-line, entry).
    _errors: list[tuple[int, dict[str, object]]] = field(default_factory=list)

    def refuse(self, line: int, code: int, error: str, description: str) -> None:
        self.refused += 1
        if len(description) > MAX_DESCRIPTION:
            description = description[: MAX_DESCRIPTION - 1] + "…"
        entry: dict[str, object] = {"line": line, "code": code, "error": error, "description": description}
        if len(self._errors) < MAX_ERRORS:
            heapq.heappush(self._errors, (-line, entry))
        elif line < -self._errors[0][0]:
            heapq.heapreplace(self._errors, (-line, entry))

    @property
    def errors(self) -> list[dict[str, object]]:
        return [entry for _, entry in sorted(self._errors, key=lambda item: -item[0])]

    def body(self) -> dict[str, object]:
        errors = self.errors
        return {
            "written": self.written,
            "refused": self.refused,
            "blank": self.blank,
            "lines": self.lines,
            "errors": errors,
            "errorsTruncated": self.refused > len(errors),
        }


class Ingest:
    """Lines in, inserts out: `feed` each chunk of the body in order, then `finish`; `drain` after stopping early.

    No HTTP here: the caller reads the body and answers."""

    def __init__(
        self,
        engine: RowsEngine,
        table: Table,
        *,
        options: WriteOptions,
        compact_maps: bool,
        max_line_bytes: int,
        concurrency: int,
        batches: BatchLimits | None = None,
    ) -> None:
        self.engine = engine
        self.table = table
        self.options = options
        self.compact_maps = compact_maps
        self.max_line_bytes = max_line_bytes
        self.report = Report()
        self.failure: DatabaseError | CallerUnauthorized | None = None  # the first database failure: the ingest stops
        self.line = 1  # the number of the line being read
        self._first_failed: int | None = None
        self._partial = bytearray()  # the start of line `self.line`, when a chunk ended inside it
        self._skipping = False  # line `self.line` is too long: refused already, its bytes are dropped
        self._started = False
        self._slots = asyncio.Semaphore(concurrency)
        self._pending: set[asyncio.Task[None]] = set()
        limits = batches or BatchLimits()
        # A batch holds at most what one line may (MAX_BODY_BYTES): the memory bound of ingests in flight holds.
        self.batches = BatchLimits(limits.rows, min(limits.bytes, max_line_bytes))
        self._bound: list[Pending] = []  # lines bound, not yet sent (numbered by their line)
        self._keys: dict[PreparedStatement, RowKeys] = {}
        self._unexpected_logged = False

    @property
    def resume_from(self) -> int:
        """The first line not known to be settled (written, or refused): a client resends from here."""
        return self._first_failed if self._first_failed is not None else self.line

    async def feed(self, chunk: bytes) -> bool:
        """Take the next chunk of the body; False once the ingest must stop (the database failed)."""
        if self.failure is not None:
            return False
        if not self._started:
            self._started = True
            if chunk.startswith(BOM):
                chunk = chunk[len(BOM) :]
        pieces = chunk.split(b"\n")
        tail = pieces.pop()  # after the last newline: the start of a line that goes on in the next chunk
        limit = self.max_line_bytes
        for piece in pieces:
            if self._skipping:
                self._skipping = False
            else:
                if self._partial:
                    self._partial += piece
                    piece = bytes(self._partial)
                    self._partial.clear()
                if len(piece) > limit:
                    self._too_long()
                elif not await self._line(piece):
                    return False
            self.report.lines += 1
            self.line += 1
            if len(self._bound) >= FLUSH_ROWS and not await self._flush():
                return False
        if tail and not self._skipping:
            if len(self._partial) + len(tail) > limit:
                self._too_long()
                self._skipping = True
                self._partial.clear()
            else:
                self._partial += tail
        return await self._flush()

    async def finish(self) -> None:
        """The body ended: the last line (which needs no newline), then every write settles."""
        if self._skipping or self._partial:
            if not self._skipping:
                await self._line(bytes(self._partial))
                self._partial.clear()
            self.report.lines += 1
            self.line += 1
        await self._flush()
        await self.drain()

    async def drain(self) -> None:
        """Wait for every write in flight; each is bounded by REQUEST_TIMEOUT, and none raises."""
        while self._pending:
            await asyncio.gather(*self._pending)

    def cancel(self) -> None:
        """Cancel the writes in flight: what they did is not counted any more."""
        for task in list(self._pending):
            task.cancel()

    def _too_long(self) -> None:
        self.report.refuse(
            self.line,
            413,
            "line_too_long",
            f"the line is longer than {self.max_line_bytes} bytes (MAX_BODY_BYTES): skipped",
        )

    async def _line(self, raw: bytes) -> bool:
        """One complete line (without its newline): skipped, refused, or handed to a writer. False: stop."""
        if not raw or raw.isspace():
            self.report.blank += 1
            return True
        try:
            row = loads_strict(raw.decode("utf-8"), max_number_digits=self.engine.limits.max_number_digits)
        except UnicodeDecodeError as exc:
            self.report.refuse(self.line, 400, "bad_json", f"Invalid JSON payload: the line is not UTF-8 ({exc})")
            return True
        except (ValueError, RecursionError) as exc:
            self.report.refuse(self.line, 400, "bad_json", f"Invalid JSON payload: {exc}")
            return True
        if not isinstance(row, dict):
            problem = f"a line must be a JSON object, not {type(row).__name__}"
            self.report.refuse(self.line, 400, "bad_json", f"Invalid path for row to create, problem: {problem}")
            return True
        try:
            bound = await self.engine.bound_insert(
                self.table, row, compact_maps=self.compact_maps, options=self.options
            )
        except RowsError as exc:  # this line's own problem: a bad value, a missing key
            self.report.refuse(self.line, exc.status, exc.error, exc.description)
            return True
        except (DatabaseError, CallerUnauthorized) as exc:  # preparing a statement failed: the ingest stops
            self._stop(self.line, exc)
            return False
        except Exception:
            self._unexpected(self.line)
            return True
        prepared = bound.prepared_statement
        keys = self._keys.get(prepared) or self._keys.setdefault(prepared, RowKeys.of(self.table, prepared))
        self._bound.append(Pending.of(self.line, bound, keys))
        return True

    async def _flush(self) -> bool:
        """Send the rows bound so far, a batch per partition, each batch once a slot is free. False: stop."""
        rows, self._bound = self._bound, []
        groups = plan(rows, self.batches, ordered=False)
        for n, group in enumerate(groups):
            await self._slots.acquire()
            if self.failure is not None:
                self._slots.release()
                # Never sent: the ingest resumes from the first of them at the latest.
                first = min(row.number for later in groups[n:] for row in later)
                self._first_failed = first if self._first_failed is None else min(first, self._first_failed)
                return False
            task = asyncio.get_running_loop().create_task(self._write(group))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        return True

    def _stop(self, line: int, exc: DatabaseError | CallerUnauthorized) -> None:
        if self._first_failed is None or line < self._first_failed:
            self._first_failed = line
        if self.failure is None:
            self.failure = exc

    def _unexpected(self, line: int) -> None:
        """Not a database failure (those all arrive as DatabaseError): this line failed before it was sent, e.g. a
        value the driver could not serialise. Refused, logged once per ingest."""
        if not self._unexpected_logged:
            self._unexpected_logged = True
            log.exception("ingest into %s: line %d failed unexpectedly", self.table.qualified, line)
        self.report.refuse(line, 500, "internal_error", "an unexpected error occurred writing this line")

    async def _write(self, group: list[Pending]) -> None:
        try:
            outcomes = await write(self.engine, group, ordered=False)
        except Exception:
            for row in group:
                self._unexpected(row.number)
            return
        finally:
            self._slots.release()
        for row, outcome in zip(group, outcomes, strict=True):
            if outcome is None:
                self.report.written += 1
            elif isinstance(outcome, RowsError):  # Cassandra refused this row (its batch was retried row by row)
                self.report.refuse(row.number, outcome.status, outcome.error, outcome.description)
            elif isinstance(outcome, (DatabaseError, CallerUnauthorized)):  # the database's problem: it stops
                self._stop(row.number, outcome)
            else:
                assert isinstance(outcome, ServiceError)
                self.report.refuse(row.number, outcome.status, outcome.error, outcome.detail)
