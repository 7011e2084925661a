"""Who may do what: the one access rule that every face (the sample, the Stargate face) and the OpenAPI filter ask.

A pure decision from the settings and the credential a request presents; each face words the refusal in its own
shape. Keys are compared by SHA-256 digest in constant time against every configured key, with no early exit, so
the time taken says nothing about which key came close nor how long the keys are. No key is ever logged or echoed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr

from app.config import Settings


class Refusal(StrEnum):
    MISSING = "missing"  # 401: no credential was presented
    INVALID = "invalid"  # 401: the credential is not one of ours
    NO_KEYS = "no_keys"  # 403: a key is needed, and none is configured


@dataclass(frozen=True, slots=True)
class Decision:
    refusal: Refusal | None
    principal: str  # who is asking, for the logs: "anonymous", or "key:<first 8 hex of its SHA-256>"

    @property
    def allowed(self) -> bool:
        return self.refusal is None

    @property
    def status(self) -> int:
        return 403 if self.refusal is Refusal.NO_KEYS else 401


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


def decide(settings: Settings, given: str | None, *, write: bool) -> Decision:
    """Writes need a key (unless anonymous writes are on and no key is configured); reads too under PROTECT_READS."""
    if not write and not settings.protect_reads:
        return ANONYMOUS
    if not settings.api_keys:
        if write and settings.allow_anonymous_writes:
            return ANONYMOUS
        return Decision(Refusal.NO_KEYS, "anonymous")
    if given is None:
        return Decision(Refusal.MISSING, "anonymous")
    if not key_matches(given, settings.api_keys):
        return Decision(Refusal.INVALID, "anonymous")
    return Decision(None, "key:" + digest(given).hex()[:8])


def decide_metrics(settings: Settings, given: str | None) -> Decision:
    """METRICS_KEY when set (a scraper's own credential, good for nothing else); else the rule of a read."""
    if settings.metrics_key is None:
        return decide(settings, given, write=False)
    if given is None:
        return Decision(Refusal.MISSING, "anonymous")
    if not key_matches(given, [settings.metrics_key]):
        return Decision(Refusal.INVALID, "anonymous")
    return Decision(None, "metrics")
