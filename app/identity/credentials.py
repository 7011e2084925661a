"""What a request's token means as a database credential: the three forms a client may send, read in bounded time.

- `AstraCS:...`: Astra's application token, which logs in as the user `token` with the whole token as password.
- `Cassandra:<base64 user>:<base64 password>`: the form the Data API's clients build for self-hosted clusters
  (astrapy's and astra-db-ts's `UsernamePasswordTokenProvider`; the Data API's `CqlCredentials`). Standard base64,
  padding optional; the prefix is matched in any case, as an older astra-db-ts sent `cassandra:`.
- a token issued by our own `POST /v1/auth` (`app.identity.issued`): the role it was issued for.

Anything else is refused with `InvalidToken`, and a token longer than `MAX_TOKEN_CHARS` is refused before any
decoding. A `Credential`'s password is a `SecretStr`: never in a repr, a log line or a metric; `key` (a digest) is
what caches and logs may hold.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import SecretStr

from app.exceptions import ServiceError

if TYPE_CHECKING:
    from app.identity.issued import IssuedTokens

ASTRA_PREFIX = "AstraCS:"
CASSANDRA_PREFIX = "cassandra:"  # compared in lower case
ASTRA_USER = "token"  # Astra's (and Stargate's) user name for a token login
MAX_TOKEN_CHARS = 4096  # any form: longer is refused before it is decoded
MAX_NAME_BYTES = 512  # a role name, decoded
MAX_PASSWORD_BYTES = 1024  # a password, decoded
TOKEN_HEADERS = ("x-cassandra-token", "token")  # Stargate's, then the Data API's; `Authorization: Bearer` first


class InvalidToken(ServiceError):
    """A token that is none of the forms we read, or one of ours that is altered, expired or retired: 401."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, "invalid_token", detail)


@dataclass(frozen=True, slots=True)
class Credential:
    """A database login. Equal credentials have equal `key`s; the password never shows in a repr."""

    username: str
    password: SecretStr = field(repr=False)

    @property
    def key(self) -> str:
        """SHA-256 hex of `username NUL password`: the cache key of a login, safe to keep and compare."""
        return _digest(self.username, self.password.get_secret_value())


def _digest(username: str, password: str) -> str:
    raw = username.encode("utf-8", "surrogatepass") + b"\x00" + password.encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()


def presented_token(headers: Mapping[str, str]) -> str | None:
    """The token a request carries: `Authorization: Bearer`, `X-Cassandra-Token` (Stargate) or `Token` (Data API)."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    for name in TOKEN_HEADERS:
        value = headers.get(name, "").strip()
        if value:
            return value
    return None


def credential_from_token(token: str, *, issued: IssuedTokens | None = None) -> Credential:
    """The credential a token stands for; `issued` opens the tokens of our own /v1/auth (else they are refused)."""
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken(f"the token is longer than {MAX_TOKEN_CHARS} characters: not a token this service reads")
    if token.startswith(ASTRA_PREFIX) and len(token) > len(ASTRA_PREFIX):
        return Credential(ASTRA_USER, SecretStr(token))
    if token[: len(CASSANDRA_PREFIX)].lower() == CASSANDRA_PREFIX:
        return _from_cassandra_form(token[len(CASSANDRA_PREFIX) :])
    if issued is not None and issued.looks_issued(token):
        return issued.open(token).credential
    raise InvalidToken(
        "the token is not one this service reads: expected an Astra token (AstraCS:...), "
        "Cassandra:<base64 user>:<base64 password>, or a token from POST /v1/auth"
    )


BAD_CASSANDRA_FORM = "invalid credentials format, expected `Cassandra:Base64(username):Base64(password)`"


def _from_cassandra_form(rest: str) -> Credential:
    parts = rest.split(":")
    if len(parts) != 2:
        raise InvalidToken(BAD_CASSANDRA_FORM)
    username, password = (_b64_text(part) for part in parts)
    if not username or not password:
        raise InvalidToken(BAD_CASSANDRA_FORM + ": the user name and the password must not be empty")
    if len(username.encode()) > MAX_NAME_BYTES or len(password.encode()) > MAX_PASSWORD_BYTES:
        raise InvalidToken(f"the user name (at most {MAX_NAME_BYTES} bytes) or the password is too long")
    return Credential(username, SecretStr(password))


def _b64_text(part: str) -> str:
    try:
        return base64.b64decode(part + "=" * (-len(part) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise InvalidToken(BAD_CASSANDRA_FORM + " (not base64 of UTF-8 text)") from None
