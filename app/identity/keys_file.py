"""Named, scoped API keys from API_KEYS_FILE (JSON, or TOML when the name ends in `.toml`), re-read on change.

    {"keys": [
      {"id": "ci-reader", "sha256": "<64 hex: SHA-256 of the key>", "scopes": {"read": ["sample.*"]},
       "expires": "2027-01-31T00:00:00Z"},
      {"id": "loader", "sha256": "...", "scopes": {"read": ["sample"], "write": ["sample.plants"]}}
    ]}

A scope is `read`, `write` or `admin` (schema changes), each a list of `keyspace.table` patterns (`*`, `?` and `[...]`
as in shell globs, case-sensitive; `sample` alone means `sample.*`, `*` means everything). A higher scope grants the
lower ones: admin includes write, write includes read. `expires` is RFC 3339 with a time zone. The file holds only
digests, never a key: make one with `printf %s "$KEY" | sha256sum`.

The file is checked at most once a second, on lookup: a changed file (modification time, size or inode: replace it
with a rename to be sure) is read again; a file that fails to read or validate keeps the previous keys and logs one
error line. At start-up, the settings' own check of the file stops the service when the file is wrong.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from app.exceptions import ConfigError

log = logging.getLogger("app.identity")

Action = Literal["read", "write", "admin"]
ACTIONS: tuple[Action, ...] = ("read", "write", "admin")  # each includes the ones before it
MAX_FILE_BYTES = 1024 * 1024
MAX_KEYS = 10_000
CHECK_EVERY_SECONDS = 1.0
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}\Z")
SHA256 = re.compile(r"[0-9a-fA-F]{64}\Z")
PATTERN = re.compile(r"[A-Za-z0-9_*?\[\]!-]{1,64}(\.[A-Za-z0-9_*?\[\]!-]{1,64})?\Z")


@dataclass(frozen=True, slots=True)
class Scope:
    """`keyspace.table` globs; a keyspace-level target needs a pattern whose table part is `*`."""

    keyspace: str
    table: str

    @classmethod
    def parse(cls, pattern: str) -> Scope:
        keyspace, _, table = pattern.partition(".")
        return cls(keyspace, table or "*")

    def covers(self, keyspace: str | None, table: str | None) -> bool:
        if keyspace is None:  # no target (listings, the OpenAPI document): only a scope on everything covers it
            return self.keyspace == "*" and self.table == "*"
        if not fnmatchcase(keyspace, self.keyspace):
            return False
        return self.table == "*" if table is None else fnmatchcase(table, self.table)


@dataclass(frozen=True, slots=True)
class FileKey:
    id: str
    sha256: str  # lower-case hex
    scopes: Mapping[Action, tuple[Scope, ...]]
    expires: datetime.datetime | None

    def expired(self, now: datetime.datetime) -> bool:
        return self.expires is not None and now >= self.expires

    def allows(self, action: Action, keyspace: str | None, table: str | None) -> bool:
        granting = ACTIONS[ACTIONS.index(action) :]
        return any(scope.covers(keyspace, table) for held in granting for scope in self.scopes.get(held, ()))


def parse_keys(text: str, *, toml: bool) -> dict[str, FileKey]:
    """Every key of the file by its digest; ConfigError naming the first entry that is wrong."""
    try:
        document = tomllib.loads(text) if toml else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"API_KEYS_FILE is not valid {'TOML' if toml else 'JSON'}: {exc}") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ConfigError('API_KEYS_FILE must hold {"keys": [...]} (a list of entries)')
    if len(entries) > MAX_KEYS:
        raise ConfigError(f"API_KEYS_FILE has {len(entries)} keys, more than {MAX_KEYS}")
    keys: dict[str, FileKey] = {}
    ids: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        key = _entry(entry, number)
        if key.id in ids or key.sha256 in keys:
            raise ConfigError(f"API_KEYS_FILE entry {number} ({key.id}): its id or its sha256 is already used")
        ids.add(key.id)
        keys[key.sha256] = key
    return keys


def _entry(entry: object, number: int) -> FileKey:
    where = f"API_KEYS_FILE entry {number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} is not an object")
    unknown = set(entry) - {"id", "sha256", "scopes", "expires"}
    if unknown:
        raise ConfigError(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
    key_id, digest = entry.get("id"), entry.get("sha256")
    if not isinstance(key_id, str) or not ID.fullmatch(key_id):
        raise ConfigError(f"{where}: id must be 1 to 64 letters, digits or _.:@- (starting with a letter or digit)")
    where = f"{where} ({key_id})"
    if not isinstance(digest, str) or not SHA256.fullmatch(digest):
        raise ConfigError(f"{where}: sha256 must be the key's SHA-256 in 64 hex digits (never the key itself)")
    return FileKey(key_id, digest.lower(), _scopes(entry.get("scopes"), where), _expires(entry.get("expires"), where))


def _scopes(value: object, where: str) -> dict[Action, tuple[Scope, ...]]:
    if not isinstance(value, dict) or not value:
        raise ConfigError(f'{where}: scopes must be an object such as {{"read": ["sample.*"]}}')
    scopes: dict[Action, tuple[Scope, ...]] = {}
    for action, patterns in value.items():
        if action not in ACTIONS:
            raise ConfigError(f"{where}: scope {action!r} is not one of read, write, admin")
        if not isinstance(patterns, list) or not patterns:
            raise ConfigError(f"{where}: scope {action} must be a non-empty list of keyspace.table patterns")
        for pattern in patterns:
            if not isinstance(pattern, str) or not PATTERN.fullmatch(pattern):
                raise ConfigError(f"{where}: {pattern!r} is not a keyspace or keyspace.table pattern")
        scopes[action] = tuple(Scope.parse(pattern) for pattern in patterns)
    return scopes


def _expires(value: object, where: str) -> datetime.datetime | None:
    if value is None:
        return None
    when: object = value
    if isinstance(value, str):
        try:
            when = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"{where}: expires {value!r} is not an RFC 3339 time") from None
    if not isinstance(when, datetime.datetime) or when.tzinfo is None:
        raise ConfigError(f"{where}: expires must be an RFC 3339 time with its zone, e.g. 2027-01-31T00:00:00Z")
    return when


def read_keys_file(path: Path) -> dict[str, FileKey]:
    """The keys of the file now; ConfigError when it cannot be read or is not valid."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"API_KEYS_FILE {path} cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"API_KEYS_FILE {path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"API_KEYS_FILE {path} is not UTF-8") from None
    return parse_keys(text, toml=path.suffix.lower() == ".toml")


