"""The steps of `scripts/astra-local` that need Python: certificates, provisioning over CQL, the metadata service,
the bundle. The bash script runs them in order around `scripts/cassandra start|wait|stop`.

Layout under ASTRA_LOCAL_DIR (default `.astra-local/`): `tls/` (CA, server, client), `cassandra/` (the node's home),
`cassandra-extra.yaml`, `state.json` (secrets and the node's host id, 0600), `metadata.pid|log`,
`secure-connect-astra-local.zip`, `env`.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import signal
import ssl
import string
import subprocess
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cassandra import AuthenticationFailed
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable, Session
from cassandra.policies import DCAwareRoundRobinPolicy

from astra_local.certs import TlsFiles, make_certificates, write_private

ROOT = Path(__file__).resolve().parent.parent
LOCAL_DC = "datacenter1"
ADMIN_ROLE = "astra_admin"
TOKEN_ROLE = "token"
BUNDLE_NAME = "secure-connect-astra-local.zip"
WAIT_SECONDS = 30.0
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,47}")


class StandInError(Exception):
    """A step failed; the message is the one line `scripts/astra-local` prints."""


@dataclass(frozen=True)
class Layout:
    """Every path and address of one stand-in, from the environment `scripts/astra-local` exports."""

    home: Path
    address: str
    cql_port: int
    metadata_port: int
    keyspace: str

    @classmethod
    def from_env(cls) -> Layout:
        keyspace = os.environ.get("ASTRA_LOCAL_KEYSPACE", "astra_local")
        if not IDENTIFIER.fullmatch(keyspace):
            # It is spliced into CREATE KEYSPACE and GRANT: a plain identifier only.
            raise StandInError(f"ASTRA_LOCAL_KEYSPACE={keyspace!r} is not a CQL identifier (letters, digits, _)")
        return cls(
            home=Path(os.environ.get("ASTRA_LOCAL_DIR", ROOT / ".astra-local")).resolve(),
            address=os.environ.get("ASTRA_LOCAL_ADDRESS")
            or f"127.0.0.{int(os.environ.get('ASTRA_LOCAL_ADDRESS_BASE', '20')) + 1}",
            cql_port=9042,
            metadata_port=int(os.environ.get("ASTRA_LOCAL_METADATA_PORT", "29080")),
            keyspace=keyspace,
        )

    @property
    def tls(self) -> TlsFiles:
        return TlsFiles(self.home / "tls")

    @property
    def state_file(self) -> Path:
        return self.home / "state.json"

    @property
    def extra_yaml(self) -> Path:
        return self.home / "cassandra-extra.yaml"

    @property
    def metadata_pid(self) -> Path:
        return self.home / "metadata.pid"

    @property
    def metadata_log(self) -> Path:
        return self.home / "metadata.log"

    @property
    def bundle(self) -> Path:
        return self.home / BUNDLE_NAME

    @property
    def env_file(self) -> Path:
        return self.home / "env"

    @property
    def metadata_url(self) -> str:
        return f"https://{self.address}:{self.metadata_port}/metadata"


def astra_token() -> str:
    """A secret shaped like Astra's application tokens: `AstraCS:<24 letters>:<64 hex>`."""
    letters = "".join(secrets.choice(string.ascii_letters) for _ in range(24))
    return f"AstraCS:{letters}:{secrets.token_hex(32)}"


def load_state(layout: Layout) -> dict[str, Any]:
    if not layout.state_file.is_file():
        return {}
    return dict(json.loads(layout.state_file.read_text()))


def save_state(layout: Layout, state: dict[str, Any]) -> None:
    write_private(layout.state_file, (json.dumps(state, indent=2) + "\n").encode())


def prepare(layout: Layout) -> None:
    """Certificates, secrets and the yaml lines that make the node look like Astra; kept across restarts."""
    layout.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not layout.tls.complete():
        print(f"==> Making a private CA, a server and a client certificate in {layout.tls.folder}")
        make_certificates(layout.tls.folder, addresses=[layout.address])
    state = load_state(layout)
    state.setdefault("token_secret", astra_token())
    state.setdefault("admin_secret", secrets.token_urlsafe(24))
    state["keyspace"] = layout.keyspace
    save_state(layout, state)
    layout.extra_yaml.write_text(
        "# Appended by scripts/astra-local: Astra's face (password auth, permissions, client TLS with client certs).\n"
        "authenticator: PasswordAuthenticator\n"
        "authorizer: CassandraAuthorizer\n"
        "role_manager: CassandraRoleManager\n"
        "client_encryption_options:\n"
        "  enabled: true\n"
        "  optional: false\n"
        "  require_client_auth: true\n"
        "  ssl_context_factory:\n"
        "    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory\n"
        f"  keystore: {layout.tls.server_pem}\n"
        f"  truststore: {layout.tls.ca_cert}\n"
    )


