"""Pass-through identity's session cache (`app.db.identities`) against a real node with authentication on.

Every test runs once per DRIVER_IO (`service_cluster` is parametrised). Roles, GRANTs, connections
(`system_views.clients`) and logins (Cassandra's audit log) are all Cassandra's own; nothing is mocked.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable

import pytest
from cassandra import Unauthorized
from cassandra.cluster import Cluster, Session
from cassandra.connection import ConnectionException

from app.db.identities import CredentialsRefused, Identities
from app.exceptions import Shed
from app.identity.credentials import Credential
from tests.identity.conftest import PASSWORD, credential, run, until
from tests.support.auth_node import AuthNode, Roles, client_connections

MakeIdentities = Callable[..., Identities]
MakeRole = Callable[..., Credential]


def connections(superuser: Session, role: str) -> Callable[[], int]:
    return lambda: client_connections(superuser, role)


async def logged(node: AuthNode, role: str, count: int) -> None:
    """Wait until Cassandra's audit log shows `count` logins (accepted or refused) for `role`."""
    await until(lambda: node.login_attempts(role) >= count, 20, f"{count} audited login(s) of {role}")


# ---- the caller's permissions, Cassandra's decision ----------------------------------------------------------------


async def test_a_reader_session_selects_as_its_role(make_identities: MakeIdentities, roles: Roles) -> None:
    identities = make_identities()
    async with identities.use(credential("reader", roles.password("reader"))) as session:
        rows = await run(session, f"SELECT id, name FROM {roles.keyspace}.{roles.other}")
    assert rows == [{"id": 1, "name": "one"}]


async def test_a_reader_is_refused_an_insert_in_cassandras_words(make_identities: MakeIdentities, roles: Roles) -> None:
    identities = make_identities()
    async with identities.use(credential("reader", roles.password("reader"))) as session:
        with pytest.raises(Unauthorized) as refused:
            await run(session, f"INSERT INTO {roles.keyspace}.{roles.writable} (id, name) VALUES (2, 'two')")
    message = str(refused.value)
    assert "User reader has no MODIFY permission" in message
    assert f"<table {roles.keyspace}.{roles.writable}>" in message


async def test_a_writer_may_write_its_table_and_no_other(make_identities: MakeIdentities, roles: Roles) -> None:
    identities = make_identities()
    async with identities.use(credential("writer", roles.password("writer"))) as session:
        await run(session, f"INSERT INTO {roles.keyspace}.{roles.writable} (id, name) VALUES (3, 'three')")
        with pytest.raises(Unauthorized, match="User writer has no MODIFY permission"):
            await run(session, f"INSERT INTO {roles.keyspace}.{roles.other} (id, name) VALUES (3, 'three')")


async def test_a_role_without_grants_is_refused_a_select(make_identities: MakeIdentities, roles: Roles) -> None:
    identities = make_identities()
    async with identities.use(credential("nobody", roles.password("nobody"))) as session:
        with pytest.raises(Unauthorized, match="User nobody has no SELECT permission"):
            await run(session, f"SELECT id FROM {roles.keyspace}.{roles.other}")


async def test_a_statement_prepared_by_the_service_runs_with_the_callers_permissions(
    make_identities: MakeIdentities, roles: Roles, service_cluster: Cluster
) -> None:
    """Statement shapes stay the service's: prepared once on its own session, executed as each caller."""
    service = next(s for s in service_cluster.sessions if type(s) is Session)
    insert = await asyncio.to_thread(
        service.prepare, f"INSERT INTO {roles.keyspace}.{roles.writable} (id, name) VALUES (?, ?)"
    )
    identities = make_identities()
    async with identities.use(credential("writer", roles.password("writer"))) as writer:
        await run(writer, insert.bind((4, "four")))
    async with identities.use(credential("reader", roles.password("reader"))) as reader:
        with pytest.raises(Unauthorized, match="User reader has no MODIFY permission"):
            await run(reader, insert.bind((5, "five")))


# ---- refused credentials ------------------------------------------------------------------------------------------


async def test_a_wrong_password_is_refused_with_a_401(make_identities: MakeIdentities, make_role: MakeRole) -> None:
    role = make_role()
    identities = make_identities()
    with pytest.raises(CredentialsRefused) as refused:
        await identities.session_for(credential(role.username, "not-the-password"))
    assert refused.value.status == 401
    assert f"Provided username {role.username} and/or password are incorrect" in refused.value.detail
    assert "not-the-password" not in refused.value.detail


