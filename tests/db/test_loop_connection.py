"""The reactor contract of `LoopConnection`, against the real node: what the driver expects of a connection class.

Each scenario runs on a fresh loop, once on uvloop (as uvicorn runs the service) and once on asyncio (as the
in-process tests do). The link in front of the node can hold answers, end connections with EOF or RST, refuse new
ones, or speak TLS.
"""

from __future__ import annotations

import asyncio
import gc
import ssl
import threading
import time
import weakref
from functools import partial
from pathlib import Path
from threading import get_ident
from typing import Any

import pytest
import uvloop
from cassandra import OperationTimedOut
from cassandra.cluster import NoHostAvailable, ResponseFuture
from cassandra.protocol import OptionsMessage
from cassandra.query import SimpleStatement

from app.config import Settings
from app.db import database
from app.db.cluster import build_cluster
from app.db.database import Database
from app.db.loop_connection import BlockingDriverCall, LoopConnection
from app.exceptions import DatabaseError
from astra_local.certs import make_certificates
from tests.support.link import Link
from tests.support.loop_db import Run, link_settings, local, loop_cluster, pool_connections
from tests.support.poll import eventually


async def _ok(db: Database) -> bool:
    try:
        page = await db.execute(local())
    except DatabaseError:
        return False
    return bool(page.rows)


def test_connects_handshakes_and_answers_on_the_loop_thread(run: Run[None], link: Link) -> None:
    async def scenario() -> None:
        async with loop_cluster(link_settings(link)) as (cluster, session):
            connections = [*cluster.control_connection.get_connections(), *pool_connections(session)]
            assert connections and all(isinstance(c, cluster.connection_class) for c in connections)
            assert all(c.protocol_version == cluster.protocol_version >= 4 for c in connections)
            assert all(c._transport is not None and not c._transport.is_closing() for c in connections)

            loop, seen = asyncio.get_running_loop(), asyncio.Event()
            threads: list[int] = []
            future = session.execute_async(local())
            future.add_callbacks(
                lambda _rows: (threads.append(get_ident()), loop.call_soon_threadsafe(seen.set)),
                lambda exc: loop.call_soon_threadsafe(seen.set),
            )
            await asyncio.wait_for(seen.wait(), 5)
            assert threads == [get_ident()]  # decoded and called back right here: no IO thread
            rows = (await Database(session, request_timeout=5, max_in_flight=8).execute(local())).rows
            assert rows[0]["release_version"].startswith("5.")
        assert all(c.is_closed for c in connections)

    run(scenario())


def test_pages_come_in_order_with_their_paging_state(run: Run[None], link: Link) -> None:
    async def scenario() -> None:
        async with loop_cluster(link_settings(link)) as (_, session):
            db = Database(session, request_timeout=5, max_in_flight=8)
            statement = SimpleStatement("SELECT keyspace_name, table_name, column_name FROM system_schema.columns")
            pages = [page async for page in db.pages(statement, page_size=50)]
            every = await asyncio.to_thread(lambda: list(session.execute(statement)))
            assert len(pages) > 2 and all(p.paging_state for p in pages[:-1]) and pages[-1].paging_state is None
            assert [row for page in pages for row in page.rows] == every

    run(scenario())


def test_a_request_timeout_orphans_its_stream_until_the_late_answer_frees_it(run: Run[None], link: Link) -> None:
    async def scenario() -> None:
        async with loop_cluster(link_settings(link, request_timeout=0.3)) as (_, session):
            db = Database(session, request_timeout=0.3, max_in_flight=8)
            assert await _ok(db)
            (connection,) = pool_connections(session)
            link.hold()
            started = time.monotonic()
            with pytest.raises(DatabaseError) as raised:
                await db.execute(local())
            assert raised.value.status == 504 and isinstance(raised.value.__cause__, OperationTimedOut)
            assert time.monotonic() - started < 2  # the loop's timer fired: the request did not wait for ever
            assert connection.orphaned_request_ids and not connection.is_defunct
            link.release()
            await eventually(
                lambda: not connection.orphaned_request_ids, within=5, what="the late answer releases the stream id"
            )
            await eventually(lambda: connection.in_flight == 0, within=5, what="in_flight back to zero")
            assert await _ok(db)

    run(scenario())


