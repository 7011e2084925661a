"""The tokens our `POST /v1/auth` issues: the credential sealed in the token itself, no state shared anywhere.

Design. The token carries the role's user name and password sealed with AES-GCM under keys derived (HKDF, an info
label of its own) from the cursor secrets, `PAGE_STATE_SECRETS`: the same rotation as cursors (the first seals, any
opens), so every instance configured alike opens every instance's tokens, and nothing is written to the database
nor kept in memory. Nothing readable is stored: the password exists in clear only in the request that logs in.

A token is `sgauth.` + URL-safe base64 of `version (1) | key id (1) | issued at (4) | stamped at (4) | nonce (12) |
sealed (user name length (2) | user name | password) + tag (16)`. The header is associated data: neither time can
be changed without the token failing to open.

Validity, precisely. A token is accepted while both hold:
- `now - stamped_at <= AUTH_TOKEN_TTL_SECONDS` (default 1800, Stargate's), the sliding window;
- `now - issued_at <= AUTH_TOKEN_MAX_AGE_SECONDS` (default 86400), an absolute cap no use extends.

"Its last use" is the last use whose renewed token the client took: a use of a token stamped more than
`RENEW_AFTER_SECONDS` ago is answered with a renewed token (same credential and issue time, stamped now) in the
response header `X-Cassandra-Token-Renewed`. A client that sends the renewed token keeps its session alive for as
long as it is used at least once per window; a client that ignores the header (Stargate's clients) holds a token
valid `AUTH_TOKEN_TTL_SECONDS` after issue, and logs in again on its 401, as it would with Stargate after an idle
window. Without shared state, no instance can know of a use seen by another: this is the price of needing no table.

Revocation is Cassandra's: the token only carries a password, so a dropped role or a changed password fails at the
next login of that credential (the session cache's), whatever the token's times say.
"""

from __future__ import annotations

import base64
import os
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from pydantic import SecretStr

from app.config import Settings
from app.identity.credentials import MAX_NAME_BYTES, MAX_PASSWORD_BYTES, MAX_TOKEN_CHARS, Credential, InvalidToken
from app.page_state import MIN_SECRET_BYTES, NONCE_BYTES, TAG_BYTES
from app.page_state import _encode as encode
from app.page_state import _Key as SealingKey

PREFIX = "sgauth."
VERSION = 1
HEADER = struct.Struct(">BBII")  # version, key id, issued at, stamped at (Unix seconds)
NAME_LENGTH = struct.Struct(">H")
HKDF_INFO = b"cassandra-sample-api issued-token v1"
DEFAULT_TTL = 1800
DEFAULT_MAX_AGE = 86_400
RENEWED_HEADER = "X-Cassandra-Token-Renewed"
NOT_OURS = "the token was not issued by this service, or has been altered, or its key was retired"


@dataclass(frozen=True, slots=True)
class Opened:
    """An accepted token: its credential, and a renewed token to hand back (None while the stamp is fresh)."""

    credential: Credential
    renewed: str | None


class IssuedTokens:
    """Issues and opens /v1/auth tokens; any two built from the same secrets accept each other's tokens."""

    def __init__(
        self,
        secrets: Sequence[bytes] | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secrets:
            secrets = [os.urandom(MIN_SECRET_BYTES)]  # this process only, as cursors without PAGE_STATE_SECRETS
        if any(len(secret) < MIN_SECRET_BYTES for secret in secrets):
            raise ValueError(f"a token secret must be at least {MIN_SECRET_BYTES} bytes")
        self._keys = [SealingKey(secret, HKDF_INFO) for secret in secrets]
        self.ttl = ttl
        self.max_age = max_age
        self.renew_after = min(60.0, ttl / 10)
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> IssuedTokens:
        """From PAGE_STATE_SECRETS, AUTH_TOKEN_TTL_SECONDS and AUTH_TOKEN_MAX_AGE_SECONDS."""
        return cls(
            settings.page_state_keys, ttl=settings.auth_token_ttl_seconds, max_age=settings.auth_token_max_age_seconds
        )

    def issue(self, credential: Credential, *, issued_at: int | None = None) -> str:
        now = int(self._clock()) & 0xFFFFFFFF
        key = self._keys[0]
        header = HEADER.pack(VERSION, key.key_id, now if issued_at is None else issued_at, now)
        name = credential.username.encode("utf-8")
        password = credential.password.get_secret_value().encode("utf-8")
        if len(name) > MAX_NAME_BYTES or len(password) > MAX_PASSWORD_BYTES:
            raise InvalidToken(f"the user name (at most {MAX_NAME_BYTES} bytes) or the password is too long")
        nonce = os.urandom(NONCE_BYTES)
        sealed = key.aead.encrypt(nonce, NAME_LENGTH.pack(len(name)) + name + password, PREFIX.encode() + header)
        return PREFIX + encode(header + nonce + sealed)

    @staticmethod
    def looks_issued(token: str) -> bool:
        return token.startswith(PREFIX)

    def open(self, token: str) -> Opened:
        """The token's credential, if it is ours, unaltered and within both windows; else `InvalidToken`."""
        if len(token) > MAX_TOKEN_CHARS or not token.startswith(PREFIX):
            raise InvalidToken(NOT_OURS)
        body = token[len(PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, TypeError):
            raise InvalidToken(NOT_OURS) from None
        if encode(raw) != body or len(raw) < HEADER.size + NONCE_BYTES + TAG_BYTES:
            raise InvalidToken(NOT_OURS)  # only the one spelling we issue: every changed character is refused
        version, key_id, issued_at, stamped_at = HEADER.unpack_from(raw)
        header = raw[: HEADER.size]
        nonce, sealed = raw[HEADER.size : HEADER.size + NONCE_BYTES], raw[HEADER.size + NONCE_BYTES :]
        if version != VERSION:
            raise InvalidToken(NOT_OURS)
        for key in self._keys:
            if key.key_id != key_id:
                continue
            try:
                plain = key.aead.decrypt(nonce, sealed, PREFIX.encode() + header)
            except InvalidTag:
                continue
            self._check_times(issued_at, stamped_at)
            return Opened(_credential(plain), self._renewal(plain, issued_at, stamped_at))
        raise InvalidToken(NOT_OURS)

    def _check_times(self, issued_at: int, stamped_at: int) -> None:
        # The times are authentic only now. A time ahead of ours (another host's clock) is not refused.
        now = self._clock()
        if now - issued_at > self.max_age:
            raise InvalidToken(
                f"the token has expired: issued more than AUTH_TOKEN_MAX_AGE_SECONDS={self.max_age:g} s ago; "
                "log in again (POST /v1/auth)"
            )
        if now - stamped_at > self.ttl:
            raise InvalidToken(
                f"the token has expired: unused for more than AUTH_TOKEN_TTL_SECONDS={self.ttl:g} s; "
                "log in again (POST /v1/auth)"
            )

    def _renewal(self, plain: bytes, issued_at: int, stamped_at: int) -> str | None:
        if self._clock() - stamped_at < self.renew_after:
            return None
        return self.issue(_credential(plain), issued_at=issued_at)


def _credential(plain: bytes) -> Credential:
    (length,) = NAME_LENGTH.unpack_from(plain)
    name = plain[NAME_LENGTH.size : NAME_LENGTH.size + length]
    password = plain[NAME_LENGTH.size + length :]
    return Credential(name.decode("utf-8"), SecretStr(password.decode("utf-8")))
