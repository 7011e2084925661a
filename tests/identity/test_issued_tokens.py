"""Tokens of our POST /v1/auth: the credential sealed in the token, accepted by every instance with the same
secrets, for AUTH_TOKEN_TTL_SECONDS after its last (renewed) use and never past AUTH_TOKEN_MAX_AGE_SECONDS."""

from __future__ import annotations

import pytest
from cassandra import AuthenticationFailed
from cassandra.cluster import NoHostAvailable
from pydantic import SecretStr

from app.config import load_settings
from app.identity.credentials import Credential, InvalidToken, credential_from_token
from app.identity.issued import PREFIX, IssuedTokens
from app.routes.auth import refusal_reason
from tests.support.auth_node import RoleAdmin, driver_login

SECRET = b"a" * 32
OTHER = b"b" * 32
READER = Credential("reader", SecretStr("reader-password"))


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def codec(clock: Clock, *secrets: bytes, ttl: float = 1800, max_age: float = 86_400) -> IssuedTokens:
    return IssuedTokens(list(secrets) or [SECRET], ttl=ttl, max_age=max_age, clock=clock)


def test_a_token_issued_by_one_instance_opens_on_another_with_the_same_secrets() -> None:
    clock = Clock()
    token = codec(clock).issue(READER)
    assert codec(clock).open(token).credential == READER


def test_a_token_is_refused_by_an_instance_with_other_secrets() -> None:
    clock = Clock()
    with pytest.raises(InvalidToken, match="not issued by this service"):
        codec(clock, OTHER).open(codec(clock).issue(READER))


def test_a_token_sealed_with_a_retiring_secret_still_opens_after_rotation() -> None:
    clock = Clock()
    token = codec(clock, SECRET).issue(READER)
    assert codec(clock, OTHER, SECRET).open(token).credential == READER


def test_a_token_with_one_character_changed_is_refused() -> None:
    token = codec(Clock()).issue(READER)
    middle = len(PREFIX) + 20
    changed = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    with pytest.raises(InvalidToken, match="altered"):
        codec(Clock()).open(changed)


def test_a_token_is_accepted_until_its_window_ends() -> None:
    clock = Clock()
    token = codec(clock).issue(READER)
    clock.now += 1800
    assert codec(clock).open(token).credential == READER


def test_a_token_unused_for_longer_than_its_window_is_refused() -> None:
    clock = Clock()
    token = codec(clock).issue(READER)
    clock.now += 1801
    with pytest.raises(InvalidToken, match="unused for more than AUTH_TOKEN_TTL_SECONDS=1800"):
        codec(clock).open(token)


def test_a_fresh_token_needs_no_renewal() -> None:
    clock = Clock()
    token = codec(clock).issue(READER)
    clock.now += 5
    assert codec(clock).open(token).renewed is None


def test_the_renewed_token_of_a_use_keeps_the_session_alive_past_the_first_window() -> None:
    clock = Clock()
    token = codec(clock).issue(READER)
    clock.now += 1700
    renewed = codec(clock).open(token).renewed
    assert renewed is not None
    clock.now += 1700  # 3400 s after the login, 1700 s after the last use
    assert codec(clock).open(renewed).credential == READER
    with pytest.raises(InvalidToken, match="unused"):
        codec(clock).open(token)


def test_no_renewal_extends_a_token_past_its_maximum_age() -> None:
    clock = Clock()
    tokens = codec(clock, ttl=100, max_age=250)
    token = tokens.issue(READER)
    for _ in range(2):
        clock.now += 90
        renewed = tokens.open(token).renewed
        assert renewed is not None
        token = renewed
    clock.now += 90  # 270 s after the login, 90 s after the last use
    with pytest.raises(InvalidToken, match="AUTH_TOKEN_MAX_AGE_SECONDS=250"):
        tokens.open(token)


def test_the_token_shows_neither_the_user_nor_the_password() -> None:
    token = codec(Clock()).issue(READER)
    assert "reader" not in token
    assert "password" not in token


def test_the_codec_takes_its_secrets_and_windows_from_the_settings() -> None:
    settings = load_settings(page_state_secrets="k" * 32, auth_token_ttl_seconds=60, auth_token_max_age_seconds=600)
    tokens = IssuedTokens.from_settings(settings)
    assert (tokens.ttl, tokens.max_age) == (60, 600)
    assert IssuedTokens([b"k" * 32]).open(tokens.issue(READER)).credential == READER


async def test_a_dropped_roles_token_still_opens_but_its_login_fails(node: RoleAdmin) -> None:
    role, password = node.create_role()
    tokens = IssuedTokens([SECRET])
    token = tokens.issue(Credential(role, SecretStr(password)))
    login = driver_login()
    await login(credential_from_token(token, issued=tokens))
    node.drop_role(role)
    with pytest.raises((NoHostAvailable, AuthenticationFailed)) as refused:
        await login(credential_from_token(token, issued=tokens))
    reason = refusal_reason(refused.value)
    assert reason is not None
    assert password not in reason