@pytest.mark.parametrize("ending", ["eof", "reset"])
def test_a_lost_connection_is_defunct_and_errors_its_requests_at_once(run: Run[None], link: Link, ending: str) -> None:
    async def scenario() -> None:
        async with loop_cluster(link_settings(link)) as (_, session):
            db = Database(session, request_timeout=5, max_in_flight=64)
            assert await _ok(db)
            (connection,) = pool_connections(session)
            link.hold()
            pending = [asyncio.ensure_future(db.execute(local())) for _ in range(5)]
            await eventually(lambda: len(connection._requests) == 5, within=2, what="five requests on the wire")
            started = time.monotonic()
            link.eof() if ending == "eof" else link.reset()
            outcomes = await asyncio.gather(*pending, return_exceptions=True)
            assert time.monotonic() - started < 2  # not the 5 s request timeout
            assert all(isinstance(o, DatabaseError) and o.status == 503 for o in outcomes), outcomes
            assert connection.is_defunct and connection.is_closed
            if ending == "reset":
                assert isinstance(connection.last_error, ConnectionResetError)
            link.release()
            await eventually(lambda: _ok(db), within=15, what="a new connection serves again")

    run(scenario())


def test_heartbeats_keep_an_idle_connection_and_catch_a_hung_one(run: Run[None], link: Link) -> None:
    async def scenario() -> None:
        attributes = {"idle_heartbeat_interval": 1, "idle_heartbeat_timeout": 1}
        async with loop_cluster(link_settings(link), **attributes) as (_, session):
            (connection,) = pool_connections(session)
            sent = link.bytes_up
            await asyncio.sleep(3.5)  # idle: the heartbeat thread sends OPTIONS through call_soon_threadsafe
            assert link.bytes_up > sent and not connection.is_defunct
            link.hold()
            await eventually(
                lambda: connection.is_defunct, within=8, what="a heartbeat without an answer defuncts the connection"
            )
            assert isinstance(connection.last_error, OperationTimedOut)
            link.release()

    run(scenario())


def test_reconnects_when_the_node_comes_back(run: Run[None], link: Link) -> None:
    async def scenario() -> None:
        async with loop_cluster(link_settings(link, request_timeout=1.0)) as (_, session):
            db = Database(session, request_timeout=1.0, max_in_flight=8)
            assert await _ok(db)
            link.refuse()

            async def refused() -> bool:
                try:
                    await db.execute(local())
                except DatabaseError as exc:
                    return exc.status == 503
                return False

            await eventually(refused, within=5, what="requests fail with 503 while the node is gone")
            link.accept()
            await eventually(lambda: _ok(db), within=20, what="reconnected once the node listens again")
            assert all(isinstance(c, session.cluster.connection_class) for c in pool_connections(session))

    run(scenario())


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_certificates(tmp_path_factory.mktemp("tls"), addresses=["127.0.0.1"], label="loop-tests")


