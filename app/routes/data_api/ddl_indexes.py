"""The Data API's index commands: createIndex, createVectorIndex, listIndexes and dropIndex, as SAI indexes.

A regular index is `CREATE CUSTOM INDEX ... USING 'StorageAttachedIndex'`, on the column, or on a map's keys, values
or entries; text and ascii targets carry the SAI analyser options the Data API writes (ascii, case_sensitive,
normalize; false, true, false by default). A vector index carries `similarity_function` only: Cassandra 5.0's SAI
refuses `source_model` (the real Data API needs a patch for the same reason), so `sourceModel` is checked, decides
the default metric, and is reported back as "other", as the patched Data API reports it.
"""

from __future__ import annotations

import re
from typing import Any

from app.routes.data_api.command import Answer, Command, Spec
from app.routes.data_api.ddl_errors import schema_error
from app.routes.data_api.ddl_run import (
    catalog_of,
    field_flag,
    field_name,
    field_object,
    known_fields,
    ok,
    run_ddl,
    served_keyspace,
    table_metadata,
)
from app.rows.types import CqlType
from app.schema_ddl.fields import cql_name as _q  # the driver's quoting, as the Stargate face's builders

SAI = "StorageAttachedIndex"
_SAI_CLASSES = frozenset({SAI, "org.apache.cassandra.index.sai.StorageAttachedIndex"})
_TEXT_OPTIONS = {"ascii": "ascii", "caseSensitive": "case_sensitive", "normalize": "normalize"}
_TEXT_DEFAULTS = {"ascii": False, "caseSensitive": True, "normalize": False}
METRICS = {"cosine": "COSINE", "euclidean": "EUCLIDEAN", "dot_product": "DOT_PRODUCT"}
SOURCE_MODELS = ("ada002", "bert", "cohere-v3", "gecko", "nv-qa-4", "openai-v3-large", "openai-v3-small", "other")
_MAP_COMPONENTS = {"$keys": "keys", "$values": "values"}
_TARGET = re.compile(r'^(?:(keys|values|entries|full)\()?("(?:[^"]|"")+"|[^()"]+)\)?$')


def index_target(index: Any) -> tuple[str, str | None]:
    """The column an index (driver `IndexMetadata`) is on, and its function (keys, values, entries) if any."""
    target = str((index.index_options or {}).get("target", ""))
    found = _TARGET.match(target)
    if found is None:
        return "", None
    name = found.group(2)
    if name.startswith('"'):
        name = name[1:-1].replace('""', '"')
    return name, found.group(1)


def _column_type(command: Command, column: str) -> CqlType:
    table = catalog_of(command).current(command.keyspace or "", command.table or "")
    found = table.columns.get(column) if table is not None else None
    if found is None:
        raise schema_error(
            "UNKNOWN_INDEX_COLUMN",
            f"The command attempted to index a column that is not defined in the table schema: {column[:64]}.",
        )
    return found.type


def _index_column(definition: dict[str, Any]) -> tuple[str, str | None]:
    """`column` as a name, or `{"mapColumn": "$keys" | "$values"}`."""
    column = definition.get("column")
    if isinstance(column, str):
        return column, None
    if isinstance(column, dict) and len(column) == 1:
        ((name, component),) = column.items()
        if component in _MAP_COMPONENTS:
            return name, _MAP_COMPONENTS[component]
    raise schema_error(
        "INVALID_FORMAT_FOR_INDEX_CREATION_COLUMN",
        'The index column must be a column name, or {"mapColumn": "$keys"} or {"mapColumn": "$values"}.',
    )


def _check_new_index(command: Command, name: str, if_not_exists: bool) -> bool:
    """Whether to go on: False when the index exists and ifNotExists says that is fine."""
    keyspace = served_keyspace(command)
    if not any(name in table.indexes for table in keyspace.tables.values()):
        return True
    if if_not_exists:
        return False
    raise schema_error(
        "CANNOT_ADD_EXISTING_INDEX",
        f"The command attempted to create an index that already exists in the keyspace: {keyspace.name}.{name}.",
    )


