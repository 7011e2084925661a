"""`insertOne` and `insertMany`: documents decoded in the Data API's forms, written with the rows engine's prepared
insert (every column bound, absent ones unset), answered with `primaryKeySchema` and `insertedIds`.

`insertMany` is unordered by default (the Data API's default since data-api#761): every row is tried, a bad row
fails alone, and the answer has both `insertedIds` and `errors[]`. `ordered: true` stops at the first failure.
Extensions (documented as such): `options.ttl` (seconds), `options.timestamp` (microseconds) and
`options.ifNotExists` (a lightweight transaction: an existing row is left as it was)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
from cassandra.query import UNSET_VALUE, BoundStatement, PreparedStatement

from app.exceptions import ServiceError
from app.routes.data_api import errors
from app.routes.data_api.command import Answer, Command, DataApiError, Spec
from app.routes.data_api.target import field_invalid, known_fields, options_of, table_of
from app.routes.data_api.values import decode_document, encode, schema_of
from app.rows import cql
from app.rows.batches import BatchLimits, Pending, RowKeys, plan, write_all
from app.rows.catalog import Table
from app.rows.engine import bind_checked
from app.rows.write_time import BadWriteTimestamp, check_write_timestamp

WRITE_OPTIONS = frozenset({"ttl", "timestamp", "ifNotExists"})
MANY_OPTIONS = WRITE_OPTIONS | {"ordered", "returnDocumentResponses"}
CONCURRENCY = 16  # batches (or rows) of one unordered insertMany in flight at once (MAX_IN_FLIGHT bounds the process)


def write_options(command: Command, options: dict[str, Any]) -> tuple[object, object, bool]:
    """The extensions' TTL and write timestamp (unset when absent) and ifNotExists, checked."""
    ttl, timestamp, if_not_exists = options.get("ttl"), options.get("timestamp"), options.get("ifNotExists", False)
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= 630_720_000):
        raise field_invalid("options.ttl", ttl, "must be seconds, from 0 to 630720000 (20 years)")
    if timestamp is not None:
        if isinstance(timestamp, bool) or not isinstance(timestamp, int):
            raise field_invalid("options.timestamp", timestamp, "must be microseconds since the epoch")
        settings = command.backend.settings
        try:
            check_write_timestamp(
                timestamp,
                ahead_seconds=settings.write_timestamp_ahead_seconds,
                allow_any=settings.write_timestamp_any,
            )
        except BadWriteTimestamp as exc:
            raise field_invalid("options.timestamp", timestamp, str(exc)) from None
    if not isinstance(if_not_exists, bool):
        raise field_invalid("options.ifNotExists", if_not_exists, "must be true or false")
    if if_not_exists and timestamp is not None:
        raise field_invalid("options.timestamp", timestamp, "cannot be combined with ifNotExists")
    return (UNSET_VALUE if ttl is None else ttl), (UNSET_VALUE if timestamp is None else timestamp), if_not_exists


