"""Page tokens: opaque, URL-safe, bound to their query and secret; anything else is a BadPageState (a 400)."""

from __future__ import annotations

import re

import pytest

from app.exceptions import BadPageState
from app.page_state import MAX_TOKEN_CHARS, PageStateCodec

STATE = b"\x00\x10partition-key-data\xf0\x01"


def test_token_round_trips_and_hides_the_paging_state() -> None:
    codec = PageStateCodec(b"secret")
    token = codec.seal(STATE, "plants:Plantago")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert b"partition" not in token.encode()
    assert codec.open(token, "plants:Plantago") == STATE


def test_same_secret_in_two_processes_opens_each_others_tokens() -> None:
    token = PageStateCodec(b"secret").seal(STATE, "q")
    assert PageStateCodec(b"secret").open(token, "q") == STATE


@pytest.mark.parametrize(
    ("opener", "query"),
    [
        (PageStateCodec(b"secret"), "plants:Other"),
        (PageStateCodec(b"secret"), "animals:Plantago"),
        (PageStateCodec(b"other"), "plants:Plantago"),
        (PageStateCodec(), "plants:Plantago"),
    ],
)
def test_foreign_tokens_do_not_open(opener: PageStateCodec, query: str) -> None:
    token = PageStateCodec(b"secret").seal(STATE, "plants:Plantago")
    with pytest.raises(BadPageState):
        opener.open(token, query)


def test_every_single_character_change_is_refused() -> None:
    codec = PageStateCodec(b"secret")
    token = codec.seal(STATE, "q")
    for at in range(len(token)):
        changed = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]
        with pytest.raises(BadPageState):
            codec.open(changed, "q")


@pytest.mark.parametrize("token", ["", "!", "====", "a b", "x" * (MAX_TOKEN_CHARS + 1), "AQ"])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(BadPageState):
        PageStateCodec(b"secret").open(token, "q")
