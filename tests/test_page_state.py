"""Page tokens: opaque, URL-safe, bound to their query and secret; anything else is a BadPageState (a 400).

Keys come from HKDF-SHA256 of secrets of at least 32 bytes; PAGE_STATE_SECRETS rotates them (the first seals, any
opens, a key id in the token says which); a token older than PAGE_STATE_TTL is refused. The last tests run a real
app against the node: a cursor survives a rotation, and `python -m app --workers 2` shares one secret.
"""

from __future__ import annotations

import asyncio
import base64
import math
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Session
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.config import Settings, load_settings
from app.exceptions import BadPageState, ConfigError
from app.page_state import MAX_TOKEN_CHARS, PageStateCodec
from tests.support.app import app_client
from tests.support.processes import ROOT, free_port, service_env, stop_process

STATE = b"\x00\x10partition-key-data\xf0\x01"
SECRET = b"a-secret-of-at-least-32-bytes-for-tests"
OTHER = b"another-secret-of-at-least-32-bytes!!"
NEW = b"the-new-secret-of-at-least-32-bytes-00"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_token_round_trips_and_hides_the_paging_state() -> None:
    codec = PageStateCodec(SECRET)
    token = codec.seal(STATE, "plants:Plantago")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert b"partition" not in token.encode()
    assert b"partition" not in _raw(token)
    assert codec.open(token, "plants:Plantago") == STATE


def test_same_secret_in_two_processes_opens_each_others_tokens() -> None:
    token = PageStateCodec(SECRET).seal(STATE, "q")
    assert PageStateCodec(SECRET).open(token, "q") == STATE


@pytest.mark.parametrize(
    ("opener", "query"),
    [
        (PageStateCodec(SECRET), "plants:Other"),
        (PageStateCodec(SECRET), "animals:Plantago"),
        (PageStateCodec(OTHER), "plants:Plantago"),
        (PageStateCodec(), "plants:Plantago"),
    ],
)
def test_foreign_tokens_do_not_open(opener: PageStateCodec, query: str) -> None:
    token = PageStateCodec(SECRET).seal(STATE, "plants:Plantago")
    with pytest.raises(BadPageState):
        opener.open(token, query)


def test_every_single_character_change_is_refused() -> None:
    codec = PageStateCodec(SECRET)
    token = codec.seal(STATE, "q")
    for at in range(len(token)):
        changed = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]
        with pytest.raises(BadPageState):
            codec.open(changed, "q")


@pytest.mark.parametrize("token", ["", "!", "====", "a b", "x" * (MAX_TOKEN_CHARS + 1), "AQ", "Ag" * 20])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(BadPageState):
        PageStateCodec(SECRET).open(token, "q")


# ---- the key: HKDF-SHA256 of a secret of at least 32 bytes ------------------------------------------------------


def test_the_key_and_key_id_are_hkdf_sha256_of_the_secret() -> None:
    """Computed here independently: byte 1 of the token is the key id, the key opens the sealed state."""
    token = PageStateCodec(SECRET).seal(STATE, "q")
    raw = _raw(token)
    derived = HKDF(algorithm=hashes.SHA256(), length=33, salt=None, info=b"cassandra-sample-api page-state v2").derive(
        SECRET
    )
    version, key_id, _ = struct.unpack(">BBI", raw[:6])
    assert (version, key_id) == (2, derived[32])
    assert AESGCM(derived[:32]).decrypt(raw[6:18], raw[18:], raw[:6] + b"q") == STATE


@pytest.mark.parametrize("secret", [b"", b"secret", b"x" * 31])
def test_the_codec_refuses_secrets_under_32_bytes(secret: bytes) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        PageStateCodec(secret)
    PageStateCodec(b"x" * 32)
    PageStateCodec(None)  # none at all: a random key of this process


def test_configuration_refuses_a_short_secret_in_one_line_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(page_state_secret="tests-only-secret")
    line = str(raised.value)
    assert "PAGE_STATE_SECRET: the secret is 17 bytes, and each must be at least 32" in line
    assert "tests-only-secret" not in line and "\n" not in line


def test_configuration_names_the_short_one_among_several() -> None:
    with pytest.raises(ConfigError, match=r"PAGE_STATE_SECRETS: secret 2 of 2 is 5 bytes"):
        load_settings(page_state_secrets=f"{SECRET.decode()},short")


def test_one_secret_is_a_one_element_list_and_both_variables_are_refused() -> None:
    assert load_settings(page_state_secret=SECRET.decode()).page_state_keys == [SECRET]
    assert load_settings(page_state_secrets=f"{NEW.decode()}, {SECRET.decode()}").page_state_keys == [NEW, SECRET]
    with pytest.raises(ConfigError, match="both PAGE_STATE_SECRET and PAGE_STATE_SECRETS"):
        load_settings(page_state_secret=SECRET.decode(), page_state_secrets=NEW.decode())


def test_a_launcher_with_a_short_secret_exits_with_one_configuration_line() -> None:
    env = service_env(load_settings(), PAGE_STATE_SECRET="short")
    done = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "configuration error: PAGE_STATE_SECRET: the secret is 5 bytes, and each must be at least 32 (make one "
        "with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    )


# ---- rotation ---------------------------------------------------------------------------------------------------