class KeyRing:
    """The keys of one file, re-read when it changes (checked at most every `check_every` seconds, on lookup)."""

    def __init__(
        self,
        path: Path,
        *,
        check_every: float = CHECK_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        strict: bool = True,
    ) -> None:
        """`strict`: a file that is wrong now raises ConfigError; else it logs one error and holds no key until the
        file changes (a request must never fail on it: the settings already checked the file at start-up)."""
        self.path = path
        self._check_every = check_every
        self._clock = clock
        self._lock = threading.Lock()
        self._signature = _signature(path)
        self._keys: dict[str, FileKey] = {}
        try:
            self._keys = read_keys_file(path)
        except ConfigError as exc:
            if strict:
                raise
            log.error("%s: no key of the file is accepted until it is fixed", exc)
        self._checked = clock()

    def lookup(self, digest_hex: str) -> FileKey | None:
        """The entry of a key's SHA-256 (hex). A dict lookup on a digest the client cannot choose: its timing says
        nothing about any key."""
        self.refresh()
        return self._keys.get(digest_hex)

    def refresh(self, *, force: bool = False) -> None:
        now = self._clock()
        if not force and now - self._checked < self._check_every:
            return
        with self._lock:
            self._checked = now
            signature = _signature(self.path)
            if signature == self._signature and not force:
                return
            self._signature = signature
            try:
                self._keys = read_keys_file(self.path)
            except ConfigError as exc:
                log.error("%s: keeping the %d keys read before", exc, len(self._keys))
                return
            log.info("API_KEYS_FILE %s read again: %d keys", self.path, len(self._keys))

    def __len__(self) -> int:
        return len(self._keys)


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size, found.st_ino)


_rings: dict[Path, KeyRing] = {}
_rings_lock = threading.Lock()


def ring_for(path: Path) -> KeyRing:
    """The one ring of a file per process, made at its first lookup (API_KEYS_FILE was checked at start-up)."""
    with _rings_lock:
        ring = _rings.get(path)
        if ring is None:
            ring = _rings[path] = KeyRing(path, strict=False)
        return ring


def reload_all() -> None:
    """Re-read every file now (a SIGHUP handler may call this)."""
    with _rings_lock:
        rings = list(_rings.values())
    for ring in rings:
        ring.refresh(force=True)
