"""A request's token as a database credential: Astra's, the Data API's `Cassandra:` form, ours, and nothing else."""

from __future__ import annotations

import base64
import hashlib

import pytest
from pydantic import SecretStr

from app.identity.credentials import (
    MAX_TOKEN_CHARS,
    Credential,
    InvalidToken,
    credential_from_token,
    presented_token,
)
from app.identity.issued import IssuedTokens

SECRET = b"s" * 32


def cassandra_form(user: str, password: str, prefix: str = "Cassandra:") -> str:
    b64 = base64.b64encode
    return f"{prefix}{b64(user.encode()).decode()}:{b64(password.encode()).decode()}"


def test_an_astra_token_logs_in_as_user_token_with_the_whole_token_as_password() -> None:
    credential = credential_from_token("AstraCS:abc:0123")
    assert (credential.username, credential.password.get_secret_value()) == ("token", "AstraCS:abc:0123")


def test_the_cassandra_form_gives_its_user_and_password() -> None:
    credential = credential_from_token(cassandra_form("reader", "pä:ss"))
    assert (credential.username, credential.password.get_secret_value()) == ("reader", "pä:ss")


def test_the_cassandra_form_is_read_with_a_lower_case_prefix_and_without_padding() -> None:
    token = cassandra_form("ab", "c", prefix="cassandra:").replace("=", "")
    assert credential_from_token(token).username == "ab"


def test_the_cassandra_form_with_a_third_part_is_refused() -> None:
    with pytest.raises(InvalidToken, match="Base64\\(username\\):Base64\\(password\\)"):
        credential_from_token(cassandra_form("a", "b") + ":Yw==")


def test_the_cassandra_form_with_characters_outside_base64_is_refused() -> None:
    with pytest.raises(InvalidToken, match="not base64"):
        credential_from_token("Cassandra:cm9sZQ==:p@ss")


def test_the_cassandra_form_with_an_empty_password_is_refused() -> None:
    with pytest.raises(InvalidToken, match="must not be empty"):
        credential_from_token("Cassandra:cm9sZQ==:")


def test_a_token_of_no_known_form_is_refused_with_the_forms_we_read() -> None:
    with pytest.raises(InvalidToken, match="AstraCS") as refused:
        credential_from_token("3f1c9a52-0b6e-4d55-9a45-3b2f0d7a6f10")
    assert refused.value.status == 401


def test_a_token_over_the_length_cap_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidToken, match=f"longer than {MAX_TOKEN_CHARS}"):
        credential_from_token("Cassandra:" + "A" * MAX_TOKEN_CHARS)


def test_one_of_our_tokens_is_refused_without_the_codec_and_read_with_it() -> None:
    tokens = IssuedTokens([SECRET])
    token = tokens.issue(Credential("writer", SecretStr("pw")))
    with pytest.raises(InvalidToken):
        credential_from_token(token)
    assert credential_from_token(token, issued=tokens).username == "writer"


def test_the_credential_key_is_the_sha256_of_user_nul_password() -> None:
    credential = Credential("reader", SecretStr("pw"))
    assert credential.key == hashlib.sha256(b"reader\x00pw").hexdigest()


def test_the_password_never_shows_in_a_credential_repr() -> None:
    credential = Credential("reader", SecretStr("very-secret-password"))
    assert "very-secret-password" not in repr(credential) + str(credential)


def test_the_bearer_header_is_read_before_stargate_and_data_api_headers() -> None:
    headers = {"authorization": "Bearer one", "x-cassandra-token": "two", "token": "three"}
    assert presented_token(headers) == "one"


def test_the_data_api_token_header_is_read() -> None:
    assert presented_token({"token": "AstraCS:x"}) == "AstraCS:x"


def test_no_header_presents_no_token() -> None:
    assert presented_token({"authorization": "Basic abc", "x-cassandra-token": " "}) is None