async def test_a_refused_credential_is_refused_again_without_a_login(
    make_identities: MakeIdentities, make_role: MakeRole, auth_node: AuthNode
) -> None:
    role, other = make_role(), make_role()
    identities = make_identities()
    wrong = credential(role.username, "not-the-password")
    with pytest.raises(CredentialsRefused):
        await identities.session_for(wrong)
    await logged(auth_node, role.username, 1)
    with pytest.raises(CredentialsRefused):
        await identities.session_for(wrong)
    # A later login is audited after any earlier one: once it shows, a second refused login would have too.
    (await identities.session_for(other)).release()
    await logged(auth_node, other.username, 1)
    assert auth_node.audited_logins(role.username) == ["LOGIN_ERROR"]


async def test_a_refused_login_leaves_the_service_session_working(
    make_identities: MakeIdentities, make_role: MakeRole, service_cluster: Cluster
) -> None:
    """A caller's bad password is not the node's health, nor the service's credentials."""
    role = make_role()
    identities = make_identities()
    with pytest.raises(CredentialsRefused):
        await identities.session_for(credential(role.username, "not-the-password"))
    assert all(host.is_up for host in service_cluster.metadata.all_hosts())
    assert not service_cluster.refusals.credentials_refused
    service = next(s for s in service_cluster.sessions if type(s) is Session)
    assert await run(service, "SELECT release_version FROM system.local")


# ---- one session per credential, bounded ---------------------------------------------------------------------------


async def test_twenty_concurrent_first_requests_open_one_session(
    make_identities: MakeIdentities, make_role: MakeRole, auth_node: AuthNode, superuser: Session
) -> None:
    role = make_role()
    identities = make_identities()
    leases = await asyncio.gather(*(identities.session_for(role) for _ in range(20)))
    assert len({id(lease.session) for lease in leases}) == 1
    assert identities.logins == 1
    await until(lambda: connections(superuser, role.username)() == 1, 20, "one connection for the role")
    assert auth_node.audited_logins(role.username) == ["LOGIN_SUCCESS"]
    for lease in leases:
        lease.release()


async def test_a_full_cache_closes_the_least_recently_used_session(
    make_identities: MakeIdentities, make_role: MakeRole, superuser: Session
) -> None:
    first, second, third = make_role(), make_role(), make_role()
    identities = make_identities(max_sessions=2)
    for role in (first, second):
        (await identities.session_for(role)).release()
    (await identities.session_for(first)).release()  # `second` is now the least recently used
    (await identities.session_for(third)).release()
    await until(lambda: connections(superuser, second.username)() == 0, 20, "the LRU session's connection closed")
    assert connections(superuser, first.username)() == connections(superuser, third.username)() == 1
    assert len(identities) == 2


async def test_an_idle_session_is_closed(
    make_identities: MakeIdentities, make_role: MakeRole, superuser: Session
) -> None:
    role = make_role()
    identities = make_identities(idle_seconds=0.5)
    (await identities.session_for(role)).release()
    assert connections(superuser, role.username)() == 1
    await until(lambda: connections(superuser, role.username)() == 0, 20, "the idle session's connection closed")
    assert len(identities) == 0


async def test_a_session_evicted_while_leased_closes_only_when_released(
    make_identities: MakeIdentities, make_role: MakeRole, superuser: Session, roles: Roles
) -> None:
    held, newcomer = make_role(f"SELECT ON KEYSPACE {roles.keyspace}"), make_role()
    identities = make_identities(max_sessions=1)
    lease = await identities.session_for(held)
    (await identities.session_for(newcomer)).release()
    assert len(identities) == 1 and identities.open_sessions == 2
    assert await run(lease.session, f"SELECT id FROM {roles.keyspace}.{roles.other}")
    assert connections(superuser, held.username)() == 1
    lease.release()
    await until(lambda: connections(superuser, held.username)() == 0, 20, "the released session's connection closed")