class Inserter:
    """The rows of one command, into one table."""

    def __init__(self, command: Command, table: Table, options: dict[str, Any]) -> None:
        self.command, self.table = command, table
        self.ttl, self.timestamp, self.if_not_exists = write_options(command, options)

    def key_of(self, document: object) -> list[object]:
        """The primary key values a document gives, as it gave them (for an answer about a row that failed)."""
        given = document if isinstance(document, dict) else {}
        return [given.get(c.name) for c in self.table.primary_key]

    def partition_of(self, document: object) -> str:
        """The partition a document names, as it spelt its values (rows spelt two ways are taken as two)."""
        return repr(self.key_of(document)[: len(self.table.partition_key)])

    async def insert(self, document: object) -> list[object]:
        """One row, alone (insertOne, and every row of an `ifNotExists` insertMany); its primary key in the Data
        API's forms."""
        self.check(document)
        engine = self.command.backend.engine
        if self.if_not_exists:
            statement = await engine.statements.get(
                cql.insert(self.table, if_not_exists=True),
                idempotent=False,
                consistency=engine.consistency.write,
                serial=engine.consistency.serial,
            )
        else:
            statement = await self.statement()
        bound, key = self.bound(document, statement)
        await engine.write_batch([bound])
        return key

    def check(self, document: object) -> None:
        """What refuses a document before its values are read: not an object, or a table of counters."""
        if not isinstance(document, dict):
            raise errors.error("SHRED_BAD_DOCUMENT_TYPE", "DOCUMENT", documentType=type(document).__name__.upper())
        if self.table.is_counter_table:
            raise errors.error(
                "UNSUPPORTED_COLUMN_TYPES",
                "DOCUMENT",
                **errors.table_vars(self.table),
                unsupportedColumns=errors.typed(c for c in self.table.columns.values() if c.type.kind == "counter"),
            )

    async def statement(self) -> PreparedStatement:
        """The table's prepared insert (`USING TTL ? AND TIMESTAMP ?`)."""
        shapes = await self.command.backend.engine.shapes(self.table)
        assert shapes.insert is not None
        return shapes.insert

    def bound(self, document: object, statement: PreparedStatement) -> tuple[BoundStatement, list[object]]:
        """A document checked, decoded and bound to `statement`, and its primary key in the Data API's forms."""
        table = self.table
        self.check(document)
        assert isinstance(document, dict)
        values = decode_document(table, document)
        missing = [c for c in table.primary_key if values.get(c.name) is None]
        if missing:
            raise errors.error(
                "MISSING_PRIMARY_KEY_COLUMNS",
                "DOCUMENT",
                keyspace=table.keyspace,
                table=table.name,
                primaryKeys=errors.typed(table.primary_key),
                providedKeys=errors.typed(c for c in table.primary_key if c not in missing),
                missingKeys=errors.typed(missing),
            )
        ordered = [values.get(name, UNSET_VALUE) for name in table.columns]
        options = [self.ttl] if self.if_not_exists else [self.ttl, self.timestamp]
        bound = bind_checked(statement, [*ordered, *options])
        return bound, [encode(c, values[c.name]) for c in table.primary_key]


def _failure(exc: Exception, command: Command) -> DataApiError:
    if isinstance(exc, DataApiError):
        return exc
    assert isinstance(exc, ServiceError)
    return errors.from_service_error(exc, command.keyspace, command.table)


async def insert_one(command: Command) -> Answer:
    known_fields(command, frozenset({"document", "options"}))
    options = options_of(command, WRITE_OPTIONS)
    table = await table_of(command)
    inserter = Inserter(command, table, options)
    key = await inserter.insert(command.options.get("document"))
    return Answer(status={"primaryKeySchema": schema_of(table.primary_key), "insertedIds": [key]})


async def insert_many(command: Command) -> Answer:
    known_fields(command, frozenset({"documents", "options"}))
    options = options_of(command, MANY_OPTIONS)
    documents = command.options.get("documents")
    if not isinstance(documents, list):
        raise field_invalid("documents", documents, "must be an array of documents")
    most = command.backend.settings.data_api_max_insert_rows
    if len(documents) > most:
        raise field_invalid(  # as the Data API answers it: COMMAND_FIELD_VALUE_INVALID on command.documents
            "documents",
            f"({len(documents)} documents)",
            f"amount of documents to insert is over the max limit ({len(documents)} vs {most})",
        )
    table = await table_of(command)
    inserter = Inserter(command, table, options)
    ordered = bool(options.get("ordered", False))
    if inserter.if_not_exists or table.is_counter_table:
        # Conditional: one LWT per row (a conditional batch applies all its rows or none). Counters: refused per row.
        outcomes = await _one_by_one(inserter, documents, ordered=ordered)
    else:
        outcomes = await _batched(inserter, documents, ordered=ordered)
    return _answer(command, inserter, documents, outcomes, bool(options.get("returnDocumentResponses")))


Outcome = list[object] | Exception | None  # the inserted key, the failure, or None: not tried (ordered)