def client_context(tls: TlsFiles) -> ssl.SSLContext:
    """Client side of mutual TLS, with the hostname check the bundle's own context leaves out."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(tls.ca_cert)
    context.load_cert_chain(tls.client_cert, tls.client_key)
    return context


def admin_session(layout: Layout, user: str = ADMIN_ROLE, password: str | None = None) -> tuple[Cluster, Session]:
    """A superuser session over mutual TLS (the stand-in's own; a service only ever gets the token)."""
    password = password if password is not None else load_state(layout)["admin_secret"]
    profile = ExecutionProfile(load_balancing_policy=DCAwareRoundRobinPolicy(local_dc=LOCAL_DC), request_timeout=30)
    cluster = Cluster(
        contact_points=[layout.address],
        port=layout.cql_port,
        ssl_context=client_context(layout.tls),
        auth_provider=PlainTextAuthProvider(user, password),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        connect_timeout=10,
    )
    return connected(cluster)


def connected(cluster: Cluster) -> tuple[Cluster, Session]:
    """The cluster and its session; when connecting fails, the cluster is shut down (its threads stop) first."""
    try:
        return cluster, cluster.connect()
    except BaseException:
        cluster.shutdown()
        raise


def _auth_failed(exc: NoHostAvailable) -> bool:
    return any(isinstance(e, AuthenticationFailed) for e in exc.errors.values())


def provision(layout: Layout) -> None:
    """What Astra's console does: the token role and the keyspace; the default superuser is locked out, as on Astra.

    Idempotent: on a node that was provisioned before, it logs in with the stored admin secret instead.
    """
    state = load_state(layout)
    admin = state["admin_secret"]
    cluster, session, user = _first_login(layout, admin)
    if user == "cassandra":
        # A new node: only the default superuser exists. Make our own, then never use cassandra/cassandra again.
        try:
            session.execute(
                f"CREATE ROLE IF NOT EXISTS {ADMIN_ROLE} WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = %s",
                (admin,),
            )
        finally:
            cluster.shutdown()
        cluster, session = admin_session(layout, ADMIN_ROLE, admin)
    try:
        session.execute("ALTER ROLE cassandra WITH LOGIN = false")
        session.execute(
            f'CREATE ROLE IF NOT EXISTS "{TOKEN_ROLE}" WITH LOGIN = true AND PASSWORD = %s', (state["token_secret"],)
        )
        session.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {layout.keyspace} "
            f"WITH replication = {{'class': 'NetworkTopologyStrategy', '{LOCAL_DC}': 1}}"
        )
        session.execute(f'GRANT ALL PERMISSIONS ON KEYSPACE {layout.keyspace} TO "{TOKEN_ROLE}"')
        row = session.execute("SELECT host_id FROM system.local").one()
        state["host_id"] = str(row.host_id)
    finally:
        cluster.shutdown()
    save_state(layout, state)
    print(f'==> Role "{TOKEN_ROLE}" and keyspace {layout.keyspace} ready; node host id {state["host_id"]}')


def _first_login(layout: Layout, admin: str) -> tuple[Cluster, Session, str]:
    """Our admin role if it exists, else the default superuser; retried a while, because a node that has just opened
    its CQL port may not have made the default superuser yet."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        problems = []
        for user, password in ((ADMIN_ROLE, admin), ("cassandra", "cassandra")):
            try:
                return (*admin_session(layout, user, password), user)
            except NoHostAvailable as exc:
                problems.append(f"{user}: {next(iter(exc.errors.values()), exc)}")
                if not _auth_failed(exc):
                    break
        if time.monotonic() > deadline:
            raise StandInError(
                f"cannot log in to the stand-in node over TLS ({'; '.join(problems)}); if its data predates the "
                "secrets in state.json, `scripts/astra-local clean` starts afresh"
            )
        time.sleep(1)


def metadata_pid(layout: Layout) -> int | None:
    """The pid in our pid file, if that process is alive and is our metadata service (not a reused pid)."""
    try:
        pid = int(layout.metadata_pid.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) and b"astra_local.metadata" in _cmdline(pid) else None


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def fetch_metadata(layout: Layout, timeout: float = 2.0) -> dict[str, Any]:
    """GET /metadata the way the driver does: our client certificate, the bundle's CA."""
    with urllib.request.urlopen(layout.metadata_url, context=client_context(layout.tls), timeout=timeout) as answer:
        return dict(json.loads(answer.read()))