def _regular_target(column: str, function: str | None, t: CqlType) -> tuple[str, CqlType | None]:
    """The CQL target, and the type whose values are indexed (None: map entries)."""
    if t.kind in ("vector", "udt", "tuple", "counter") or (t.kind in ("list", "set", "map") and t.frozen):
        code = "UNSUPPORTED_INDEXING_FOR_FROZEN_COLUMN" if t.frozen else "UNSUPPORTED_INDEXING_FOR_DATA_TYPES"
        raise schema_error(code, f"The column {column} of type {t} cannot have a regular index.")
    if function is not None and t.kind != "map":
        raise schema_error(
            "INVALID_FORMAT_FOR_INDEX_CREATION_COLUMN", f"$keys and $values index a map column; {column} is {t}."
        )
    if t.kind == "map":
        function = function or "entries"
        indexed = {"keys": t.params[0], "values": t.params[1]}.get(function)
        return f"{function}({_q(column)})", indexed
    if t.kind in ("list", "set"):
        return f"values({_q(column)})", t.params[0]
    return _q(column), t


def _text_options(column: str, t: CqlType, indexed: CqlType | None, options: dict[str, Any]) -> dict[str, str]:
    """The SAI analyser options: the defaults on a text or ascii column; on a collection's text values only when
    asked for (as the Data API writes them)."""
    given = {k: v for k, v in options.items() if k in _TEXT_OPTIONS}
    if set(options) - set(_TEXT_OPTIONS) or not all(isinstance(v, bool) for v in given.values()):
        raise schema_error(
            "INVALID_INDEX_DEFINITION", "The index options are ascii, caseSensitive and normalize, each a Boolean."
        )
    if indexed is None:
        if given:
            raise schema_error(
                "CANNOT_ANALYZE_ENTRIES_ON_MAP_COLUMNS",
                f"An index on the entries of the map {column} cannot have text analysis options.",
            )
        return {}
    if indexed.kind not in ("text", "ascii"):
        if given:
            raise schema_error(
                "UNSUPPORTED_TEXT_ANALYSIS_FOR_DATA_TYPES",
                f"Text analysis options apply to text and ascii values only; {column} indexes {indexed}.",
            )
        return {}
    if not given and t.kind not in ("text", "ascii"):
        return {}
    merged = {**_TEXT_DEFAULTS, **given}
    return {_TEXT_OPTIONS[k]: "true" if v else "false" for k, v in merged.items()}


def _with_options(options: dict[str, str]) -> str:
    if not options:
        return ""
    # keys and values come from the fixed tables above, never from the client's text
    return " WITH OPTIONS = {" + ", ".join(f"'{k}': '{v}'" for k, v in options.items()) + "}"


_INDEX_FIELDS = frozenset({"name", "definition", "indexType", "options"})
_IF_NOT_EXISTS = frozenset({"ifNotExists"})


async def create_index(command: Command) -> Answer:
    known_fields(command, _INDEX_FIELDS, _IF_NOT_EXISTS)
    table = table_metadata(command)
    name = field_name(command.options, "index")
    definition = field_object(command.options, "definition")
    column, function = _index_column(definition)
    t = _column_type(command, column)
    target, indexed = _regular_target(column, function, t)
    options = _text_options(column, t, indexed, field_object(definition, "options", required=False))
    if not _check_new_index(command, name, field_flag(command.options, "ifNotExists")):
        return ok()
    cql = (
        f"CREATE CUSTOM INDEX IF NOT EXISTS {_q(name)} ON {_q(table.keyspace_name)}.{_q(table.name)} ({target}) "
        f"USING '{SAI}'{_with_options(options)}"
    )
    await run_ddl(command, cql, target=f"{table.keyspace_name}.{table.name}")
    return ok()


def _vector_metric(options: dict[str, Any]) -> str:
    metric, model = options.get("metric"), options.get("sourceModel")
    if set(options) - {"metric", "sourceModel"}:
        raise schema_error("INVALID_INDEX_DEFINITION", "The vector index options are metric and sourceModel.")
    if model is not None and model not in SOURCE_MODELS:
        raise schema_error(
            "UNKNOWN_VECTOR_SOURCE_MODEL",
            f"The command used an unknown source model: {str(model)[:64]}. The known models are: "
            f"{', '.join(SOURCE_MODELS)}.",
        )
    if metric is not None and metric not in METRICS:
        raise schema_error(
            "UNKNOWN_VECTOR_METRIC",
            f"The command used an unknown vector metric: {str(metric)[:64]}. The known metrics are: "
            f"{', '.join(METRICS)}.",
        )
    if metric is None:
        metric = "cosine" if model in (None, "other") else "dot_product"
    return METRICS[metric]