def _client_context(certificates: Any, *, trust: Path | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname on, as a careful client has it
    context.load_verify_locations(str(trust or certificates.ca_cert))
    context.load_cert_chain(str(certificates.client_cert), str(certificates.client_key))
    return context


@pytest.fixture
def tls_link(settings: Settings, certificates: Any) -> Any:
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(str(certificates.server_cert), str(certificates.server_key))
    server.verify_mode = ssl.CERT_REQUIRED  # mutual TLS, as Astra's SNI proxy
    server.load_verify_locations(str(certificates.ca_cert))
    running = Link(settings.cassandra_contact_points[0], settings.cassandra_port, tls=server)
    yield running
    running.close()


@pytest.mark.parametrize("sni", [None, "localhost"])
def test_tls_through_the_transport(run: Run[None], tls_link: Link, certificates: Any, sni: str | None) -> None:
    """The handshake runs in the loop's transport (asyncio refuses an SSLSocket); the certificate name is checked
    against the address, or against the SNI name in ssl_options as Astra's SniEndPoint sets it."""

    async def scenario() -> None:
        attributes: dict[str, Any] = {"ssl_context": _client_context(certificates)}
        if sni:
            attributes["ssl_options"] = {"server_hostname": sni}
        async with loop_cluster(link_settings(tls_link), **attributes) as (cluster, session):
            assert await _ok(Database(session, request_timeout=5, max_in_flight=8))
            connections = [*cluster.control_connection.get_connections(), *pool_connections(session)]
            assert all(c._transport.get_extra_info("ssl_object") is not None for c in connections)
        assert tls_link.server_names and set(tls_link.server_names) == {sni}  # no SNI for an IP address

    run(scenario())


def test_tls_with_an_untrusted_certificate_fails_the_connect(
    run: Run[None], tls_link: Link, certificates: Any, tmp_path: Path
) -> None:
    other = make_certificates(tmp_path / "other", addresses=["127.0.0.1"], label="someone-else")

    async def scenario() -> None:
        cluster = build_cluster(link_settings(tls_link), connection_class=LoopConnection.bind())
        cluster.ssl_context = _client_context(certificates, trust=other.ca_cert)
        started = time.monotonic()
        try:
            with pytest.raises(NoHostAvailable) as raised:
                await asyncio.to_thread(cluster.connect)
        finally:
            await asyncio.to_thread(cluster.shutdown)
        assert time.monotonic() - started < 5
        assert any(isinstance(e, ssl.SSLCertVerificationError) for e in raised.value.errors.values())

    run(scenario())


def test_blocking_driver_calls_on_the_loop_thread_fail_at_once(run: Run[None], link: Link, settings: Settings) -> None:
    async def scenario() -> None:
        async with loop_cluster(link_settings(link)) as (cluster, session):
            started = time.monotonic()
            with pytest.raises(BlockingDriverCall, match="event loop"):
                session.execute(local())
            with pytest.raises(BlockingDriverCall):
                session.prepare("SELECT release_version FROM system.local WHERE key = ?")
            (connection,) = pool_connections(session)
            with pytest.raises(BlockingDriverCall):
                connection.wait_for_response(OptionsMessage())
            paged = SimpleStatement("SELECT * FROM system_schema.columns", fetch_size=20)
            first_page = await asyncio.to_thread(session.execute, paged)
            with pytest.raises(BlockingDriverCall):
                list(first_page)  # the second page would be fetched synchronously
            another = build_cluster(link_settings(link), connection_class=cluster.connection_class)
            with pytest.raises(BlockingDriverCall):
                another.connect()
            await asyncio.to_thread(another.shutdown)
            assert time.monotonic() - started < 2

            # The guard only refuses what would block: a finished future's result() is fine on the loop ...
            done = session.execute_async(local())
            await eventually(lambda: done._event.is_set(), within=5, what="the answer")
            assert done.result().one()["release_version"]
            # ... and so is a libev session's blocking call (its IO runs on libev's thread, as in pytest's loop).
            libev_cluster = build_cluster(settings)
            libev = await asyncio.to_thread(libev_cluster.connect)
            try:
                assert libev.execute(local()).one()["release_version"]
            finally:
                await asyncio.to_thread(libev_cluster.shutdown)
            assert await _ok(Database(session, request_timeout=5, max_in_flight=8))

    run(scenario())


def test_completions_on_foreign_threads_still_settle(
    run: Run[None], link: Link, monkeypatch: pytest.MonkeyPatch
) -> None:
    """150 requests in flight on a connection that dies: the driver errors all but one of them from a fresh thread
    (and retries from its executor); every awaiting task still gets its answer, and every slot comes back."""
    threads: list[int] = []
    hand_over = database._hand_over

    def spy(*args: Any) -> None:
        threads.append(get_ident())
        hand_over(*args)

    monkeypatch.setattr(database, "_hand_over", spy)

    async def scenario() -> None:
        async with loop_cluster(link_settings(link)) as (_, session):
            db = Database(session, request_timeout=10, max_in_flight=512)
            assert await _ok(db)
            (connection,) = pool_connections(session)
            link.hold()
            pending = [asyncio.ensure_future(db.execute(local())) for _ in range(150)]
            await eventually(lambda: len(connection._requests) >= 150, within=5, what="150 requests on the wire")
            threads.clear()
            link.reset()
            outcomes = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 5)
            assert all(isinstance(o, DatabaseError) and o.status == 503 for o in outcomes)
            assert db._slots._value == 512
            foreign = [t for t in threads if t != get_ident()]
            assert len(threads) == 150 and len(foreign) >= 100
            link.release()

    run(scenario())