async def test_close_shuts_every_session_down(
    make_identities: MakeIdentities, make_role: MakeRole, superuser: Session
) -> None:
    first, second = make_role(), make_role()
    identities = make_identities()
    for role in (first, second):
        (await identities.session_for(role)).release()
    await identities.close()
    await until(
        lambda: connections(superuser, first.username)() + connections(superuser, second.username)() == 0,
        20,
        "every session's connection closed",
    )
    with pytest.raises(Shed):
        await identities.session_for(first)


async def test_an_identity_adds_no_thread(make_identities: MakeIdentities, make_role: MakeRole) -> None:
    """Sessions share the Cluster's executor, scheduler, heartbeat and IO: none of them starts a thread."""
    roles = [make_role() for _ in range(5)]
    identities = make_identities()
    (await identities.session_for(make_role())).release()  # the login worker thread exists from here on

    def threads() -> set[int]:
        return {t.ident or 0 for t in threading.enumerate() if not t.name.startswith("AnyIO worker thread")}

    before = threads()
    for role in roles:
        (await identities.session_for(role)).release()
    assert threads() == before


# ---- revocation ---------------------------------------------------------------------------------------------------


async def test_a_dropped_role_is_refused_once_its_session_has_aged_out(
    make_identities: MakeIdentities, make_role: MakeRole, superuser: Session
) -> None:
    role = make_role()
    identities = make_identities(max_age_seconds=0.5)
    (await identities.session_for(role)).release()
    superuser.execute(f"DROP ROLE {role.username}")
    await asyncio.sleep(0.5)  # IDENTITY_MAX_AGE_SECONDS: the cached session may serve until then
    with pytest.raises(CredentialsRefused):
        await identities.session_for(role)


async def test_a_changed_password_refuses_the_old_one_and_accepts_the_new(
    make_identities: MakeIdentities, make_role: MakeRole, superuser: Session
) -> None:
    role = make_role()
    identities = make_identities(max_age_seconds=0.5)
    (await identities.session_for(role)).release()
    await change_password(superuser, role.username, "changed-secret")
    await asyncio.sleep(0.5)
    with pytest.raises(CredentialsRefused):
        await identities.session_for(role)
    (await identities.session_for(credential(role.username, "changed-secret"))).release()


async def test_a_fresh_login_of_a_dropped_role_is_refused_although_its_session_is_cached(
    make_identities: MakeIdentities, make_role: MakeRole, superuser: Session
) -> None:
    role = make_role()
    identities = make_identities()
    (await identities.session_for(role)).release()
    superuser.execute(f"DROP ROLE {role.username}")
    with pytest.raises(CredentialsRefused):
        await identities.session_for(role, fresh=True)
    assert identities.logins == 2


async def test_a_dropped_roles_session_closes_when_the_driver_reopens_its_pool(
    make_identities: MakeIdentities, make_role: MakeRole, superuser: Session, service_cluster: Cluster
) -> None:
    """What `Cluster.on_up` does to every session when a node comes back: reopen its pool. A refused login then
    closes the caller's session (and is remembered), where the driver's pool would retry at once, forever."""
    role = make_role()
    identities = make_identities()
    lease = await identities.session_for(role)
    session = lease.session
    lease.release()
    superuser.execute(f"DROP ROLE {role.username}")
    host = next(iter(service_cluster.metadata.all_hosts()))
    assert session.add_or_renew_pool(host, is_host_addition=False) is None  # never decides whether a node is up
    await until(lambda: session.is_shutdown, 20, "the refused session shut down")
    await until(lambda: len(identities) == 0, 20, "the refused session out of the cache")
    with pytest.raises(CredentialsRefused):
        await identities.session_for(role)
    assert identities.logins == 1  # refused from memory, without a new login
    assert all(h.is_up for h in service_cluster.metadata.all_hosts())


async def change_password(superuser: Session, role: str, password: str) -> None:
    """ALTER ROLE ... WITH PASSWORD, as soon as Cassandra allows it: it refuses a change within 5 s of the last."""
    refusals: list[str] = []
    for _ in range(100):
        try:
            superuser.execute(f"ALTER ROLE {role} WITH PASSWORD = %s", (password,))
            return
        # Any exception: one CI run let a NoHostAvailable carrying this very text escape `except NoHostAvailable`.
        except Exception as exc:
            text = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc!r}"
            if "can only be changed every" not in text:
                raise AssertionError(f"ALTER ROLE failed after {len(refusals)} refusals: {text}") from exc
            refusals.append(text)
        await asyncio.sleep(0.2)
    raise AssertionError(f"Cassandra never let {role}'s password change: {refusals[-1]}")


