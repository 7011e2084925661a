"""MEASUREMENT ONLY: the service with a per-request cut undone (or tried), or some middleware left out, so that each
is priced against the service in the same run. The service itself carries no bench hooks: these patch app.db from
here, reversibly (`patched(...)`), for bench/targets/inproc.py, or for good in a service process
(`bench.targets.variants:app`).

Environment of `bench.targets.variants:app`: `BENCH_UNDO` / `BENCH_DO` (comma-separated names below) and
`BENCH_DROP_MIDDLEWARE` (middleware class names, comma-separated, or `all`).

Cuts that can be undone (`BENCH_UNDO`):
- `bridge`: the whole bridge as it was before these cuts: a `ResultSet` per reply for its paging state, callbacks
  that hold the driver's future (a reference cycle) and a `clear_callbacks()` per reply to break it, and the
  driver's row list copied and emptied per reply under DRIVER_IO=loop too (only libev's timer heap needs that);
- `resultset`: only the `ResultSet` per reply;
- `cycle`: callbacks that hold the driver's future, and nothing that breaks the cycle: what dropping only the
  `clear_callbacks()` of the old bridge would have left to the garbage collector;
- `coalesce`: one `transport.write` (a send) per request instead of one per connection and loop iteration.

Cuts that can be tried (`BENCH_DO`):
- `point-unpaged`: point reads by full primary key sent without a page size (the driver's default, 5000, sends
  Cassandra down its paging path for a one-row read).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from threading import get_ident
from typing import Any

from cassandra.cluster import ResultSet

from app.db import database, loop_connection, statements
from app.db.database import Database, Page

UNDO = frozenset({"bridge", "resultset", "cycle", "coalesce"})
TRY = frozenset({"point-unpaged"})
# Keeps the service's patches alive: an ExitStack (or the generator behind `patched`) that is garbage collected
# would close, and so undo them, the moment build() returned.
_FOR_GOOD = ExitStack()


def _execute_before(undo: frozenset[str]) -> Callable[..., Any]:
    """`Database.execute` with the cuts named in `undo` put back (`bridge`: all of them)."""
    whole = "bridge" in undo
    resultset = whole or "resultset" in undo
    cycle = whole or "cycle" in undo

    async def execute(
        self: Database, statement: Any, *, page_size: int | None = None, paging_state: bytes | None = None
    ) -> Page:
        if page_size is not None:
            statement.fetch_size = page_size
        await self._slots.acquire()
        loop = asyncio.get_running_loop()
        self._thread = get_ident()
        waiter: asyncio.Future[Any] = loop.create_future()
        try:
            response = self.session.execute_async(statement, paging_state=paging_state, timeout=self.request_timeout)
        except Exception as exc:
            self._slots.release()
            raise database._failure(exc) from exc
        if cycle:
            args: tuple[Any, ...] = (response, loop, waiter, self)
            response.add_callbacks(_old_on_rows, _old_on_error, callback_args=args, errback_args=args)
        else:
            args = (loop, waiter, self)
            response.add_callbacks(database._on_rows, database._on_error, callback_args=args, errback_args=args)
        try:
            rows = await waiter
        except Exception as exc:
            raise database._failure(exc) from exc
        if whole and rows:
            kept = list(rows)
            rows.clear()
            rows = kept
        if whole:
            response.clear_callbacks()
        elif self._retains and rows:
            kept = list(rows)
            rows.clear()
            rows = kept
        state = ResultSet(response, rows).paging_state if resultset else response._paging_state
        return Page(rows or [], state)

    return execute


def _old_on_rows(rows: Any, response: Any, loop: Any, waiter: Any, db: Database) -> None:
    database._hand_over(loop, waiter, db, rows, None)


def _old_on_error(exc: BaseException, response: Any, loop: Any, waiter: Any, db: Database) -> None:
    database._hand_over(loop, waiter, db, None, exc)


@contextmanager
def _setattr(owner: Any, name: str, value: Any) -> Iterator[None]:
    before = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, before)


@contextmanager
def patched(undo: frozenset[str] = frozenset(), tried: frozenset[str] = frozenset()) -> Iterator[None]:
    """The cuts in `undo` put back and the ones in `tried` made, for as long as the block runs."""
    if unknown := (undo - UNDO) | (tried - TRY):
        raise SystemExit(f"unknown cut(s) {', '.join(sorted(unknown))}; undo: {sorted(UNDO)}, try: {sorted(TRY)}")
    with ExitStack() as stack:
        if undo & {"bridge", "resultset", "cycle"}:
            stack.enter_context(_setattr(Database, "execute", _execute_before(undo)))
        if "coalesce" in undo:
            stack.enter_context(_setattr(loop_connection, "COALESCE", False))
        if "point-unpaged" in tried:
            prepare = statements.prepare_statements

            def prepare_unpaged(*args: Any, **kwargs: Any) -> Any:
                prepared = prepare(*args, **kwargs)
                unpage(prepared)
                return prepared

            stack.enter_context(_setattr(statements, "prepare_statements", prepare_unpaged))
            import app.main

            stack.enter_context(_setattr(app.main, "prepare_statements", prepare_unpaged))
        yield


def unpage(prepared: statements.Statements) -> None:
    """No page size for the statements that select by full primary key (BoundStatement copies it at bind)."""
    for statement in (prepared.select_animal, prepared.select_plant, prepared.ping):
        statement.fetch_size = None


def _names(variable: str) -> frozenset[str]:
    return frozenset(filter(None, os.environ.get(variable, "").split(",")))


def build() -> Any:
    """The service, with BENCH_UNDO / BENCH_DO / BENCH_DROP_MIDDLEWARE applied for the life of the process."""
    _FOR_GOOD.enter_context(patched(_names("BENCH_UNDO"), _names("BENCH_DO")))  # held, never closed: one process
    from app.main import create_app

    service = create_app()
    drop = _names("BENCH_DROP_MIDDLEWARE")
    if drop:
        service.user_middleware = [
            m for m in service.user_middleware if "all" not in drop and m.cls.__name__ not in drop
        ]
    return service


def __getattr__(name: str) -> Any:
    """`bench.targets.variants:app` for uvicorn, built on first access (importing this module builds nothing)."""
    if name == "app":
        globals()["app"] = built = build()
        return built
    raise AttributeError(name)
