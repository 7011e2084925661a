"""`POST .../tables/{t}/indexes` and `DELETE .../indexes/{name}`: Stargate's `Sgv2IndexAddRequest` (`column`, `name`,
`kind`, `type`, `options`, `ifNotExists`) and its CREATE [CUSTOM] INDEX / DROP INDEX.

`type` is a storage-attached index (`StorageAttachedIndex`, `SAI`, or its full class name), whose options are a
closed list with typed values, or another index class (a Java class name), whose options are names and string
values of bounded length. Either way each value is written as a CQL string literal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.exceptions import RowsError
from app.schema_ddl.fields import bad, cql_name, echo, flag, identifier, invalid, literal, qualified, text_or_none

KINDS = ("KEYS", "VALUES", "ENTRIES", "FULL")
SAI_CLASS = "StorageAttachedIndex"
SAI_NAMES = frozenset({"storageattachedindex", "sai", "org.apache.cassandra.index.sai.storageattachedindex"})
_BOOLEAN = ("true", "false")
# SAI's options (Cassandra 5.0): each name with its values (None: any text, bounded).
SAI_OPTIONS: dict[str, tuple[str, ...] | None] = {
    "case_sensitive": _BOOLEAN,
    "normalize": _BOOLEAN,
    "ascii": _BOOLEAN,
    "similarity_function": ("COSINE", "EUCLIDEAN", "DOT_PRODUCT"),
    "source_model": ("ADA002", "OPENAI_V3_SMALL", "OPENAI_V3_LARGE", "BERT", "GECKO", "NV_QA_4", "COHERE_V3", "OTHER"),
    "index_analyzer": None,
    "query_analyzer": None,
}
MAX_OPTIONS = 32
MAX_OPTION_TEXT = 4096
_CLASS_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*){0,32}")
_OPTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True, slots=True)
class IndexCreate:
    column: str
    cql: str


def column_of(body: dict[str, Any]) -> str:
    column = body.get("column")
    if not isinstance(column, str) or not column.strip():
        raise invalid("IndexAddRequest.column must be provided")
    return identifier(column, "column")


def create_index(keyspace: str, table: str, body: dict[str, Any]) -> IndexCreate:
    column = column_of(body)
    options = _options(body.get("options"))
    index_type = text_or_none(body, "type")
    if options and not index_type:
        raise bad("Index 'type' must be specified if 'options' are specified")
    name = body.get("name")
    kind = _kind(body.get("kind"))
    target = f"{kind}({cql_name(column)})" if kind else cql_name(column)
    cql = "CREATE CUSTOM INDEX" if index_type else "CREATE INDEX"
    if flag(body, "ifNotExists"):
        cql += " IF NOT EXISTS"
    if name is not None:
        cql += " " + cql_name(identifier(name, "name"))
    cql += f" ON {qualified(keyspace, table)} ({target})"
    if index_type:
        cql += _using(index_type, options)
    return IndexCreate(column, cql)


def _kind(given: object) -> str | None:
    if given is None:
        return None
    if not isinstance(given, str) or given.upper() not in KINDS:
        raise bad(f"Index 'kind' must be one of {', '.join(KINDS)}, not {echo(given)}")
    return given.upper()


def _options(given: object) -> dict[str, str]:
    """The options as text (Stargate's `Map<String, String>`: a JSON boolean or number is taken as its text)."""
    if given is None:
        return {}
    if not isinstance(given, dict) or len(given) > MAX_OPTIONS:
        raise bad(f"Index 'options' must be an object of at most {MAX_OPTIONS} names and values")
    options: dict[str, str] = {}
    for key, value in given.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int):
            value = str(value)
        if not isinstance(value, str) or len(value) > MAX_OPTION_TEXT:
            raise bad(f"Index option {echo(key)} must be text of at most {MAX_OPTION_TEXT} characters")
        options[key] = value
    return options


def _using(index_type: str, options: dict[str, str]) -> str:
    if index_type.lower() in SAI_NAMES:
        checked = {key: _sai_option(key, value) for key, value in options.items()}
        index_class = SAI_CLASS
    else:
        if len(index_type) > 256 or not _CLASS_NAME.fullmatch(index_type):
            raise bad(f"Index 'type' {echo(index_type)} is neither {SAI_CLASS} nor a Java class name")
        for key, value in options.items():
            if not _OPTION_NAME.fullmatch(key) or any(ord(ch) < 0x20 for ch in value):
                raise bad(f"Index option {echo(key)}: a name of letters, digits, '_', '.' or '-', and printable text")
        checked, index_class = options, index_type
    clause = f" USING {literal(index_class)}"
    if checked:
        pairs = ", ".join(f"{literal(key)}: {literal(value)}" for key, value in checked.items())
        clause += f" WITH OPTIONS = {{{pairs}}}"
    return clause


def _sai_option(key: str, value: str) -> str:
    if key not in SAI_OPTIONS:
        raise bad(f"Unknown option {echo(key)} for a {SAI_CLASS} index; known: {', '.join(SAI_OPTIONS)}")
    allowed = SAI_OPTIONS[key]
    if allowed is None:
        if any(ord(ch) < 0x20 and ch not in "\t\n\r" for ch in value):
            raise bad(f"Index option {echo(key)} holds a control character")
        return value
    found = next((a for a in allowed if a.lower() == value.lower()), None)
    if found is None:
        raise RowsError(400, f"Index option {echo(key)} must be one of {', '.join(allowed)}, not {echo(value)}")
    return found


def drop_index(keyspace: str, name: str, *, if_exists: bool) -> str:
    return f"DROP INDEX {'IF EXISTS ' if if_exists else ''}{qualified(keyspace, name)}"