def metadata_start(layout: Layout) -> None:
    """Start the metadata service as its own process (own session, pid file) and wait until it answers."""
    state = load_state(layout)
    if "host_id" not in state:
        raise StandInError("the node's host id is unknown: run `scripts/astra-local start`")
    if (pid := metadata_pid(layout)) is not None:
        print(f"==> Metadata service already running (pid {pid})")
        return
    command = [
        sys.executable,
        "-m",
        "astra_local.metadata",
        "--tls",
        str(layout.tls.folder),
        "--listen",
        f"{layout.address}:{layout.metadata_port}",
        "--host-id",
        state["host_id"],
        "--sni-proxy",
        f"{layout.address}:{layout.cql_port}",
        "--local-dc",
        LOCAL_DC,
    ]
    with layout.metadata_log.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    layout.metadata_pid.write_text(f"{process.pid}\n")
    print(f"==> Started the metadata service on {layout.metadata_url} (pid {process.pid})")
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        if process.poll() is not None:
            layout.metadata_pid.unlink(missing_ok=True)
            tail = layout.metadata_log.read_text(errors="replace").strip().splitlines()[-5:]
            raise StandInError(f"the metadata service exited with {process.returncode}: {' | '.join(tail)}")
        try:
            fetch_metadata(layout)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise StandInError(f"the metadata service did not answer within {WAIT_SECONDS:.0f}s") from None
            time.sleep(0.1)


def metadata_stop(layout: Layout) -> None:
    """SIGTERM the pid we started, and wait for it to go."""
    pid = metadata_pid(layout)
    if pid is None:
        layout.metadata_pid.unlink(missing_ok=True)
        print("==> Metadata service is not running")
        return
    print(f"==> Stopping the metadata service (pid {pid})")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
        time.sleep(0.05)
    layout.metadata_pid.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Running, and not a zombie (an exited process nobody has reaped yet still answers kill -0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def metadata_status(layout: Layout) -> bool:
    pid = metadata_pid(layout)
    if pid is None:
        print("metadata service not running")
        return False
    try:
        answer = fetch_metadata(layout)
    except OSError as exc:
        print(f"metadata service pid {pid} on {layout.metadata_url}, answers: no ({exc})")
        return False
    points = answer["contact_info"]["contact_points"]
    print(f"metadata service pid {pid} on {layout.metadata_url}, answers: yes (contact points {points})")
    return True


def write_bundle(tls: TlsFiles, target: Path, *, host: str, port: int) -> Path:
    """A Secure Connect Bundle in Astra's layout: config.json, ca.crt, cert, key at the zip's root."""
    config = {"host": host, "port": port, "localDC": LOCAL_DC}
    target.parent.mkdir(parents=True, exist_ok=True)
    archive = io.BytesIO()  # the zip holds the client key: it is written 0600 in one go, never wider
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("config.json", json.dumps(config, indent=2))
        bundle.write(tls.ca_cert, "ca.crt")
        bundle.write(tls.client_cert, "cert")
        bundle.write(tls.client_key, "key")
    write_private(target, archive.getvalue())
    return target


def bundle(layout: Layout) -> None:
    """The bundle zip and `env` with the four ASTRA_DB_* variables (what a user downloads from Astra's console)."""
    state = load_state(layout)
    if "token_secret" not in state:
        raise StandInError("no stand-in here yet: run `scripts/astra-local start`")
    write_bundle(layout.tls, layout.bundle, host=layout.address, port=layout.metadata_port)
    write_private(
        layout.env_file,
        (
            "# Written by scripts/astra-local: the local Astra stand-in. Use: set -a; . .astra-local/env; scripts/run\n"
            f"ASTRA_DB_CLIENT_ID={TOKEN_ROLE}\n"
            f"ASTRA_DB_CLIENT_SECRET={state['token_secret']}\n"
            f"ASTRA_DB_SECURE_BUNDLE_PATH={layout.bundle}\n"
            f"ASTRA_DB_KEYSPACE={state['keyspace']}\n"
        ).encode(),
    )
    print(f"==> Bundle {layout.bundle}")
    print(f"==> Variables in {layout.env_file}  (set -a; . {layout.env_file}; scripts/run)")


COMMANDS = {
    "prepare": prepare,
    "provision": provision,
    "metadata-start": metadata_start,
    "metadata-stop": metadata_stop,
    "bundle": bundle,
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in [*COMMANDS, "metadata-status"]:
        print(f"usage: python -m astra_local {{{'|'.join([*COMMANDS, 'metadata-status'])}}}", file=sys.stderr)
        return 2
    # The driver logs each failed attempt with a traceback; the step reports its own one line instead.
    logging.basicConfig(level=logging.CRITICAL, format="%(name)s: %(message)s")
    try:
        layout = Layout.from_env()
        if args[0] == "metadata-status":
            return 0 if metadata_status(layout) else 1
        COMMANDS[args[0]](layout)
    except StandInError as exc:
        print(f"scripts/astra-local: {exc}", file=sys.stderr)
        return 1
    return 0