async def _batched(inserter: Inserter, documents: Sequence[object], *, ordered: bool) -> list[Outcome]:
    """Every document bound first, then the rows of each partition in UNLOGGED batches (`app.rows.batches`). A
    document refused before it is sent fails alone; a database failure fails every row of its batch. Ordered: the
    batches are runs of consecutive documents, sent in order, and nothing is sent after a failure."""
    statement = await inserter.statement()
    keys = RowKeys.of(inserter.table, statement)
    outcomes: list[Outcome] = [None] * len(documents)
    inserted: dict[int, list[object]] = {}
    rows: list[Pending] = []
    refused: tuple[int, Exception] | None = None  # ordered: the first document refused before it is sent
    for i, document in enumerate(documents):
        try:
            bound, inserted[i] = inserter.bound(document, statement)
        except (DataApiError, ServiceError) as exc:
            if ordered:
                refused = (i, exc)
                break
            outcomes[i] = exc
            continue
        rows.append(Pending.of(i, bound, keys))
    backend = inserter.command.backend
    groups = plan(rows, BatchLimits.of(backend.settings), ordered=ordered)
    written = await write_all(backend.engine, groups, ordered=ordered, concurrency=CONCURRENCY)
    for i, failure in written.items():
        outcomes[i] = inserted[i] if failure is None else failure
    if refused is not None and len(written) == len(rows) and not any(written.values()):
        outcomes[refused[0]] = refused[1]  # reached: every document before it was written
    return outcomes


async def _one_by_one(inserter: Inserter, documents: Sequence[object], *, ordered: bool) -> list[Outcome]:
    outcomes: list[Outcome] = [None] * len(documents)
    if ordered:
        for i, document in enumerate(documents):
            try:
                outcomes[i] = await inserter.insert(document)
            except (DataApiError, ServiceError) as exc:
                outcomes[i] = exc
                break
        return outcomes
    gate = anyio.Semaphore(CONCURRENCY)
    # One row of a partition at a time: Cassandra runs a partition's lightweight transactions one after another
    # anyway, and sent together they only contend (each Paxos round retried, and on a loaded node timed out).
    partitions: dict[str, anyio.Lock] = {}

    async def one(i: int, document: object) -> None:
        partition = partitions.setdefault(inserter.partition_of(document), anyio.Lock())
        async with partition, gate:  # a row waiting for its partition holds no slot
            try:
                outcomes[i] = await inserter.insert(document)
            except (DataApiError, ServiceError) as exc:
                outcomes[i] = exc

    async with anyio.create_task_group() as group:
        for i, document in enumerate(documents):
            group.start_soon(one, i, document)
    return outcomes


def _answer(
    command: Command,
    inserter: Inserter,
    documents: Sequence[object],
    outcomes: Sequence[Outcome],
    responses: bool,
) -> Answer:
    failures = [_failure(o, command) for o in outcomes if isinstance(o, Exception)]
    schema = schema_of(inserter.table.primary_key)
    inserted = [o for o in outcomes if isinstance(o, list)]
    counted = (len(inserted), len(failures))  # the audit line's rows written and refused
    if not responses:
        return Answer(status={"primaryKeySchema": schema, "insertedIds": inserted}, errors=failures, rows=counted)
    answers: list[dict[str, object]] = []
    failed = 0
    for document, outcome in zip(documents, outcomes, strict=True):
        if isinstance(outcome, list):
            answers.append({"_id": outcome, "status": "OK"})
        elif isinstance(outcome, Exception):
            answers.append({"_id": inserter.key_of(document), "status": "ERROR", "errorsIdx": failed})
            failed += 1
        else:
            answers.append({"_id": inserter.key_of(document), "status": "SKIPPED"})
    status = {"documentResponses": answers, "primaryKeySchema": schema}
    return Answer(status=status, errors=failures, rows=counted)


COMMANDS: dict[str, Spec] = {
    "insertOne": Spec("table", "write", insert_one),
    "insertMany": Spec("table", "write", insert_many),
}