def test_rotation_seals_with_the_first_secret_and_opens_with_any() -> None:
    old_token = PageStateCodec(SECRET).seal(STATE, "q")
    rotated = PageStateCodec([NEW, SECRET])
    assert rotated.open(old_token, "q") == STATE
    new_token = rotated.seal(STATE, "q")
    assert PageStateCodec(NEW).open(new_token, "q") == STATE
    with pytest.raises(BadPageState):
        PageStateCodec(SECRET).open(new_token, "q")
    with pytest.raises(BadPageState, match="its key was retired"):
        PageStateCodec(NEW).open(old_token, "q")  # the old secret dropped


def test_the_key_id_tells_the_secrets_apart() -> None:
    ids = {_raw(PageStateCodec(secret).seal(STATE, "q"))[1] for secret in (SECRET, OTHER, NEW)}
    assert len(ids) == 3


# ---- age ------------------------------------------------------------------------------------------------------


def test_a_token_is_refused_once_older_than_the_ttl() -> None:
    clock = Clock()
    codec = PageStateCodec(SECRET, ttl=600, clock=clock)
    token = codec.seal(STATE, "q")
    assert struct.unpack(">I", _raw(token)[2:6])[0] == int(clock.now)
    clock.now += 600
    assert codec.open(token, "q") == STATE
    clock.now += 1
    with pytest.raises(BadPageState, match=r"expired \(issued more than PAGE_STATE_TTL=600 s ago\)"):
        codec.open(token, "q")


def test_a_token_from_a_host_whose_clock_is_ahead_opens() -> None:
    ahead = PageStateCodec(SECRET, clock=Clock(1_800_000_300.0))
    assert PageStateCodec(SECRET, clock=Clock()).open(ahead.seal(STATE, "q"), "q") == STATE


# ---- size ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 20, 37, 120])
def test_tokens_are_34_bytes_longer_than_the_state_in_unpadded_base64(size: int) -> None:
    token = PageStateCodec(SECRET).seal(b"\x07" * size, "q")
    assert "=" not in token
    assert len(token) == math.ceil((size + 34) * 4 / 3)


# ---- against the node: a real app, a real driver paging state ----------------------------------------------


def _settings(base: Settings, **overrides: object) -> Settings:
    values: dict[str, object] = {"cassandra_keyspace": base.keyspace, "log_level": "warning"}
    values.update(overrides)
    return load_settings(**values)


async def test_a_cursor_survives_a_rotation_and_stops_when_its_secret_is_dropped(
    settings: Settings, cql: Session
) -> None:
    path, query = "/plant/Plantago", {"format": "page", "page_size": 10}
    async with app_client(_settings(settings, page_state_secrets=SECRET.decode())) as before:
        first = (await before.get(path, params=query)).json()
    token = first["next_page_state"]
    async with app_client(_settings(settings, page_state_secrets=f"{NEW.decode()},{SECRET.decode()}")) as rotated:
        second = await rotated.get(path, params={**query, "page_state": token})
        assert second.status_code == 200, second.text
        assert second.json()["items"][0]["species"] > first["items"][-1]["species"]
        fresh = second.json()["next_page_state"]
    async with app_client(_settings(settings, page_state_secrets=NEW.decode())) as after:
        assert (await after.get(path, params={**query, "page_state": fresh})).status_code == 200
        dropped = await after.get(path, params={**query, "page_state": token})
    assert dropped.status_code == 400
    assert dropped.json()["error"] == "bad_page_state"


async def test_an_expired_cursor_is_a_400(settings: Settings, cql: Session) -> None:
    path, query = "/plant/Plantago", {"format": "page", "page_size": 10}
    async with app_client(_settings(settings, page_state_secret=SECRET.decode(), page_state_ttl=1)) as client:
        token = (await client.get(path, params=query)).json()["next_page_state"]
        await asyncio.sleep(2.1)  # the issued-at has a resolution of one second
        expired = await client.get(path, params={**query, "page_state": token})
    assert expired.status_code == 400
    assert "expired" in expired.json()["detail"]


# ---- several workers, no secret configured ---------------------------------------------------------------------


def _environ(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)


def _workers(pid: int) -> list[int]:
    """uvicorn's spawned workers (not multiprocessing's resource tracker)."""
    found = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [child for child in found if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def test_workers_without_a_configured_secret_share_one(settings: Settings, cql: Session, tmp_path: Path) -> None:
    """`python -m app --workers 2` with no PAGE_STATE_SECRET(S): every follow-up page opens on either worker.

    Before the fix each worker sealed with a random key of its own, and about half the follow-ups got a 400."""
    env = service_env(settings, LOG_LEVEL="warning")
    del env["PAGE_STATE_SECRET"]
    port = free_port()
    log = tmp_path / "service.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text()
            workers = _workers(process.pid)
            try:
                if len(workers) == 2 and httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        shared = {_environ(worker)["PAGE_STATE_SECRETS"] for worker in workers}
        assert len(shared) == 1 and len(next(iter(shared))) >= 32
        statuses = []
        for _ in range(40):
            # A new connection each time: the kernel hands each to whichever worker accepts first.
            with httpx.Client(base_url=url, timeout=10) as first, httpx.Client(base_url=url, timeout=10) as second:
                token = first.get("/plant/Plantago", params={"format": "page", "page_size": 5}).json()
                follow = second.get(
                    "/plant/Plantago", params={"format": "page", "page_size": 5, "page_state": token["next_page_state"]}
                )
            statuses.append(follow.status_code)
    finally:
        stop_process(process)
    assert statuses == [200] * 40, statuses
    assert "made one for the 2 workers" in log.read_text()
