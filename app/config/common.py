"""What the setting groups share: the identifier rule, units, and how list and empty values are read."""

from __future__ import annotations

import re
from typing import Annotated, TypeVar

from pydantic import BeforeValidator
from pydantic_settings import NoDecode

# `\Z`, not `$`: `$` also matches before a trailing newline. Use it with `fullmatch` (`match` is safe too).
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,47}\Z")
MIB = 1024 * 1024
MIN_KEY_LENGTH = 16  # characters of an API key (or METRICS_KEY): shorter ones are refused at start-up


def split_commas(value: object) -> object:
    """`a, b,,c` as `["a", "b", "c"]`: how every list setting is written in the environment."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def empty_is_unset(value: object) -> object:
    """`NAME=` (or blanks) in a .env means "not set", as scripts/local-cassandra-needed reads it."""
    return None if isinstance(value, str) and not value.strip() else value


def lower_case(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Item = TypeVar("Item")
# The readings above as field types, so no setting group repeats a validator that only calls one of them.
CommaList = Annotated[list[Item], NoDecode, BeforeValidator(split_commas)]
LowerCase = BeforeValidator(lower_case)
EmptyIsUnset = BeforeValidator(empty_is_unset)
