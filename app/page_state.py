"""Opaque, URL-safe page tokens bound to their query.

The driver's paging state can carry primary-key data, so it is never handed out raw: it is sealed with AES-GCM,
with the query's identity as associated data. A token from another query, another key, or with one bit changed
fails to open, and the client gets a 400.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.exceptions import BadPageState

VERSION = b"\x01"
NONCE_BYTES = 12
MAX_TOKEN_CHARS = 4096


class PageStateCodec:
    def __init__(self, secret: bytes | None = None) -> None:
        key = hashlib.sha256(b"page-state:" + (secret or os.urandom(32))).digest()
        self._aead = AESGCM(key)

    def seal(self, paging_state: bytes, query: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, paging_state, VERSION + query.encode())
        return _encode(VERSION + nonce + sealed)

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
        if len(raw) <= 1 + NONCE_BYTES or raw[:1] != VERSION:
            raise BadPageState("page_state is not a token issued by this service")
        try:
            return self._aead.decrypt(raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :], VERSION + query.encode())
        except InvalidTag:
            raise BadPageState("page_state was not issued for this query, or has been altered") from None


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
