"""Issue 13: the API tier is stateless behind a balancer. Two `python -m app` on 127.0.0.2 and 127.0.0.3, behind
Debian's haproxy running deploy/haproxy.cfg as shipped, in front of the three nodes at RF 3.

1. A cursor walk whose pages alternate between the instances (each asked directly, by its address) returns every
   row once, in order: the sample's `format=page` cursor and the rows API's `pageState` (by primary key, and by
   `where`). They share one PAGE_STATE_SECRETS key, so a token one instance sealed opens on the other.
2. Load through the balancer while api1 is stopped with SIGTERM, started again, then killed with SIGKILL. Every
   request is counted; the only failures allowed are the ones the config's header says it cannot save: answers
   already under way on api1 when it was killed (each one is also in haproxy's log as cut by the server). A
   SIGTERM costs nothing: refused connections are retried on api2, and api1 drains what it accepted.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from cassandra.concurrent import execute_concurrent_with_args

from app.db.cluster import connect
from tests.support.balancer import LogEntry, ScaleOut
from tests.support.names import unique
from tests.support.report import Report
from tests.support.traffic import Outcome, Traffic, mixed_requests, tally

pytestmark = [pytest.mark.faults, pytest.mark.slow]

SECTION = "6. Scale-out: two instances (127.0.0.2, 127.0.0.3) behind haproxy (deploy/haproxy.cfg), 3 nodes at RF 3"
ROWS = 2_000  # the walked and streamed genus (small rows: ~60 bytes each)
WALK_PAGE = 97  # not a divisor of ROWS: the last page is a short one
STREAM_PAGE = 4  # 4 to 7 rows a page: 500 to 290 Cassandra pages, so a stream lasts seconds
HELD = 4  # streams under way through the balancer at each signal
SPECIES = ["afra", "africana", "alpina", "arenaria", "major", "media"]  # Plantago, from the sample data
BOTH_UP = 4.0  # seconds of traffic with both instances up, before each signal
LIMIT = 20_000  # requests at most, whatever happens


@pytest.fixture(scope="module")
def long_genus(scale_out: ScaleOut) -> tuple[str, list[str]]:
    """A plant genus of ROWS rows, written at LOCAL_QUORUM; its species in clustering order."""
    settings = scale_out.settings
    genus, species = unique("Walk"), [f"s{n:05d}" for n in range(ROWS)]
    cluster, session = connect(settings, keyspace=settings.keyspace)
    try:
        insert = session.prepare("INSERT INTO plants (genus, species, sightings) VALUES (?, ?, ?)")
        execute_concurrent_with_args(session, insert, [(genus, s, n) for n, s in enumerate(species)], concurrency=32)
    finally:
        cluster.shutdown()
    return genus, species


# ---- 1. cursors across instances -----------------------------------------------------------------------------


@dataclass
class Walk:
    rows: list[str]
    pages: list[str]  # the instance that served each page


async def walk(
    clients: dict[str, httpx.AsyncClient],
    path: str,
    params: Callable[[str | None], dict[str, str | int]],
    read: Callable[[dict[str, object]], tuple[list[str], str | None]],
    max_pages: int,
) -> Walk:
    """Page through `path`, asking the instances in turn, each page with the token the previous one (the other
    instance) handed out."""
    names = list(clients)
    result, token = Walk([], []), None
    while len(result.pages) < max_pages:
        name = names[len(result.pages) % len(names)]
        answer = await clients[name].get(path, params=params(token))
        assert answer.status_code == 200, f"page {len(result.pages) + 1} from {name}: {answer.text}"
        rows, token = read(answer.json())
        result.rows += rows
        result.pages.append(name)
        if not token:
            return result
    raise AssertionError(f"still a next page after {max_pages} pages")


def sample_page(body: dict[str, object]) -> tuple[list[str], str | None]:
    items = body["items"]
    assert isinstance(items, list)
    token = body["next_page_state"]
    return [item["species"] for item in items], token if isinstance(token, str) else None


def rows_page(body: dict[str, object]) -> tuple[list[str], str | None]:
    data = body["data"]
    assert isinstance(data, list) and body["count"] == len(data)
    token = body.get("pageState")
    return [row["species"] for row in data], token if isinstance(token, str) else None


async def test_cursor_walks_alternating_between_instances_are_exact(
    scale_out: ScaleOut, long_genus: tuple[str, list[str]]
) -> None:
    await scale_out.all_up()
    genus, species = long_genus
    keyspace = scale_out.settings.keyspace
    max_pages = ROWS // WALK_PAGE + 2
    async with AsyncExitStack() as stack:
        clients = {
            i.name: await stack.enter_async_context(httpx.AsyncClient(base_url=i.url, timeout=30))
            for i in scale_out.instances
        }
        sample = await walk(
            clients,
            f"/plant/{genus}",
            lambda token: {"format": "page", "page_size": WALK_PAGE, **({"page_state": token} if token else {})},
            sample_page,
            max_pages,
        )
        rows = await walk(
            clients,
            f"/v2/keyspaces/{keyspace}/plants/{genus}",
            lambda token: {"page-size": WALK_PAGE, **({"page-state": token} if token else {})},
            rows_page,
            max_pages,
        )
        where = json.dumps({"genus": {"$eq": genus}})
        rows_where = await walk(
            clients,
            f"/v2/keyspaces/{keyspace}/plants",
            lambda token: {"where": where, "page-size": WALK_PAGE, **({"page-state": token} if token else {})},
            rows_page,
            max_pages,
        )
    walks = (
        ("the sample's cursor", sample),
        ("the rows API's pageState, by primary key", rows),
        ("the rows API's pageState, by where", rows_where),
    )
    for name, done in walks:
        assert done.rows == species, f"{name}: {len(done.rows)} rows, {len(set(done.rows))} distinct, not in order"
        assert set(done.pages) == {"api1", "api2"}
        assert all(a != b for a, b in itertools.pairwise(done.pages)), done.pages
        Report.add(
            SECTION,
            f"cursor walk, {name}: {ROWS} rows in {len(done.pages)} pages of {WALK_PAGE}, alternating "
            f"({done.pages.count('api1')} pages from api1, {done.pages.count('api2')} from api2, each token sealed by "
            f"the other instance): every row once, in order",
        )


# ---- 2. load through the balancer, one instance stopped and killed ---------------------------------------------


@dataclass
class HeldStream:
    """An NDJSON stream through the balancer whose first bytes have arrived: an answer under way."""

    path: str  # unique among those held at once (its page_size), so haproxy's log tells which instance served it
    response: httpx.Response
    chunks: AsyncIterator[bytes]
    body: bytes
    error: str | None = None

    async def finish(self) -> None:
        try:
            async for chunk in self.chunks:
                self.body += chunk
        except httpx.HTTPError as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            await self.response.aclose()

    @property
    def lines(self) -> int:
        return self.body.count(b"\n")


@asynccontextmanager
async def streams_under_way(url: str, genus: str) -> AsyncIterator[list[HeldStream]]:
    """HELD streams of the genus through the balancer, opened at once, each on a connection of its own (so the
    balancer places each), each with its first bytes read."""
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=60)) for _ in range(HELD)]

        async def open_one(client: httpx.AsyncClient, page_size: int) -> HeldStream:
            path = f"/plant/{genus}?format=ndjson&page_size={page_size}"
            response = await client.send(client.build_request("GET", path), stream=True)
            stack.push_async_callback(response.aclose)
            assert response.status_code == 200, await response.aread()
            chunks = response.aiter_bytes()
            return HeldStream(path, response, chunks, await anext(chunks))

        yield list(await asyncio.gather(*(open_one(c, STREAM_PAGE + n) for n, c in enumerate(clients))))


def served_by(streams: list[HeldStream], entries: list[LogEntry], since: float, until: float) -> dict[str, LogEntry]:
    """haproxy's log line of each stream (among those it received in [since, until), wall clock)."""
    by_path = {e.path: e for e in entries if since <= e.received < until}
    return {s.path: by_path[s.path] for s in streams}


