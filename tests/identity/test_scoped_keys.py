"""Named, scoped API keys from API_KEYS_FILE in the one access rule: scopes per keyspace and table, expiry, and the
file re-read without a restart."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from app.access import Refusal, decide
from app.config import Settings, load_settings
from app.exceptions import ConfigError
from app.identity.keys_file import KeyRing, parse_keys, reload_all

READER_KEY = "reader-key-0123456789"
LOADER_KEY = "loader-key-0123456789"
OLD_KEY = "expired-key-0123456789"
ENV_KEY = "env-key-012345678901"


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def entry(key_id: str, key: str, scopes: dict[str, list[str]], **more: Any) -> dict[str, Any]:
    return {"id": key_id, "sha256": sha(key), "scopes": scopes, **more}


KEYS = [
    entry("ci-reader", READER_KEY, {"read": ["sample.*"]}),
    entry("loader", LOADER_KEY, {"write": ["sample.plants"]}),
    entry("old", OLD_KEY, {"admin": ["*"]}, expires="2020-01-01T00:00:00Z"),
]


def write_keys(path: Path, keys: list[dict[str, Any]]) -> None:
    """Replace the file by a rename, as an operator should: the new inode is a change even within one clock tick."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"keys": keys}))
    os.replace(temporary, path)


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    write_keys(path, KEYS)
    return path


@pytest.fixture
def settings(keys_file: Path) -> Settings:
    return load_settings(api_keys_file=str(keys_file), api_keys=ENV_KEY, protect_reads=True)


def test_a_read_only_key_is_refused_a_write_naming_the_missing_scope(settings: Settings) -> None:
    decision = decide(settings, READER_KEY, action="write", keyspace="sample", table="plants")
    assert (decision.refusal, decision.status) == (Refusal.SCOPE, 403)
    assert decision.detail == "key 'ci-reader' has no write scope on sample.plants"


def test_a_read_only_key_reads_any_table_of_its_keyspace(settings: Settings) -> None:
    decision = decide(settings, READER_KEY, write=False, keyspace="sample", table="animals")
    assert (decision.allowed, decision.principal) == (True, "key:ci-reader")


def test_a_per_table_key_writes_its_table(settings: Settings) -> None:
    assert decide(settings, LOADER_KEY, write=True, keyspace="sample", table="plants").allowed


def test_a_per_table_key_is_refused_another_table(settings: Settings) -> None:
    decision = decide(settings, LOADER_KEY, write=True, keyspace="sample", table="animals")
    assert decision.refusal is Refusal.SCOPE


def test_a_write_scope_includes_reading_the_same_table(settings: Settings) -> None:
    assert decide(settings, LOADER_KEY, keyspace="sample", table="plants").allowed


def test_a_scoped_key_is_refused_a_request_without_a_target(settings: Settings) -> None:
    decision = decide(settings, READER_KEY, write=False)
    assert decision.detail == "key 'ci-reader' has no read scope on every keyspace"


def test_a_keyspace_level_request_needs_a_scope_on_the_whole_keyspace(settings: Settings) -> None:
    assert decide(settings, READER_KEY, keyspace="sample").allowed
    assert decide(settings, LOADER_KEY, keyspace="sample").refusal is Refusal.SCOPE


def test_an_expired_key_is_invalid_and_says_so(settings: Settings) -> None:
    decision = decide(settings, OLD_KEY, action="admin", keyspace="sample", table="plants")
    assert (decision.refusal, decision.status) == (Refusal.INVALID, 401)
    assert "expired" in decision.detail


def test_a_key_of_api_keys_holds_every_scope(settings: Settings) -> None:
    assert decide(settings, ENV_KEY, action="admin", keyspace="other", table="t").allowed


def test_an_unknown_key_is_invalid(settings: Settings) -> None:
    assert decide(settings, "no-such-key-0123456789", write=True).refusal is Refusal.INVALID


def test_the_old_call_form_still_answers_for_api_keys_alone() -> None:
    settings = load_settings(api_keys=ENV_KEY)
    assert decide(settings, ENV_KEY, write=True).principal == "key:" + sha(ENV_KEY)[:8]


def test_a_rewritten_file_is_seen_by_the_next_decision_after_a_reload(keys_file: Path, settings: Settings) -> None:
    assert decide(settings, LOADER_KEY, write=True, keyspace="sample", table="animals").refusal is Refusal.SCOPE
    write_keys(keys_file, [entry("loader", LOADER_KEY, {"write": ["sample"]})])
    reload_all()  # what a SIGHUP does; on its own, the file is checked at most once a second
    assert decide(settings, LOADER_KEY, write=True, keyspace="sample", table="animals").allowed


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_file_is_checked_again_a_second_after_the_last_check(keys_file: Path) -> None:
    clock = Clock()
    ring = KeyRing(keys_file, clock=clock)
    write_keys(keys_file, [entry("newcomer", "newcomer-key-0123456789", {"read": ["*"]})])
    assert ring.lookup(sha("newcomer-key-0123456789")) is None  # not checked again yet
    clock.now += 1
    found = ring.lookup(sha("newcomer-key-0123456789"))
    assert found is not None and found.id == "newcomer"


def test_an_invalid_file_on_reload_keeps_the_old_keys_and_logs_one_error(
    keys_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    ring = KeyRing(keys_file, clock=clock)
    keys_file.with_suffix(".tmp").write_text('{"keys": [{"id": "broken"')
    os.replace(keys_file.with_suffix(".tmp"), keys_file)
    with caplog.at_level(logging.INFO, logger="app.identity"):
        for _ in range(3):
            clock.now += 1
            assert ring.lookup(sha(READER_KEY)) is not None
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "keeping the 3 keys" in errors[0].getMessage()


def test_a_file_that_is_wrong_at_start_up_stops_it(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [{"id": "k", "sha256": READER_KEY, "scopes": {"read": ["*"]}}]}))
    with pytest.raises(ConfigError, match="64 hex digits"):
        KeyRing(path)


def test_the_keys_file_may_be_toml() -> None:
    keys = parse_keys(
        f'[[keys]]\nid = "t"\nsha256 = "{sha(READER_KEY)}"\nexpires = 2030-01-01T00:00:00Z\n'
        '[keys.scopes]\nread = ["sample.*"]\n',
        toml=True,
    )
    assert keys[sha(READER_KEY)].expires is not None


def test_a_scope_that_is_not_read_write_or_admin_is_refused() -> None:
    with pytest.raises(ConfigError, match="'delete' is not one of read, write, admin"):
        parse_keys(json.dumps({"keys": [entry("k", READER_KEY, {"delete": ["*"]})]}), toml=False)


def test_an_expiry_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ConfigError, match="with its zone"):
        parse_keys(json.dumps({"keys": [entry("k", READER_KEY, {"read": ["*"]}, expires="2030-01-01")]}), toml=False)


def test_a_file_broken_after_start_up_refuses_its_keys_without_failing_the_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "keys.json"
    write_keys(path, KEYS)
    settings = load_settings(api_keys_file=str(path), protect_reads=True)
    path.write_text("{")  # broken before the first lookup of this process
    with caplog.at_level(logging.ERROR, logger="app.identity"):
        assert decide(settings, READER_KEY, keyspace="sample", table="plants").refusal is Refusal.INVALID
    assert "not valid JSON" in caplog.text