# ---- floods ---------------------------------------------------------------------------------------------------------


async def test_one_address_gets_only_its_own_logins(make_identities: MakeIdentities, auth_node: AuthNode) -> None:
    identities = make_identities(logins_per_second=1000, logins_per_address_per_second=2)
    names = [f"flood_{uuid.uuid4().hex[:12]}" for _ in range(6)]
    outcomes = await asyncio.gather(
        *(identities.session_for(credential(name, "x"), client="192.0.2.7") for name in names),
        return_exceptions=True,
    )
    assert sum(isinstance(o, CredentialsRefused) for o in outcomes) == 2  # the bucket's burst: 2 logins
    assert sum(isinstance(o, Shed) for o in outcomes) == 4
    assert identities.logins == 2


async def test_a_flood_of_random_credentials_opens_few_connections_while_a_valid_identity_answers(
    make_identities: MakeIdentities, make_role: MakeRole, auth_node: AuthNode, superuser: Session, roles: Roles
) -> None:
    valid = make_role(f"SELECT ON KEYSPACE {roles.keyspace}")
    rate = 5.0
    identities = make_identities(logins_per_second=rate, logins_per_address_per_second=2)
    (await identities.session_for(valid, client="192.0.2.1")).release()
    prefix = f"flood_{uuid.uuid4().hex[:8]}_"
    started = asyncio.get_running_loop().time()

    async def flood() -> list[object]:
        attempts = [
            identities.session_for(credential(f"{prefix}{n}", uuid.uuid4().hex), client=f"198.51.100.{n % 50}")
            for n in range(200)
        ]
        return await asyncio.gather(*attempts, return_exceptions=True)

    async def valid_reads() -> int:
        answered = 0
        for _ in range(20):
            async with identities.use(valid, client="192.0.2.1") as session:
                answered += len(await run(session, f"SELECT id FROM {roles.keyspace}.{roles.other}"))
        return answered

    outcomes, answered = await asyncio.gather(flood(), valid_reads())
    elapsed = asyncio.get_running_loop().time() - started
    assert answered == 20
    allowed = rate + rate * elapsed  # the global bucket: its burst, then `rate` a second
    assert sum(isinstance(o, CredentialsRefused) for o in outcomes) == identities.logins - 1 <= allowed
    assert sum(isinstance(o, Shed) for o in outcomes) >= 200 - allowed
    assert identities.open_sessions == 1

    def audited() -> int:
        return sum(1 for line in _audit_lines(auth_node) if f"username {prefix}" in line)

    # Cassandra saw as many login attempts as were let through, and no more.
    await until(lambda: audited() >= identities.logins - 1, 20, "the flood's logins in the audit log")
    assert audited() == identities.logins - 1
    assert connections(superuser, valid.username)() == 1


def _audit_lines(node: AuthNode) -> list[str]:
    return [line for line in node.system_log.read_text(errors="replace").splitlines() if "|type:LOGIN_" in line]


def test_credential_keys_are_digests_never_the_password() -> None:
    key = Credential("reader", credential("reader", PASSWORD).password).key
    assert len(key) == 64 and PASSWORD not in key
    assert key == credential("reader", PASSWORD).key != credential("reader", PASSWORD + "x").key


async def test_a_session_whose_connection_died_is_replaced_at_its_next_use(
    make_identities: MakeIdentities, make_role: MakeRole, roles: Roles, superuser: Session
) -> None:
    role = make_role(f"SELECT ON KEYSPACE {roles.keyspace}")
    identities = make_identities()
    lease = await identities.session_for(role)
    dead = lease.session
    lease.release()
    for pool in dead.get_pools():  # what a reset connection does: the driver's pool keeps it, defunct
        pool._connection.defunct(ConnectionException("cut by the test"))
    await until(lambda: connections(superuser, role.username)() == 0, 20, "the cut connection gone")
    async with identities.use(role) as session:
        assert session is not dead
        assert await run(session, f"SELECT id FROM {roles.keyspace}.{roles.other}")
    assert identities.logins == 2
    await until(lambda: dead.is_shutdown, 20, "the dead session shut down")
