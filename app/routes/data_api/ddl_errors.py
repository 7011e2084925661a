"""The Data API's schema refusals, by errorCode, with the titles of its errors.yaml (stargate/data-api v1.0.51), so
every DDL command and the type reader word them the same way."""

from __future__ import annotations

from app.routes.data_api.command import DataApiError

TITLES = {
    "CANNOT_ADD_EXISTING_COLUMNS": "Columns with the same name are defined in the table schema",
    "CANNOT_ADD_EXISTING_FIELD": "Field with the same name are defined in the type definition",
    "CANNOT_ADD_EXISTING_INDEX": "Index with the same name exists in the keyspace schema",
    "CANNOT_ADD_EXISTING_KEYSPACE": "Keyspace with the same name exists in the database",
    "CANNOT_ADD_EXISTING_TABLE": "Table with the same name exists in the keyspace schema",
    "CANNOT_ADD_EXISTING_TYPE": "Type with the same name exists in the keyspace schema",
    "CANNOT_ADD_UNSUPPORTED_DATA_TYPE_COLUMNS": "Alter table trying to add columns with unsupported data type",
    "CANNOT_ANALYZE_ENTRIES_ON_MAP_COLUMNS": "Can not create index on map column with index function entries and "
    "specify analyze options",
    "INVALID_FORMAT_FOR_INDEX_CREATION_COLUMN": "Unable to create index, format for index creation column is invalid.",
    "INVALID_INDEX_DEFINITION": "Provided index configuration is not valid.",
    "INVALID_KEYSPACE": "Keyspace used is not valid.",
    "UNSUPPORTED_TEXT_ANALYSIS_FOR_DATA_TYPES": "Analysed text index not supported by data types",
    "CANNOT_DROP_INDEXED_COLUMNS": "Columns used in the indexes cannot be dropped",
    "CANNOT_DROP_PRIMARY_KEY_COLUMNS": "Primary key columns cannot be dropped from the table schema",
    "CANNOT_DROP_TYPE_USED_BY_TABLE": "Type cannot be dropped if used by tables",
    "CANNOT_DROP_UNKNOWN_COLUMNS": "Columns cannot be dropped if they are not defined in the table schema",
    "CANNOT_DROP_UNKNOWN_INDEX": "Dropped index is not defined in the keyspace schema",
    "CANNOT_DROP_UNKNOWN_TABLE": "Dropped table is not defined in the keyspace schema",
    "CANNOT_DROP_UNKNOWN_TYPE": "Dropped type is not defined in the keyspace schema",
    "CANNOT_RENAME_UNKNOWN_TYPE_FIELD": "Field cannot be renamed if it is not defined in the type",
    "INVALID_USER_DEFINED_TYPE_NAME": "Invalid user defined type name",
    "MISSING_ALTER_TABLE_OPERATIONS": "Alter table command must include operations",
    "MISSING_ALTER_TYPE_OPERATIONS": "Alter type command must include operations",
    "MISSING_DIMENSION_IN_VECTOR_COLUMN": "Dimension is required for vector column if embedding service is not "
    "specified",
    "MISSING_FIELDS_FOR_TYPE_CREATION": "At least one field is required for type creation",
    "MISSING_PARTITION_COLUMNS": "Partitioning keys are required for tables",
    "UNKNOWN_DATA_TYPE": "Data type is unknown",
    "UNKNOWN_INDEX_COLUMN": "Index column is not defined in the table schema",
    "UNKNOWN_INDEX_TYPE": "Index type is unknown",
    "UNKNOWN_KEYSPACE": "Keyspace does not exist in the Database",
    "UNKNOWN_COLLECTION_OR_TABLE": "Collection or Table does not exist in the Keyspace",
    "UNKNOWN_PARTITION_COLUMNS": "Partition columns are not defined in the table schema",
    "UNKNOWN_PARTITION_SORT_COLUMNS": "Partition sort columns are not defined in the table schema",
    "UNKNOWN_PRIMITIVE_DATA_TYPE": "Primitive data type is unknown",
    "UNKNOWN_USER_DEFINED_TYPE": "User defined type is unknown",
    "UNKNOWN_VECTOR_METRIC": "Vector metric is unknown",
    "UNKNOWN_VECTOR_SOURCE_MODEL": "Vector source model is unknown",
    "UNSUPPORTED_DATA_TYPE_TABLE_CREATION": "Table creation with unsupported data types",
    "UNSUPPORTED_INDEXING_FOR_DATA_TYPES": "Indexing not supported by data types",
    "UNSUPPORTED_INDEXING_FOR_FROZEN_COLUMN": "Index creation on a frozen column is not supported",
    "UNSUPPORTED_LIST_DEFINITION": "List definition contains unsupported data types",
    "UNSUPPORTED_MAP_DEFINITION": "Map definition contains unsupported data types",
    "UNSUPPORTED_SCHEMA_NAME": "The used schema name is not supported",
    "UNSUPPORTED_SET_DEFINITION": "Set definition contains unsupported data types",
    "UNSUPPORTED_TYPE_FIELDS": "Type definition contains unsupported fields.",
    "UNSUPPORTED_VECTOR_DIMENSION": "Vector definition contains unsupported dimension",
    "UNSUPPORTED_VECTOR_INDEX_FOR_DATA_TYPES": "Vector index not supported by data types",
    "VECTORIZE_FEATURE_NOT_AVAILABLE": "Vectorize feature not available",
}
REQUEST_TITLES = {
    "COMMAND_FIELD_VALUE_INVALID": "Command field value invalid",
    "COMMAND_FIELD_UNKNOWN": "Command field unknown",
    "COMMAND_UNKNOWN": "Command is not recognized by Data API",
    "REQUEST_STRUCTURE_MISMATCH": "Request structure not valid",
}


def schema_error(code: str, message: str) -> DataApiError:
    """A refusal of scope SCHEMA (family REQUEST), as the Data API words a bad definition."""
    return DataApiError(code, message, scope="SCHEMA", title=TITLES.get(code, ""), family="REQUEST")


def request_error(code: str, message: str) -> DataApiError:
    """A refusal of the request's own structure (no scope), as the Data API words a bad command body."""
    return DataApiError(code, message, scope="", title=REQUEST_TITLES.get(code, ""), family="REQUEST")
