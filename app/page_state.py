"""Opaque, URL-safe page tokens bound to their query, with key rotation and an age limit.

The driver's paging state can carry primary-key data, so it is never handed out raw: it is sealed with AES-GCM,
with the query's identity as associated data. A token from another query, another key, or with one bit changed
fails to open, and the client gets a 400.

A token is `version (1) | key id (1) | issued at (4, Unix seconds) | nonce (12) | sealed state + tag (16)`, in
unpadded URL-safe base64: 34 bytes more than the paging state, for Stargate clients as much as for ours. The header
is associated data too, so neither the key id nor the time can be changed. Each secret (at least 32 bytes) becomes
its AES key and its key id through HKDF-SHA256. The first secret seals; any of them opens, so a secret is rotated by
putting a new one first and dropping the old one after `PAGE_STATE_TTL`, when no token of the old one is valid.
"""

from __future__ import annotations

import base64
import os
import struct
import time
from collections.abc import Callable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.exceptions import BadPageState

VERSION = 2
HEADER = struct.Struct(">BBI")  # version, key id, issued at
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_TOKEN_CHARS = 4096
MIN_SECRET_BYTES = 32
DEFAULT_TTL = 86_400
HKDF_INFO = b"cassandra-sample-api page-state v2"


class _Key:
    __slots__ = ("aead", "key_id")

    def __init__(self, secret: bytes, info: bytes = HKDF_INFO) -> None:
        # `info` keeps the keys of other uses of the same secrets (app/identity/issued.py) apart from the cursors'.
        derived = HKDF(algorithm=hashes.SHA256(), length=33, salt=None, info=info).derive(secret)
        self.aead = AESGCM(derived[:32])
        self.key_id = derived[32]


class PageStateCodec:
    """Seals with the first secret, opens with any; without secrets, a random key of this process only."""

    def __init__(
        self,
        secrets: bytes | Sequence[bytes] | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(secrets, bytes):
            secrets = [secrets]
        if not secrets:
            secrets = [os.urandom(MIN_SECRET_BYTES)]
        for secret in secrets:
            if len(secret) < MIN_SECRET_BYTES:
                raise ValueError(f"a page-state secret must be at least {MIN_SECRET_BYTES} bytes")
        self._keys = [_Key(secret) for secret in secrets]
        self.ttl = ttl
        self._clock = clock

    def seal(self, paging_state: bytes, query: str) -> str:
        key = self._keys[0]
        header = HEADER.pack(VERSION, key.key_id, int(self._clock()) & 0xFFFFFFFF)
        nonce = os.urandom(NONCE_BYTES)
        sealed = key.aead.encrypt(nonce, paging_state, header + query.encode())
        return _encode(header + nonce + sealed)

    def open(self, token: str, query: str) -> bytes:
        if len(token) > MAX_TOKEN_CHARS:
            raise BadPageState("page_state is too long to be one of ours")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise BadPageState("page_state is not a token issued by this service (not URL-safe base64)") from None
        # b64decode skips stray characters and ignores the last character's spare bits: accept only the one
        # spelling we issue, so every changed character of a token is a changed token.
        if _encode(raw) != token:
            raise BadPageState("page_state is not a token issued by this service (not canonical URL-safe base64)")
        if len(raw) < HEADER.size + NONCE_BYTES + TAG_BYTES:
            raise BadPageState("page_state is not a token issued by this service")
        version, key_id, issued_at = HEADER.unpack_from(raw)
        if version != VERSION:
            raise BadPageState("page_state is not a token issued by this service (or by an older version of it)")
        header, nonce, sealed = (
            raw[: HEADER.size],
            raw[HEADER.size : HEADER.size + NONCE_BYTES],
            raw[HEADER.size + NONCE_BYTES :],
        )
        for key in self._keys:
            if key.key_id != key_id:
                continue
            try:
                state = key.aead.decrypt(nonce, sealed, header + query.encode())
            except InvalidTag:
                continue
            # The time is authentic only now; a token issued later than now (another host's clock) is not refused.
            if self._clock() - issued_at > self.ttl:
                raise BadPageState(
                    f"page_state has expired (issued more than PAGE_STATE_TTL={self.ttl:g} s ago): "
                    "start again from the first page"
                )
            return state
        raise BadPageState("page_state was not issued for this query, or has been altered, or its key was retired")


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
