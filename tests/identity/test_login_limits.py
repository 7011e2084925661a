"""What unknown credentials may cost: logins of new credentials are rate-limited per client address and for the
process, on /v1/auth (429 with Retry-After) as on the rows API (503), and a flood of random tokens opens a bounded
number of connections, counted by Cassandra itself, while a known caller's point reads are all served.

One in-process app for the module, with low login rates: 3 a second for the process (a burst of 3), one per ten
seconds per address (a burst of 1). Client addresses are the ASGI transport's, one per simulated client.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from cassandra.cluster import Session

from app.db.identities import Identities
from app.http.deps import Backend
from app.main import create_app
from tests.identity.test_passthrough import as_role, passthrough_settings, rows_url
from tests.support.app import lifespan
from tests.support.auth_node import AuthNode, Roles

GLOBAL_RATE = 3.0
PER_ADDRESS_RATE = 0.1


@pytest.fixture(scope="module")
async def app(auth_node: AuthNode, roles: Roles) -> AsyncIterator[LifespanManager]:
    settings = passthrough_settings(
        auth_node,
        roles,
        identity_logins_per_second=GLOBAL_RATE,
        identity_logins_per_address_per_second=PER_ADDRESS_RATE,
        log_level="warning",
    )
    async with lifespan(create_app(settings)) as manager:
        yield manager


def client_at(app: LifespanManager, address: str) -> httpx.AsyncClient:
    """A client whose requests come from `address` (the ASGI scope's `client`)."""
    transport = httpx.ASGITransport(app=app.app, client=(address, 40_000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://api.test")


def identities_of(app: LifespanManager) -> Identities:
    backend: Backend = app._state["backend"]
    assert backend.identities is not None
    return backend.identities


def new_login() -> dict[str, str]:
    """A credential no one has tried: a new login for Cassandra (refused: no such role)."""
    return {"username": f"flood_{uuid.uuid4().hex[:12]}", "password": secrets.token_hex(8)}


def assert_login_limited(answer: httpx.Response, setting: str) -> None:
    body = answer.json()
    assert (answer.status_code, body["code"]) == (429, 429), answer.text
    assert setting in body["description"]
    assert int(answer.headers["retry-after"]) >= 1
    assert answer.headers["cache-control"] == "no-store"


async def test_v1_auth_answers_429_to_an_address_past_its_login_rate(app: LifespanManager) -> None:
    async with client_at(app, "192.0.2.10") as client:
        first = await client.post("/v1/auth", json=new_login())
        second = await client.post("/v1/auth", json=new_login())
    assert first.status_code == 401  # Cassandra asked, and refused: no such role
    assert_login_limited(second, "IDENTITY_LOGINS_PER_ADDRESS_PER_SECOND")
    assert int(second.headers["retry-after"]) <= 1 / PER_ADDRESS_RATE


async def test_v1_auth_from_another_address_is_not_held_to_the_first_ones_limit(app: LifespanManager) -> None:
    async with client_at(app, "192.0.2.11") as first, client_at(app, "192.0.2.12") as second:
        await first.post("/v1/auth", json=new_login())
        limited = await first.post("/v1/auth", json=new_login())
        await asyncio.sleep(1 / GLOBAL_RATE)  # a token back in the process's bucket
        other = await second.post("/v1/auth", json=new_login())
    assert limited.status_code == 429
    assert other.status_code == 401


async def test_v1_auth_answers_429_past_the_process_login_rate(app: LifespanManager) -> None:
    async def attempt(n: int) -> httpx.Response:
        async with client_at(app, f"198.51.100.{n}") as client:
            return await client.post("/v1/auth/token/generate", json={"key": f"flood_{n}", "secret": "x" * 8})

    answers = await asyncio.gather(*(attempt(n) for n in range(12)))
    limited = [answer for answer in answers if answer.status_code == 429]
    assert len(limited) >= 12 - 2 * GLOBAL_RATE  # the burst, and what refilled while the others logged in
    for answer in limited:
        assert_login_limited(answer, "IDENTITY_LOGINS_PER_SECOND")


def random_token(n: int) -> str:
    """Half well-formed `Cassandra:` tokens of random users and passwords, half random strings."""
    if n % 2:
        return secrets.token_urlsafe(24)
    user, password = f"flood_{uuid.uuid4().hex[:12]}", secrets.token_hex(12)
    encode = base64.b64encode
    return f"Cassandra:{encode(user.encode()).decode()}:{encode(password.encode()).decode()}"


class ConnectionCount:
    """The most connections Cassandra listed (`system_views.clients`) while it watched: polled in a thread, on the
    tests' own superuser session (libev)."""

    def __init__(self, superuser: Session) -> None:
        self.superuser = superuser
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def count(self) -> int:
        return len(list(self.superuser.execute("SELECT address FROM system_views.clients")))

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.most = max(self.most, self.count())
            self._stop.wait(0.05)

    def __enter__(self) -> ConnectionCount:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def test_a_flood_of_random_tokens_opens_few_connections_while_a_known_caller_is_served(
    app: LifespanManager, roles: Roles, superuser: Session
) -> None:
    identities = identities_of(app)
    url = rows_url(roles, roles.writable, "1")
    async with client_at(app, "192.0.2.200") as reader:  # its session, warm (once the process has a login left)
        for _ in range(20):
            if (await reader.get(url, headers=as_role(roles, "reader"))).status_code == 200:
                break
            await asyncio.sleep(1 / GLOBAL_RATE)
    logins_before = identities.logins
    baseline = ConnectionCount(superuser).count()
    started = asyncio.get_running_loop().time()

    async def flood(address: int) -> list[int]:
        async with client_at(app, f"203.0.113.{address}") as client:
            return [
                (await client.get(url, headers={"x-cassandra-token": random_token(n)})).status_code for n in range(15)
            ]

    async def known_caller() -> list[int]:
        async with client_at(app, "192.0.2.200") as client:
            return [(await client.get(url, headers=as_role(roles, "reader"))).status_code for _ in range(40)]

    with ConnectionCount(superuser) as watched:
        *flooded, served = await asyncio.gather(*(flood(a) for a in range(20)), known_caller())
    elapsed = asyncio.get_running_loop().time() - started
    statuses = [status for answers in flooded for status in answers]
    assert served == [200] * 40
    assert len(statuses) == 300 and set(statuses) <= {401, 503}
    logins = identities.logins - logins_before
    assert 1 <= logins <= GLOBAL_RATE + GLOBAL_RATE * elapsed  # the process's bucket: its burst, then its rate
    # Each login is one connection while Cassandra checks it; nothing else of the flood reaches Cassandra.
    assert watched.most <= baseline + logins
    assert identities.open_sessions == 1  # the known caller's only
