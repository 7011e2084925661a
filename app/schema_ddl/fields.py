"""Reading the fields of a schema API body: names, flags, numbers and lists, each checked and bounded."""

from __future__ import annotations

from typing import Any

from cassandra.metadata import protect_name

from app.exceptions import RowsError
from app.rows.types.errors import json_shape

MAX_IDENTIFIER = 256  # characters: Cassandra's own limit for keyspace and table names is 48
MAX_ITEMS = 1024  # columns, fields or renames one body may hold
MAX_ECHO = 200  # characters of a body quoted back in an error


def bad(description: str) -> RowsError:
    return RowsError(400, description, "bad_schema_body")


def invalid(description: str) -> RowsError:
    """Stargate's bean validation's answer (`ConstraintViolationExceptionMapper`)."""
    return RowsError(400, f"Request invalid: {description}.", "bad_schema_body")


def identifier(value: object, what: str) -> str:
    """A name as the client wrote it (case kept): non-empty text of at most MAX_IDENTIFIER characters without control
    characters. Cassandra checks the rest (keyspace and table names are `\\w{1,48}`)."""
    if not isinstance(value, str) or not value:
        raise bad(f"{what} must be provided")
    if len(value) > MAX_IDENTIFIER:
        raise bad(f"{what} is longer than {MAX_IDENTIFIER} characters")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise bad(f"{what} {echo(value)} holds a control character")
    return value


def cql_name(name: str) -> str:
    """An identifier as it goes into CQL, quoted by the driver's own rule."""
    quoted: str = protect_name(name)
    return quoted


def qualified(keyspace: str, name: str) -> str:
    return f"{cql_name(keyspace)}.{cql_name(name)}"


def text_or_none(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or isinstance(value, str):
        return value
    raise bad(f"'{key}' must be a string, not {json_shape(value)}")


def flag(body: dict[str, Any], key: str) -> bool:
    """A boolean field; absent or null is false (a Java `boolean`)."""
    value = body.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise bad(f"'{key}' must be true or false, not {json_shape(value)}")


def integer(value: object, what: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad(f"{what} must be an integer from {low} to {high}, not {echo(value)}")
    return value


def objects(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A list of JSON objects (absent or null: empty), at most MAX_ITEMS."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise bad(f"'{key}' must be a list of objects")
    if len(value) > MAX_ITEMS:
        raise bad(f"'{key}' holds more than {MAX_ITEMS} entries")
    return value


def names(value: object, what: str) -> list[str]:
    """A list of column names (absent or null: empty)."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise bad(f"{what} must be a list of at most {MAX_ITEMS} column names")
    return [identifier(item, f"a name in {what}") for item in value]


def section(body: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested object (absent or null: empty)."""
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad(f"'{key}' must be an object, not {json_shape(value)}")
    return value


def echo(value: object) -> str:
    """A client's value quoted in an error, cut at MAX_ECHO characters."""
    text = repr(value)
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "..."


def literal(text: str) -> str:
    """A CQL string literal: single quotes doubled (the only escape CQL has)."""
    return "'" + text.replace("'", "''") + "'"
