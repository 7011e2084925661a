"""Every command the face serves, merged once from the `COMMANDS` of the modules listed here.

A listed module that does not exist (yet) is skipped, so the DML and the DDL commands can arrive on their own; any
other import error is raised. Two modules naming the same command is an error at import."""

from __future__ import annotations

import importlib
from functools import cache

from app.routes.data_api.command import Spec

COMMAND_MODULES = (
    "app.routes.data_api.read",  # find, findOne
    "app.routes.data_api.insert",  # insertOne, insertMany
    "app.routes.data_api.change",  # updateOne, deleteOne, deleteMany
    "app.routes.data_api.count",  # countRows (an extension)
    "app.routes.data_api.ddl_tables",  # createTable, listTables, dropTable, alterTable
    "app.routes.data_api.ddl_indexes",  # createIndex, createVectorIndex, listIndexes, dropIndex
    "app.routes.data_api.ddl_types",  # createType, listTypes, alterType, dropType
    "app.routes.data_api.ddl_keyspaces",  # createKeyspace, dropKeyspace, findKeyspaces
)
# The commands the Data API serves on collections only: a clear refusal on a table (UNSUPPORTED_TABLE_COMMAND).
COLLECTION_ONLY = frozenset(
    {
        "countDocuments",
        "estimatedDocumentCount",
        "findAndRerank",
        "findOneAndDelete",
        "findOneAndReplace",
        "findOneAndUpdate",
        "updateMany",
    }
)


@cache
def commands() -> dict[str, Spec]:
    merged: dict[str, Spec] = {}
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        found: dict[str, Spec] = module.COMMANDS
        twice = merged.keys() & found.keys()
        if twice:
            raise RuntimeError(f"{name} serves commands another module serves too: {sorted(twice)}")
        merged.update(found)
    return merged