def cut_mid_body(outcome: Outcome) -> bool:
    """An answer begun, then cut: the connection closed during the body (httpx's words for it). A request closed
    with no answer at all ("Server disconnected without sending a response") is not one: haproxy should have
    replayed it."""
    return outcome.status is None and "without sending complete message body" in (outcome.error or "")


def started_in(outcomes: list[Outcome], start: float, end: float) -> list[Outcome]:
    """The requests sent in [start, end), however long they took: every request falls in exactly one phase."""
    return [o for o in outcomes if start <= o.started < end]


def longest_gap(outcomes: list[Outcome], start: float, end: float) -> float:
    """The longest time inside [start, end] without a request answering 200."""
    ends = sorted(o.ended for o in outcomes if o.ok and start <= o.ended <= end)
    points = [start, *ends, end]
    return max(b - a for a, b in itertools.pairwise(points))


async def test_load_through_the_balancer_outlives_sigterm_and_sigkill_of_an_instance(
    scale_out: ScaleOut, long_genus: tuple[str, list[str]]
) -> None:
    await scale_out.all_up()
    genus, _ = long_genus
    balancer, api1 = scale_out.balancer, scale_out.instance("api1")
    keyspace = scale_out.settings.keyspace

    async def rows_read(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.get(f"/v2/keyspaces/{keyspace}/plants/Plantago", params={"page-size": 20})

    requests = {**mixed_requests("Plantago", SPECIES, unique("Balanced")), "rows": rows_read}
    traffic = Traffic(balancer.url, requests, concurrency=4, limit=LIMIT)
    marks: dict[str, tuple[float, float]] = {}  # name: (monotonic, wall clock, as haproxy logs)

    def mark(name: str) -> float:
        marks[name] = (time.monotonic(), time.time())
        return marks[name][0]

    async with asyncio.timeout(300), traffic:
        mark("start")
        await asyncio.sleep(BOTH_UP)
        mark("held at the SIGTERM")
        async with streams_under_way(balancer.url, genus) as term_streams:
            t_term = mark("sigterm")
            api1.signal(signal.SIGTERM)
            await asyncio.gather(*(s.finish() for s in term_streams))
        exit_code = await asyncio.to_thread(api1.wait_exit, 60)
        mark("exited")
        await balancer.wait_status("api1", "DOWN", 10)
        await asyncio.sleep(2)  # api2 alone
        mark("restart")
        await asyncio.to_thread(api1.start)
        mark("ready")
        await balancer.wait_status("api1", "UP", 30)
        mark("up")
        await asyncio.sleep(BOTH_UP)
        mark("held at the SIGKILL")
        async with streams_under_way(balancer.url, genus) as kill_streams:
            t_kill = mark("sigkill")
            api1.signal(signal.SIGKILL)
            await asyncio.gather(*(s.finish() for s in kill_streams))
        await balancer.wait_status("api1", "DOWN", 10)
        await asyncio.sleep(3)  # api2 alone again
        t_end = mark("end")
    await asyncio.sleep(0.5)  # haproxy logs an exchange when it ends
    entries = balancer.entries()
    stats = balancer.stats()

    # -- what the client saw
    outcomes = traffic.outcomes
    assert len(outcomes) < LIMIT, "the request limit ended the traffic early"
    failed = [o for o in outcomes if not o.ok]
    cut = [o for o in failed if cut_mid_body(o) and o.started <= t_kill <= o.ended]
    # A readiness probe sent through the balancer may reach the instance just signalled: its 503 "shutting_down"
    # is that instance's true answer (what takes it out of the balancer), not a request lost. Any other 503 is.
    stopping = [
        o for o in failed if o.kind == "readyz" and isinstance(o.body, dict) and o.body.get("error") == "shutting_down"
    ]
    unexpected = [o for o in failed if o not in cut and o not in stopping]
    assert not unexpected, f"failures the retry policy should have saved ({tally(unexpected)}): {unexpected[:5]}"
    assert exit_code == 0, (
        f"api1 did not drain cleanly on SIGTERM ({exit_code}):\n{api1.server and api1.server.output()}"
    )

    phases = [("start", "sigterm"), ("sigterm", "exited"), ("exited", "up"), ("up", "sigkill"), ("sigkill", "end")]
    for first, last in phases:
        ok = [o for o in traffic.between(marks[first][0], marks[last][0]) if o.ok]
        assert len(ok) >= 5, f"traffic stalled between {first} and {last}: {len(ok)} answers"

    # -- the streams under way: SIGTERM lets api1 finish them; SIGKILL cuts those on api1, and only those
    rows = len(long_genus[1])
    term_servers = served_by(term_streams, entries, marks["held at the SIGTERM"][1], marks["held at the SIGKILL"][1])
    kill_servers = served_by(kill_streams, entries, marks["held at the SIGKILL"][1], marks["end"][1])
    assert any(e.server == "api1" for e in term_servers.values()), "no stream was under way on api1 at the SIGTERM"
    assert any(e.server == "api1" for e in kill_servers.values()), "no stream was under way on api1 at the SIGKILL"
    for s in term_streams:
        assert s.error is None and s.lines == rows, f"{s.path} on {term_servers[s.path].server}: {s.error}"
    for s in kill_streams:
        entry = kill_servers[s.path]
        if entry.server == "api2":
            assert s.error is None and s.lines == rows, f"{s.path} on api2: {s.error}"
        else:
            assert s.error is not None and s.lines < rows and entry.server_aborted, (s.path, entry, s.error)
    cut_streams = [s for s in kill_streams if s.error]

    # -- haproxy's side: every cut answer is one api1 had begun (status sent, then the server went away)
    during = [e for e in entries if marks["start"][1] <= e.received <= marks["end"][1]]
    cut_in_log = [e for e in during if e.server_aborted]
    assert all(e.server == "api1" and e.status == 200 for e in cut_in_log), cut_in_log
    assert len(cut_in_log) == len(cut) + len(cut_streams), (cut_in_log, cut, cut_streams)
    probes_of_the_stopping = [e for e in during if e.request.startswith("GET /readyz ") and e.status == 503]
    assert len(probes_of_the_stopping) == len(stopping), (probes_of_the_stopping, stopping)
    refused_by_balancer = [
        e for e in during if (e.status >= 500 or e.server == "<NOSRV>") and e not in probes_of_the_stopping
    ]
    assert not refused_by_balancer, refused_by_balancer

    def window(first: str, last: str) -> list[LogEntry]:
        return [e for e in during if marks[first][1] <= e.received < marks[last][1]]

    def shares(entries: list[LogEntry]) -> str:
        return ", ".join(f"{n} {sum(e.server == n for e in entries)}" for n in ("api1", "api2"))

    def retried(entries: list[LogEntry]) -> str:
        again = [e for e in entries if e.retries]
        redispatched = sum(e.redispatched for e in again)
        return f"{len(again)} retried by haproxy ({redispatched} redispatched to the other instance)"

    requests_total = len(outcomes) + 2 * HELD
    Report.add(
        SECTION,
        f"load through haproxy, 4 client loops (point reads, upserts, /readyz, streamed listings, rows API pages) "
        f"and {HELD} long NDJSON streams at each signal, {t_end - marks['start'][0]:.0f} s: {requests_total} "
        f"requests, {len(cut) + len(cut_streams)} failed, every one an answer under way on api1 when it was "
        f"SIGKILLed ({len(cut)} of the loops' answers, {len(cut_streams)} of the {HELD} long streams); "
        f"no other failure of any kind (no 5xx from haproxy or the service, no refused or unanswered request)",
    )
    steps = [
        ("both up", "start", "sigterm", ""),
        ("api1 SIGTERMed until it exited", "sigterm", "exited", f" api1 drained and exited {exit_code};"),
        ("api1 down, restarted, until UP again", "exited", "up", ""),
        ("both up again", "up", "sigkill", ""),
        ("api1 SIGKILLed, until the end", "sigkill", "end", ""),
    ]
    for label, first, last, note in steps:
        start, end = marks[first][0], marks[last][0]
        seen = started_in(outcomes, start, end)
        logged = window(first, last)
        Report.add(
            SECTION,
            f"{label}, {end - start:.1f} s:{note} {len(seen)} loop requests sent ({tally(seen)}); "
            f"served by {shares(logged)}; {retried(logged)}; "
            f"longest wait for a 200 {longest_gap(outcomes, start, end):.2f} s",
        )
    term_on_api1 = sum(e.server == "api1" for e in term_servers.values())
    kill_on_api1 = sum(e.server == "api1" for e in kill_servers.values())
    Report.add(
        SECTION,
        f"streams under way at the SIGTERM: {term_on_api1} of {HELD} on api1, all {HELD} complete ({rows} rows each; "
        f"api1 exited {marks['exited'][0] - t_term:.1f} s after the signal); at the SIGKILL: {kill_on_api1} of "
        f"{HELD} on api1, {len(cut_streams)} cut (haproxy: {', '.join(sorted({e.term for e in cut_in_log}))}), "
        f"the {HELD - kill_on_api1} on api2 complete",
    )
    backend, one, two = stats["BACKEND"], stats["api1"], stats["api2"]
    Report.add(
        SECTION,
        f"haproxy's counters at the end: api1 {one['stot']} sessions, api2 {two['stot']}; retried connections "
        f"(wretr) {backend['wretr']}, redispatched (wredis) {backend['wredis']}; connection errors (econ) "
        f"{backend['econ']}, response errors (eresp) {backend['eresp']}; api1 {one['status']} after "
        f"{one['chkdown']} health-check downs; health transitions: {'; '.join(balancer.transitions()) or 'none'}",
    )