def test_timers_from_other_threads_fire_and_cancel_on_the_loop(run: Run[None]) -> None:
    async def scenario() -> None:
        io = LoopConnection.bind()
        fired: list[object] = []
        await asyncio.to_thread(io.create_timer, 0.05, lambda: fired.append(get_ident()))
        late = await asyncio.to_thread(io.create_timer, 0.1, lambda: fired.append("late"))
        await asyncio.to_thread(late.cancel)

        def create_and_cancel() -> None:  # cancelled before the loop even armed it
            io.create_timer(0.01, lambda: fired.append("never")).cancel()

        await asyncio.to_thread(create_and_cancel)
        await asyncio.sleep(0.3)
        assert fired == [get_ident()]

    run(scenario())


class _Held:
    pass


def test_a_cancelled_timer_lets_go_of_its_callback_at_once(run: Run[None]) -> None:
    """libev's timer heap keeps a cancelled timer (and the future it holds) until it comes due: the retention that
    app.db.database works around. A loop timer drops it when cancelled."""

    async def scenario() -> None:
        io = LoopConnection.bind()
        held = _Held()
        ref = weakref.ref(held)
        timer = io.create_timer(30, partial(lambda obj: None, held))
        del held
        timer.cancel()
        gc.collect()
        assert ref() is None

    run(scenario())


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # uvloop warns about the transports it closes itself
def test_after_the_loop_closed_nothing_raises_or_hangs(link: Link) -> None:
    """A Cluster shut down too late (after its loop closed): writes defunct, timers are moot, shutdown finishes."""
    loop = uvloop.new_event_loop()
    settings = link_settings(link)

    async def connect() -> Any:
        cluster = build_cluster(settings, connection_class=LoopConnection.bind())
        return cluster, await asyncio.to_thread(cluster.connect)

    def run_loop() -> Any:
        try:
            return loop.run_until_complete(connect())
        finally:
            loop.close()

    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(run_loop()))
    thread.start()
    thread.join(30)
    ((cluster, session),) = outcome
    (connection,) = pool_connections(session)
    started = time.monotonic()
    cluster.connection_class.create_timer(1, lambda: None).cancel()
    connection.push(b"\x00")  # from a thread that is not the loop's, as the heartbeat thread would
    assert connection.is_defunct
    cluster.shutdown()
    assert time.monotonic() - started < 5
    gc.collect()


def test_the_paging_state_read_from_the_future_is_the_result_sets(run: Run[None], link: Link) -> None:
    """app.db.database reads `ResponseFuture._paging_state` instead of building a ResultSet for it (pinned driver)."""

    async def scenario() -> None:
        async with loop_cluster(link_settings(link)) as (_, session):
            from cassandra.cluster import ResultSet

            statement = SimpleStatement("SELECT * FROM system_schema.columns", fetch_size=10)
            future = await asyncio.to_thread(lambda: session.execute_async(statement))
            await eventually(lambda: future._event.is_set(), within=5, what="the first page")
            rows = future._final_result
            assert future._paging_state and ResultSet(future, rows).paging_state == future._paging_state

    run(scenario())


def test_finished_requests_are_freed_without_the_libev_workaround(run: Run[None], link: Link) -> None:
    """Under DRIVER_IO=loop the bridge neither copies nor empties the driver's rows nor clears the future's
    callbacks: nothing but the garbage collector's next pass stands between a finished request and its memory."""

    async def scenario() -> None:
        async with loop_cluster(link_settings(link)) as (_, session):
            db = Database(session, request_timeout=5, max_in_flight=64)
            assert not db._retains
            statement = SimpleStatement("SELECT keyspace_name, table_name, column_name FROM system_schema.columns")
            pages = [page async for page in db.pages(statement, page_size=20)]
            await asyncio.gather(*(db.execute(local()) for _ in range(500)))
            assert len(pages) > 2
            del pages
            gc.collect()
            # Each ResponseFuture holds its reply's rows (`_final_result`): none may be left.
            assert sum(isinstance(o, ResponseFuture) for o in gc.get_objects()) < 5

    run(scenario())
