"""Who may do what: the one access rule that every face (the sample, the Stargate face) and the OpenAPI filter ask.

A pure decision from the settings and the credential a request presents; each face words the refusal in its own
shape. Keys are compared by SHA-256 digest in constant time against every configured key, with no early exit, so
the time taken says nothing about which key came close nor how long the keys are. No key is ever logged or echoed.

Keys of API_KEYS hold every scope. Keys of API_KEYS_FILE (`app.identity.keys_file`) are named and scoped: a request
names its target (keyspace, table) and its action (read, write, admin), and a key without that scope is refused
with SCOPE (403), the message naming the missing scope; an expired key is INVALID (401), the message saying so.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr

from app.config import Settings
from app.identity.keys_file import Action, ring_for


class Refusal(StrEnum):
    MISSING = "missing"  # 401: no credential was presented
    INVALID = "invalid"  # 401: the credential is not one of ours
    NO_KEYS = "no_keys"  # 403: a key is needed, and none is configured
    SCOPE = "scope"  # 403: the key is ours, but has no scope for this action on this target


@dataclass(frozen=True, slots=True)
class Decision:
    refusal: Refusal | None
    # Who is asking, for the logs: "anonymous", "key:<first 8 hex of its SHA-256>" (API_KEYS), or "key:<id>"
    # (API_KEYS_FILE).
    principal: str
    detail: str = ""  # for SCOPE and an expired key: what to tell the client (never the key)

    @property
    def allowed(self) -> bool:
        return self.refusal is None

    @property
    def status(self) -> int:
        return 403 if self.refusal in (Refusal.NO_KEYS, Refusal.SCOPE) else 401


ANONYMOUS = Decision(None, "anonymous")


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The credential a request carries: `Authorization: Bearer`, `X-API-Key`, or Stargate's `X-Cassandra-Token`."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return headers.get("x-api-key") or headers.get("x-cassandra-token") or None


def digest(key: str) -> bytes:
    # Starlette decodes header bytes as latin-1: encoding back gives them as sent.
    return hashlib.sha256(key.encode("latin-1", errors="replace")).digest()


def key_matches(given: str, keys: list[SecretStr]) -> bool:
    """Constant-time comparison of digests against every key, with no early exit on a match.

    Comparing digests, not the keys, makes every comparison one of 32 bytes: `compare_digest` returns at once on a
    length mismatch, which would tell a client how long the keys are."""
    presented = digest(given)
    found = False
    for key in keys:
        found |= hmac.compare_digest(presented, hashlib.sha256(key.get_secret_value().encode("utf-8")).digest())
    return found


def decide(
    settings: Settings,
    given: str | None,
    *,
    write: bool = False,
    keyspace: str | None = None,
    table: str | None = None,
    action: Action | None = None,
) -> Decision:
    """Writes need a key (unless anonymous writes are on and no key is configured); reads too under PROTECT_READS.

    `action` defaults to write or read after `write`; `admin` (schema changes) is treated as a write. A scoped key
    needs its scope on `keyspace.table` (on the keyspace when `table` is None, on `*` when `keyspace` is None)."""
    action = action or ("write" if write else "read")
    writing = action != "read"
    if not writing and not settings.protect_reads:
        return ANONYMOUS
    if not settings.api_keys and settings.api_keys_file is None:
        if writing and settings.allow_anonymous_writes:
            return ANONYMOUS
        return Decision(Refusal.NO_KEYS, "anonymous")
    if given is None:
        return Decision(Refusal.MISSING, "anonymous")
    if key_matches(given, settings.api_keys):
        return Decision(None, "key:" + digest(given).hex()[:8])
    if settings.api_keys_file is None:
        return Decision(Refusal.INVALID, "anonymous")
    return _decide_scoped(settings, given, action, keyspace, table)


def _decide_scoped(settings: Settings, given: str, action: Action, keyspace: str | None, table: str | None) -> Decision:
    assert settings.api_keys_file is not None
    found = ring_for(settings.api_keys_file).lookup(digest(given).hex())
    if found is None:
        return Decision(Refusal.INVALID, "anonymous")
    principal = "key:" + found.id
    if found.expired(datetime.datetime.now(datetime.UTC)):
        assert found.expires is not None
        return Decision(Refusal.INVALID, principal, f"key {found.id!r} expired at {found.expires.isoformat()}")
    if not found.allows(action, keyspace, table):
        target = "every keyspace" if keyspace is None else keyspace + ("" if table is None else "." + table)
        return Decision(Refusal.SCOPE, principal, f"key {found.id!r} has no {action} scope on {target}")
    return Decision(None, principal)


def decide_metrics(settings: Settings, given: str | None) -> Decision:
    """METRICS_KEY when set (a scraper's own credential, good for nothing else); else the rule of a read."""
    if settings.metrics_key is None:
        return decide(settings, given, write=False)
    if given is None:
        return Decision(Refusal.MISSING, "anonymous")
    if not key_matches(given, [settings.metrics_key]):
        return Decision(Refusal.INVALID, "anonymous")
    return Decision(None, "metrics")