async def create_vector_index(command: Command) -> Answer:
    known_fields(command, _INDEX_FIELDS, _IF_NOT_EXISTS)
    table = table_metadata(command)
    name = field_name(command.options, "index")
    definition = field_object(command.options, "definition")
    column = definition.get("column")
    if not isinstance(column, str):
        raise schema_error("INVALID_FORMAT_FOR_INDEX_CREATION_COLUMN", "The vector index column must be a name.")
    t = _column_type(command, column)
    if t.kind != "vector" or t.params[0].kind != "float":
        raise schema_error(
            "UNSUPPORTED_VECTOR_INDEX_FOR_DATA_TYPES",
            f"Vector indexes can only be created on vector columns; {column} is {t}.",
        )
    similarity = _vector_metric(field_object(definition, "options", required=False))
    if not _check_new_index(command, name, field_flag(command.options, "ifNotExists")):
        return ok()
    cql = (
        f"CREATE CUSTOM INDEX IF NOT EXISTS {_q(name)} ON {_q(table.keyspace_name)}.{_q(table.name)} "
        f"({_q(column)}) USING '{SAI}'{_with_options({'similarity_function': similarity})}"
    )
    await run_ddl(command, cql, target=f"{table.keyspace_name}.{table.name}")
    return ok()


def describe_index(index: Any, column_types: dict[str, CqlType]) -> dict[str, Any]:
    """One index as listIndexes (explain) answers it."""
    options = dict(index.index_options or {})
    column, function = index_target(index)
    t = column_types.get(column)
    if options.get("class_name") not in _SAI_CLASSES or t is None or function == "full":
        support = {"createIndex": False, "filter": False, "cqlDefinition": index.as_cql_query() + ";"}
        return {"name": index.name, "definition": {"column": "UNKNOWN", "apiSupport": support}, "indexType": "UNKNOWN"}
    if t.kind == "vector":
        metric = str(options.get("similarity_function", "COSINE")).lower()
        model = str(options.get("source_model", "other"))
        vector = {"column": column, "options": {"metric": metric, "sourceModel": model}}
        return {"name": index.name, "definition": vector, "indexType": "vector"}
    shown: Any = column
    if (t.kind == "map" and function in ("keys", "values")) or (t.kind in ("list", "set") and function == "values"):
        shown = {column: f"${function}"}
    text = {k: options[cql] == "true" for k, cql in _TEXT_OPTIONS.items() if cql in options}
    return {"name": index.name, "definition": {"column": shown, "options": text}, "indexType": "regular"}


async def list_indexes(command: Command) -> Answer:
    known_fields(command, frozenset({"options"}), frozenset({"explain"}))
    table = table_metadata(command)
    indexes = sorted(table.indexes.values(), key=lambda i: str(i.name))
    if not field_flag(command.options, "explain"):
        return Answer(status={"indexes": [i.name for i in indexes]})
    described = catalog_of(command).current(table.keyspace_name, table.name)
    types = {name: c.type for name, c in described.columns.items()} if described is not None else {}
    return Answer(status={"indexes": [describe_index(i, types) for i in indexes]})


async def drop_index(command: Command) -> Answer:
    known_fields(command, frozenset({"name", "options"}), frozenset({"ifExists"}))
    keyspace = served_keyspace(command)
    name = field_name(command.options, "index")
    owner = next((t for t in keyspace.tables.values() if name in t.indexes), None)
    if owner is None:
        if field_flag(command.options, "ifExists"):
            return ok()
        raise schema_error(
            "CANNOT_DROP_UNKNOWN_INDEX",
            f"The command attempted to drop an index that is not defined in the keyspace: {keyspace.name}.{name}.",
        )
    await run_ddl(
        command,
        f"DROP INDEX IF EXISTS {_q(keyspace.name)}.{_q(name)}",
        target=f"{keyspace.name}.{owner.name}",
    )
    return ok()


COMMANDS: dict[str, Spec] = {
    "createIndex": Spec("table", "admin", create_index),
    "createVectorIndex": Spec("table", "admin", create_vector_index),
    "listIndexes": Spec("table", "read", list_indexes),
    "dropIndex": Spec("keyspace", "admin", drop_index),
}
