# ruff: noqa: E501  (verbatim texts of errors.yaml, one per line)
"""The texts of the Data API's errors and warnings that this face answers: `src/main/resources/errors.yaml` of
stargate/data-api v1.0.51 (Apache-2.0), by (scope, errorCode), with its snippets filled in. Templates: `${name}`."""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    family: str
    title: str
    body: str
    http_status: int = 200


CATALOG: dict[tuple[str, str], Entry] = {
    ("", "COMMAND_FIELD_UNKNOWN"): Entry(
        "REQUEST",
        "Command field unknown",
        "Command field '${field}' not recognized: ${message}.\n\nResend command with valid command fields.",
    ),
    ("", "COMMAND_FIELD_VALUE_INVALID"): Entry(
        "REQUEST",
        "Command field value invalid",
        "Command field '${field}' value ${value} not valid: ${message}.\n\nResend command with valid value.",
    ),
    ("", "COMMAND_UNKNOWN"): Entry(
        "REQUEST",
        "Command is not recognized by Data API",
        "Command '${command}' is not a ${commandType} recognized by Data API.\n\nData API supports following ${commandType}s: ${knownCommands}.\n\nResend using one of the supported commands.",
    ),
    ("", "INTERNAL_SERVER_ERROR"): Entry(
        "SERVER",
        "Internal server error",
        "An unexpected internal server error occurred while processing the request. \n\nError Message: ${errorMessage}\n\nReview the Error Message before retrying this request.",
    ),
    ("", "REQUEST_NOT_JSON"): Entry(
        "REQUEST",
        "Request not valid JSON",
        "Request not valid JSON, problem: ${errorMessage}.\n\nResend request as valid JSON.",
    ),
    ("", "REQUEST_STRUCTURE_MISMATCH"): Entry(
        "REQUEST",
        "Request structure not valid",
        "Request is valid JSON but has a structural mismatch: ${errorMessage}.\n\nResend request with valid structure.",
    ),
    ("", "UNEXPECTED_SERVER_ERROR"): Entry(
        "SERVER",
        "Unexpected server error",
        "An unexpected server error occurred while processing the request. \n\nError Class: ${errorClass}\nError Message: ${errorMessage}\n\nReview the Error Message before retrying this request.",
    ),
    ("", "UNSUPPORTED_TABLE_COMMAND"): Entry(
        "REQUEST",
        "Command is not supported by tables",
        "The command is not supported by tables in the API.  \n\nWhile many commands operate on both tables and collections, some commands can only be run against tables or collections. \n\nThe commands supported by tables are: ${tableCommands}.\nThe commands supported by collections are: ${collectionCommands}.\n\nThe unsupported command ran against the table: ${keyspace}.${table}\nThe unsupported command was: ${unsupportedCommand}.\n\nResend using one of the supported commands.",
    ),
    ("DATABASE", "FAILED_COMPARE_AND_SET"): Entry(
        "SERVER",
        "Failed database Compare and Set operation",
        "The Data API command generated a database query that used the Compare and Set feature, and the database was unable to determine if the operation was successful.    \n\nThis should be a rare error, and may be due to a temporary capacity issue with the database. The API uses idempotent operations when modifying documents in collections which removes the possibility of data corruption.\n\nThe command used the keyspace and table or collection: ${keyspace}.${table}.\nThe command generated the CQL query: ${cql}.\nThe command generated the CQL values: ${values}.\nThe database error: ${errorMessage}.\n\nIt is safe to retry this request.",
    ),
    ("DATABASE", "FAILED_TO_CONNECT_TO_DATABASE"): Entry(
        "SERVER",
        "Data API Failed to connect to the database",
        "The Data API was unable to connect to any nodes in the database to process the command.\n\nThis may be due to a temporary capacity issue with the database, or a wider outage.\n\nThe command used the keyspace and table or collection: ${keyspace}.${table}.\n\nIt is safe to retry this request.",
    ),
    ("DATABASE", "FAILED_TRUNCATION"): Entry(
        "SERVER",
        "Failed database Truncate operation",
        "The Data API command generated a database query to truncate the table, and the database was either unable to start or complete the operation.     \n\nTruncating a collection or table requires all worker nodes in the keyspace to be available and complete the operation in the required time. Completing the operation includes flushing memory to disk and snapshotting on disk files. \n\nThis is operation has the lowest level of availability as all nodes must be involved. And so it may fail while other read and write operations success, as they do not require all nodes to be available. \n\nThe command used the keyspace and table or collection: ${keyspace}.${table}.\nThe command generated the CQL query: ${cql}.\nThe command generated the CQL values: ${values}.\nThe database error: ${errorMessage}.\n\nIt is safe to retry this request.",
    ),
    ("DATABASE", "INVALID_DATABASE_QUERY"): Entry(
        "SERVER",
        "Invalid database query",
        "The Data API command generated a database query that while syntactically correct, was rejected as invalid by the database.  \n\nThe Data API should have generated a valid query, or returned an error before sending the query to the database. \n\nThe command used the keyspace and table or collection: ${keyspace}.${table}.\nThe command generated the CQL query: ${cql}.\nThe command generated the CQL values: ${values}.\nThe database error: ${errorMessage}.\n\nRetrying the command will likely result in the same error.",
    ),
    ("DATABASE", "TIMEOUT_READING_DATA"): Entry(
        "SERVER",
        "Timeout reading data from the database",
        "The Data API generated a database query that timed out before completing the operation.\n\nThe query was most likely correct, but not enough nodes confirmed the operation had completed before the timeout.\n      \nThis may be due to a temporary capacity issue with the database, or a wider outage.\n\nThe command used the keyspace and table or collection: ${keyspace}.${table}.\nThe command generated the CQL query: ${cql}.\nThe command generated the CQL values: ${values}.\nThe number of nodes blocked for was: ${blockForNodes}.\nThe number of nodes received was: ${receivedNodes}.\nThe data was returned to the coordinator node was: ${dataPresent}\n\nIt is safe to retry this request.",
    ),
    ("DATABASE", "TIMEOUT_WRITING_DATA"): Entry(
        "SERVER",
        "Timeout writing data to the database",
        "The Data API generated a database query that timed out before completing the operation.\n\nThe query was most likely correct, but not enough nodes confirmed the operation had completed before the timeout.\n\nFor collections, that data will be consistent. When working with tables, the data may be in an Eventually Consistent state, as the operation may have completed on some replicas but not all, which can result in inconsistent reads.\n\nThis may be due to a temporary capacity issue with the database, or a wider outage.\n\nThe command used the keyspace and table or collection: ${keyspace}.${table}.\nThe command generated the CQL query: ${cql}.\nThe command generated the CQL values: ${values}.\nThe number of nodes blocked for was: ${blockForNodes}.\nThe number of nodes received was: ${receivedNodes}.\nThe write type was: ${writeType}.\n\nIt is safe to retry this request.",
    ),
    ("DATABASE", "UNAVAILABLE_DATABASE"): Entry(
        "SERVER",
        "The database is unavailable",
        "The Data API submitted a query to the database, but the database refused to start processing as not enough nodes available.      \n\nQueries typically require 2 out of 3 replicas to be available before they can start, though the exact numbers can vary. And the random distribution of data allows for some queries to have enough replicas, while other do not (known as partial availability).   \n\nThis may be due to a temporary capacity issue with the database, or a wider outage. \n\nThe command used the keyspace and table or collection: ${keyspace}.${table}.\nThe number of nodes required was: ${requiredNodes}.\nThe number of nodes available was: ${aliveNodes}.\nThe database error: ${errorMessage}.\n\nIt is safe to retry this request.",
    ),
    ("DATABASE", "UNEXPECTED_DRIVER_ERROR"): Entry(
        "SERVER",
        "Unexpected driver error",
        "An unexpected server error occurred while using the driver with the database. \n\nThe command against the ${schemaType} ${keyspace}.${table} may be in an inconsistent state due to the error encountered. It may have either: \n* Failed to start communicating with the database.\n* Encountered an error when being processed by the database.\n* Completed successfully, but returned an unexpected response.\n\nConsult the the detailed error message below for more information:\n\nError Class: ${errorClass}\nError Message: ${errorMessage}\n\nReview the Error Message before retrying this request.",
    ),
    ("DATABASE", "UNSUPPORTED_DATABASE_QUERY"): Entry(
        "SERVER",
        "Unsupported database query",
        "The Data API command generated a database query that was syntactically incorrect, and was rejected by the database.  \n\nThe Data API should should only generate correct database syntax. \n\nThe command used the keyspace and table or collection: ${keyspace}.${table}.\nThe command generated the CQL query: ${cql}.\nThe command generated the CQL values: ${values}.\nThe database error: ${errorMessage}.\n\nRetrying the command will likely result in the same error.",
    ),
    ("DOCUMENT", "INVALID_COLUMN_VALUES"): Entry(
        "REQUEST",
        "Column values in documents are not valid",
        "Only values that are supported by the column data type can be included when inserting a document into a table.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe command included the following columns that had invalid values: ${invalidColumns}.\n\nResend the command using only supported column values.",
    ),
    ("DOCUMENT", "MISSING_PRIMARY_KEY_COLUMNS"): Entry(
        "REQUEST",
        "Primary key columns missing",
        "All primary key columns must be provided when inserting a document into a table. \n\nThe table ${keyspace}.${table} defines the primary key columns: ${primaryKeys}.\n\nThe command included values for primary key columns: ${providedKeys}.\nThe command did not include values for primary key columns: ${missingKeys}.\n\nResend the command including the missing primary key columns.",
    ),
    ("DOCUMENT", "SHRED_BAD_DOCUMENT_TYPE"): Entry(
        "REQUEST",
        "Bad document type to shred",
        "Bad document type to shred: document must be a JSON Object, instead got a JSON ${documentType}.",
    ),
    ("DOCUMENT", "SHRED_DOC_LIMIT_VIOLATION"): Entry(
        "REQUEST", "Document size limitation violated", "Document size limitation violated: ${errorMessage}."
    ),
    ("DOCUMENT", "UNKNOWN_TABLE_COLUMNS"): Entry(
        "REQUEST",
        "Columns in documents are not defined in the table schema",
        "Only columns defined in the table schema can be included when inserted a document into a table.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe command included the following unknown columns: ${unknownColumns}.\n\nResend the command using only defined columns.",
    ),
    ("FILTER", "FILTER_FIELDS_LIMIT_VIOLATION"): Entry(
        "REQUEST",
        "Filter fields size limitation violated",
        "Filter has ${fieldCount} fields, exceeds maximum allowed (${maxFieldCount}).\n\nResend the command with filter that does not exceed maximum field count.",
    ),
    ("FILTER", "FILTER_INVALID_EXPRESSION"): Entry(
        "REQUEST",
        "Unsupported filter clause",
        "Unsupported filter clause: ${message}.\n\nResend the command using only supported filter expressions and paths.",
    ),
    ("FILTER", "FILTER_UNSUPPORTED_OPERATOR"): Entry(
        "REQUEST",
        "Unsupported filter operator",
        "Unsupported ${message}.\n\nResend the command using only supported operators.",
    ),
    ("FILTER", "INVALID_FILTER_COLUMN_VALUES"): Entry(
        "REQUEST",
        "Column value in filter is not valid",
        "Only values that are supported by the column data type can be included when filtering.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe command included the column ${invalidColumn} that has ${columnType} type defined.\n\nResend the command using only supported column values.",
    ),
    ("FILTER", "INVALID_MAP_SET_LIST_FILTER"): Entry(
        "REQUEST",
        "Command has invalid filter against a map, set, or list column",
        'Command has an invalid filter, ${detailedReason}.\n\nSupported filter operators for map, set, list are \'$in\', \'$nin\', \'$all\'.\nFilter examples for map column:\n- filter on map keys {"mapColumn": {"$keys": {"$in": ["key1", "key2"]}}}\n- filter on map values {"mapColumn": {"$values": {"$nin": ["value1", "value2"]}}}\n- filter on map entries {"mapColumn": {"$all": [["key1", "value1"], ["key2", "value2"]]}}\nFilter examples for list column:\n- filter on list {"listColumn": {"$in": ["value1", "value2"]}}}\nFilter examples for set column:\n- filter on set {"setColumn": {"$nin": ["value1", "value2"]}}}\n\nResend the command using correct filter.',
    ),
    ("FILTER", "INVALID_PRIMARY_KEY_FILTER"): Entry(
        "REQUEST",
        "Primary key filtering must specify columns in schema order",
        "The command requires a filter on the primary key that specifies all of the partitioning keys, and the partition sort keys in order.\n\nIf a partition sort key is excluded, then all following partition sort keys must be excluded. \n\nThe table ${keyspace}.${table} defines the primary keys: ${primaryKeys}.\n\nThe filter has the following issues: \n  - Missing Partition Keys: ${missingPartitionKeys}.\n  - Out of order Partition Sort Keys: ${outOfOrderClusteringKeys}.\n\nResend the command using a filter that includes all partitioning keys and optionally the partitioning sort keys in order. ",
    ),
    ("FILTER", "MISSING_FILTER_FOR_UPDATE_DELETE"): Entry(
        "REQUEST",
        "Update and delete commands require a filter",
        "Update and delete commands for tables require a filter.\n\nThese commands require a filter that identifies a either a single row (for `updateOne` and `deleteOne`) or a partition and a sequence of rows (for `deleteMany`). \n\nNote: using the `deleteMany` command without a filter truncates all rows from the table.\n\nThe table ${keyspace}.${table} defines the primary keys: ${primaryKeyColumns}.\n\nResend the command using a filter.",
    ),
    ("FILTER", "MISSING_FULL_PRIMARY_KEY_FOR_UPDATE_DELETE"): Entry(
        "REQUEST",
        "updateOne and deleteOne commands require filtering on the full primary key",
        "The `updateOne` and `deleteOne`commands can only filter using the fully specify the primary key for the table.\n\nThe table ${keyspace}.${table} defines the primaryKeys: ${primaryKeyColumns}.\nThe filter was missing the primary key columns: ${missingPrimaryKeyFilters}.\n\nResend the command using a filter that fully specifies the primary key to identify a single row.",
    ),
    ("FILTER", "UNKNOWN_TABLE_COLUMNS"): Entry(
        "REQUEST",
        "Columns in the filter are not defined in the table schema",
        "Only columns defined in the table schema can be filtered on.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe filter included the following unknown columns: ${unknownColumns}.\n\nResend the command using only defined columns.",
    ),
    ("FILTER", "UNSUPPORTED_COMPARISON_FILTER_AGAINST_DURATION"): Entry(
        "REQUEST",
        "Duration data type does not support comparison filters",
        "Filtering using the comparison operations ($lt, $gt, $lte, $gte) is not supported against `duration` column types.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe request used a comparison operation on duration columns: ${durationFilters}.\n\nResend the command using only supported operations on `duration` columns. ",
    ),
    ("FILTER", "UNSUPPORTED_FILTER_FOR_UPDATE_ONE_DELETE_ONE"): Entry(
        "REQUEST",
        "updateOne and deleteOne commands only support filtering using $eq",
        "The Filtering using the non `$eq` filter operations can select more than one row, and so cannot be used with the `updateOne` and `deleteOne` commands as they can only modify one row.\n\nThe command used an invalid filter on the columns: ${unsupportedFilterColumns}.\n\nResend the command only using `$eq` filters.",
    ),
    ("FILTER", "UNSUPPORTED_NON_PRIMARY_KEY_FILTER_FOR_UPDATE_DELETE"): Entry(
        "REQUEST",
        "Update and delete commands only support filtering on the primary key",
        "The Update or delete commands can only filter using columns that are part of the primary key.\n\nThe table ${keyspace}.${table} defines the primaryKeys: ${primaryKeyColumns}.\nThe filter used the non primary key columns: ${nonPrimaryKeyFilters}\n\nResend the command using with a filter that only uses the primary key columns.",
    ),
    ("PROJECTION", "UNKNOWN_TABLE_COLUMNS"): Entry(
        "REQUEST",
        "Columns in the projection are not defined in the table schema",
        "Only columns defined in the table schema can be included in the projection.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe projection included the following unknown columns: ${unknownColumns}.\n\nResend the command using only defined columns.",
    ),
    ("PROJECTION", "UNSUPPORTED_PROJECTION_DEFINITION"): Entry(
        "REQUEST",
        "Unsupported projection definition",
        "Unsupported projection definition JSON value: must be Object, was ${projectionValueType}.\n\nResend the command with valid projection definition.",
    ),
    ("PROJECTION", "UNSUPPORTED_PROJECTION_PARAM"): Entry(
        "REQUEST",
        "Unsupported projection parameter",
        "Unsupported projection parameter: ${errorMessage}.\n\nResend the command with valid projection definition.",
    ),
    ("SCHEMA", "UNKNOWN_COLLECTION_OR_TABLE"): Entry(
        "REQUEST",
        "Collection or Table does not exist in the Keyspace",
        "The command tried to get a Collection or Table ${table} that does not exist in the Keyspace ${keyspace}.\n\nThe keyspace has the existing collections or tables: ${allTables}.\n\nResend the command using a Collection or Table that exists.",
    ),
    ("SCHEMA", "UNKNOWN_KEYSPACE"): Entry(
        "REQUEST",
        "Keyspace does not exist in the Database",
        "The command tried to use a Keyspace that does not exist in the Database.\n\nThe keyspace used by the command: ${keyspace}.\n\nResend the command using a Keyspace that exists.",
    ),
    ("SECURITY", "MISSING_AUTHENTICATION_TOKEN"): Entry(
        "REQUEST",
        "Missing authorization token",
        "The command did not include an authorization token in the request headers.\n\nThe authorization header is: ${authHeader}.\n\nResend the command using the correct authentication details.",
        401,
    ),
    ("SECURITY", "UNAUTHENTICATED_REQUEST"): Entry(
        "REQUEST",
        "Authentication failed",
        "Authentication failed for request due to invalid token.\n\nResend with valid authentication token.",
        401,
    ),
    ("SECURITY", "UNAUTHORIZED_ACCESS"): Entry(
        "REQUEST",
        "Unauthorized access to the database",
        "The command is not authorized to perform the action on the database. \n\nThe authentication details provided with the command do not allow it to perform the action is was attempting, such as reading or writing data. \n\nThe command used the keyspace and table or collection: ${keyspace}.${table}.\n\nResend the command using the correct authentication details.",
        401,
    ),
    ("SORT", "CANNOT_SORT_UNKNOWN_COLUMNS"): Entry(
        "REQUEST",
        "Sorted columns are not defined in the table schema",
        "The command attempted to sort using columns that are not in the table schema.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe command attempted to sort the unknown columns: ${unknownColumns}.  \n\nResend the command using only columns that are defined in the table schema.",
    ),
    ("SORT", "CANNOT_SORT_VECTOR_AND_NON_VECTOR_COLUMNS"): Entry(
        "REQUEST",
        "Vector sort cannot be used with non vector sorting",
        'The command attempted to vector sort vector columns and other non vector columns.\n\nVector sorts must use a single vector column, and cannot include any other sort columns.\n\nA vector sort in the sort clause identifies the vector column by name and then provides either:  \n- The vector as an array of decimal numbers.\n- The vector as a base64-encoded `{"$binary": "base64-encoded-vector"}` object.\n- A string to be vectorized if enabled for the column.\n\nThe table ${keyspace}.${table} defines the vector columns: ${vectorColumns}.\nThe command attempted to sort the vector columns: ${sortVectorColumns}.\nThe command attempted to sort the non-vector columns: ${sortNonVectorColumns}.\n\nResend the command using either vector or non-vector sorting.',
    ),
    ("SORT", "CANNOT_VECTOR_SORT_NON_INDEXED_VECTOR_COLUMNS"): Entry(
        "REQUEST",
        "Vector sort cannot be used for non indexed vector columns",
        'The command attempted to vector sort vector columns that are not indexed.\n\nVector sorting is only supported on vector columns that have been indexed.\n\nA vector sort in the sort clause identifies the vector column by name and then provides either:  \n- The vector as an array of decimal numbers.\n- The vector as a base64-encoded `{"$binary": "base64-encoded-vector"}` object.\n- A string to be vectorized if enabled for the column.\n\nThe table ${keyspace}.${table} defines the vector columns: ${vectorColumns}.\nAnd has indexes on the vector columns: ${indexedColumns}.\nThe command attempted to sort vector columns: ${sortColumns}.  \n\nResend the command using only indexed vector columns.',
    ),
    ("SORT", "CANNOT_VECTOR_SORT_NON_VECTOR_COLUMNS"): Entry(
        "REQUEST",
        "Vector sort columns are not `vector` type",
        'The command attempted to vector sort on a column that is not of `vector` type.\n\nA vector sort in the sort clause identifies the vector column by name and then provides either:  \n- The vector as an array of decimal numbers.\n- The vector as a base64-encoded `{"$binary": "base64-encoded-vector"}` object.\n- A string to be vectorized if enabled for the column.\n\nThe table ${keyspace}.${table} defines vector columns: ${vectorColumns}.\nThe command attempted to sort the non-vector columns: ${sortColumns}.\n\nResend the command using only `vector` columns.',
    ),
    ("SORT", "INVALID_REGULAR_SORT_EXPRESSION"): Entry(
        "REQUEST",
        "Sort expression is not valid for regular sort",
        "The command attempted to use unsupported JSON expression `${jsonExpr}` (type ${jsonType}) for sort clause.\n\nA regular sort expression in the sort clause identifies the column by name and then provides either:  \n- `1` for ascending\n- `-1` for descending\n\nResend the command with only valid sort expressions.",
    ),
    ("SORT", "INVALID_VECTOR_SORT_EXPRESSION"): Entry(
        "REQUEST",
        "Sort expression is not valid for vector/vectorize sort",
        'The command attempted to use unsupported JSON type (${jsonType}) for vector or vectorize sort.\n\nA vector sort in the sort clause identifies the vector column by name and then provides either:  \n- The vector as an array of decimal numbers.\n- The vector as a base64-encoded `{"$binary": "base64-encoded-vector"}` object.\n- A string to be vectorized if enabled for the column.\n\nResend the command with valid vector/vectorize sort expression.',
    ),
    ("SORT", "OVERLOADED_SORT_ROW_LIMIT"): Entry(
        "REQUEST",
        "Sort aborted due to in-memory sort restriction",
        "The command used in-memory sorting which has a limit of ${maxLimit} ${unit}s. \n\nConsult any warnings included in the response for how to improve the sort performance.\n\nResend the command using a more specific filter to reduce the number of ${unit}s sorted.",
    ),
    ("SORT", "SORT_CLAUSE_INVALID"): Entry(
        "REQUEST",
        "Sort clause used by command not valid",
        "Sort clause used by command not valid.\nProblem: ${problem}.\n\nResend the command with a valid sort clause.",
    ),
    ("SORT", "UNSUPPORTED_PAGINATION_WITH_IN_MEMORY_SORTING"): Entry(
        "REQUEST",
        "Pagination not supported when using in-memory sorting",
        "Pagination is not supported when the data is sorted in-memory.\n\nThe table ${keyspace}.${table} has the partition sorting columns: ${partitionSorting}.\nThe command sorted on the columns: ${sortColumns}.\n\nResend the command without pagination.    ",
    ),
    ("SORT", "UNSUPPORTED_SORT_FOR_TABLE_DELETE_COMMAND"): Entry(
        "REQUEST",
        "Sorting not supported by delete command on tables",
        "The command attempted to sort a delete command running against a table. \n\nDeleting rows in a table does not support sorting, rows can only be deleted by specifying the partition key(s) and optionally the clustering key(s) for the row(s) to be deleted.\n\nResend the command without the sort clause.",
    ),
    ("SORT", "UNSUPPORTED_SORT_FOR_TABLE_UPDATE_COMMAND"): Entry(
        "REQUEST",
        "Sorting not supported by update command on tables",
        "The command attempted to sort a update command running against a table. \n\nUpdating row in a table does not support sorting, a row can only be updated by specifying full primary key(s).\n\nResend the command without the sort clause.",
    ),
    ("UPDATE", "INVALID_PUSH_OPERATOR_USAGE"): Entry(
        "REQUEST",
        "The command has invalid usage of $push operator",
        'The command has invalid usage of $push operator, ${reason}.\n\nUpdate operator $push works for adding single element, combine $push with $each for adding multiple elements.\n\nE.G.\nPush single element to set/list. \n{"$push": {"listColumn": "value"}}\nPush multiple elements to set/list. \n{"$push": {"listColumn": {"$each": ["value1","value2"]}}}\nPush single entry to map.\n{"$push": {"mapColumn": ["key1", "value1"]}} or {"$push": {"mapColumn": {"key1":"value1"}}}\nPush multiple entries to map.\n{"$push": {"mapColumn": {"$each": [["key1","value1"],["key2", "value2"]]}}} or {"$push": {"mapColumn": {"$each": [{"key1":"value1"},{"key2":"value2"}]}}}\n\nResend the command with valid usage of $push operator.',
    ),
    ("UPDATE", "INVALID_UPDATE_COLUMN_VALUES"): Entry(
        "REQUEST",
        "Column value in update clause is not valid",
        "Only values that are supported by the column data type can be included when updating.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe update included invalid values for the columns: ${invalidColumns}.\n\nResend the command using only supported column values.",
    ),
    ("UPDATE", "MISSING_UPDATE_OPERATIONS"): Entry(
        "REQUEST",
        "Update operation requires at least one operation",
        "The command did not include any non empty update operations to change the columns in the table.\n\nSupported update operations are ${supportedUpdateOperations}.\n\nResend the command using at least one update operation.",
    ),
    ("UPDATE", "UNKNOWN_TABLE_COLUMNS"): Entry(
        "REQUEST",
        "Columns in the update are not defined in the table schema",
        "Only columns defined in the table schema can be updated.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe update included the following unknown columns: ${unknownColumns}.\n\nResend the command using only defined columns.",
    ),
    ("UPDATE", "UNSUPPORTED_OVERLAPPING_UPDATE_OPERATIONS"): Entry(
        "REQUEST",
        "Columns cannot be changed by multiple update operations",
        "The command included multiple update operations that attempted to change the same column. For example, attempting to both $set and $unset a column.\n\nMultiple assignments attempted to change the columns: ${duplicateAssignmentColumns}.\n\nResend the command using a single update operation for each column.",
    ),
    ("UPDATE", "UNSUPPORTED_UPDATE_FOR_PRIMARY_KEY_COLUMNS"): Entry(
        "REQUEST",
        "Primary key columns cannot be updated",
        "Columns in the primary key for the table cannot be updated. \n\nThis includes both the partitioning keys and the partitioning sort keys. \n\nThe table ${keyspace}.${table} defines the primary keys: ${primaryKeys}.\nThe update included the following primary keys: ${updateOnPrimaryKeyColumns}.\n\nResend the command without updating primary key columns.",
    ),
    ("UPDATE", "UNSUPPORTED_UPDATE_OPERATIONS_FOR_TABLE"): Entry(
        "REQUEST",
        "Update operation not supported by tables",
        "The command included update operations that are not supported by tables.\n\nAPI tables support the update operations: ${supportedUpdateOperations}.\nThe update included the unsupported operations: ${usedUnsupportedUpdateOperations}.\n\nResend the command using only supported update operations.",
    ),
    ("UPDATE", "UNSUPPORTED_UPDATE_OPERATOR"): Entry(
        "REQUEST",
        "Update operator is not supported by target columns",
        "Only update operators that are supported by the column type can be used in the update clause.\n\nNote, $push and $pullAll are only supported against map, set, list columns.\n\nThe table ${keyspace}.${table} defines the columns: ${allColumns}.\nThe command used the update operator: ${operator}.\nThe operation was not supported by the columns: ${unsupportedColumns}.\n\nResend the command using only supported update operators.",
    ),
    ("WARNING", "INCOMPLETE_PRIMARY_KEY_FILTER"): Entry(
        "REQUEST",
        "Incomplete filter on table primary key",
        "The filter only specified columns from the primary key, but did not specify the full primary key for the table.  \n\nThe table ${keyspace}.${table} defines the primary keys: ${primaryKeys}.\nThe filter has the following issues: \n  - Missing Partition Keys: ${missingPartitionKeys}.\n  - Out of order Partition Sort Keys: ${outOfOrderClusteringKeys}.\n\nFor the best performance, filter on all partition columns and optionally on clustering columns in the order they are specified. \n\nThe query was executed without taking advantage of the primary key or indexes on the table, this can have performance implications on large tables.\n\nSee documentation for best practices for filtering.      ",
    ),
    ("WARNING", "IN_MEMORY_SORTING_DUE_TO_MISSING_PARTITION_SORTING"): Entry(
        "REQUEST",
        "Sorting with missing partition sorting columns",
        "The command used columns in the sort clause that are all part of the partition sorting, however the sort clause was missing some of the partition sorting columns.\n\nWhen sorting by the partition sorting columns, if a column is skipped then all following columns must also be skipped.\n\nThe table ${keyspace}.${table} has the partition sorting columns: ${partitionSorting}.\nThe sort clause skipped a column and then included the columns : ${outOfOrderClusteringKeys}.\n\nThe command was executed using in memory sorting rather than taking advantage of the partition sorting on disk. This can have performance implications on large tables.\n\nSee documentation for best practices for sorting.",
    ),
    ("WARNING", "IN_MEMORY_SORTING_DUE_TO_NON_PARTITION_SORTING"): Entry(
        "REQUEST",
        "Sorting by non partition sorting columns",
        "The command used columns in the sort clause that are not part of the partition sorting, and so the query was sorted in memory.\n      \nThe table ${keyspace}.${table} has the partition sorting columns: ${partitionSorting}.\nThe command sorted on the columns: ${sortColumns}.\n\nThe command was executed using in memory sorting rather than taking advantage of the partition sorting on disk. This can have performance implications on large tables.\n\nSee documentation for best practices for sorting.",
    ),
    ("WARNING", "IN_MEMORY_SORTING_DUE_TO_OUT_OF_ORDER_PARTITION_SORTING"): Entry(
        "REQUEST",
        "Sorting on out of order partition sorting columns",
        "The command used columns in the sort clause that are all part of the partition sorting, however the sort clause used a different column order to the partition sorting.\n\nWhen sorting by the partition sorting columns, the columns must be in the same order as the partition sorting.\n\nThe table ${keyspace}.${table} has the partition sorting columns: ${partitionSorting}.\nThe sort clause used the columns (in order) : ${sortColumns}.\n\nThe command was executed using in memory sorting rather than taking advantage of the partition sorting on disk. This can have performance implications on large tables.\n\nSee documentation for best practices for sorting.",
    ),
    ("WARNING", "IN_MEMORY_SORTING_DUE_TO_PARTITION_KEY_NOT_RESTRICTED"): Entry(
        "REQUEST",
        "Sorting with partition key not restricted correctly in filter clause",
        "The command wants to perform sort, however the filter clause does not have partition keys correctly restricted.\n\nWhen sorting by the partition sorting columns, partition keys needs to restricted by $eq in filter clause.\n\nThe table ${keyspace}.${table} has the partition keys: ${partitionKeys}.\nThe table ${keyspace}.${table} has the partition sorting columns: ${partitionSorting}.\nThe sort clause used the columns (in order) : ${sortColumns}.\n\nThe command was executed using in memory sorting rather than taking advantage of the partition sorting on disk. This can have performance implications on large tables.\n\nSee documentation for best practices for sorting.",
    ),
    ("WARNING", "MISSING_INDEX"): Entry(
        "REQUEST",
        "Filter includes columns that are not indexed",
        "The filter includes columns that are not indexed. \n\nThe table ${keyspace}.${table} has the primary key: ${primaryKey}.\nAnd has indexes on the columns: ${indexedColumns}.\nThe request filtered on the un-indexed columns: ${unindexedFilters}.\n\nNote: There may be a small delay in newly created indexes propagating through the system, this warning may be ignored if the column(s) were recently indexed.\n\nThe query was executed without taking advantage of the primary key or indexes on the table, this can have performance implications on large tables.\n\nSee documentation for best practices for filtering.",
    ),
    ("WARNING", "NOT_EQUALS_UNSUPPORTED_BY_INDEXING"): Entry(
        "REQUEST",
        "Use of $ne (not equals) on indexed columns",
        "The filter uses $ne (not equals) on columns that, while indexed, are still inefficient to filter on using not equals.  \n\nFiltering using $ne on columns of type ${inefficientDataTypes} is inefficient, even when the columns are indexed.\n\nThe table ${keyspace}.${table} uses these data types for the columns: ${inefficientColumns}.\nThe request applied $ne to the columns: ${inefficientFilters}.\n\nThe query was executed without taking advantage of the primary key or indexes on the table, this can have performance implications on large tables.\n\nSee documentation for best practices for filtering.",
    ),
    ("WARNING", "NOT_IN_FILTER_UNSUPPORTED_BY_INDEXING"): Entry(
        "REQUEST",
        "Use of $nin on indexed columns",
        "The filter uses $nin on columns that, while indexed, are still inefficient to filter on.  \n\nFiltering using $nin on columns of type ${inefficientDataTypes} is inefficient, even when the columns are indexed.\n\nThe table ${keyspace}.${table} uses these data types for the columns: ${inefficientColumns}.\nThe request applied $nin to the indexed columns: ${inefficientFilterColumns}.\n\nThe query was executed without taking advantage of the primary key or indexes on the table, this can have performance implications on large tables.\n\nSee documentation for best practices for filtering.",
    ),
    ("WARNING", "ZERO_FILTER_OPERATIONS"): Entry(
        "REQUEST",
        "Zero operations provided in query filter",
        "Zero filters were provided in the filter for this query. \n\nProviding zero filters will return all rows in the table, which may have poor performance when the table is large. For the best performance, include one or more filters using the primary key or indexes.\n\nThe table ${keyspace}.${table} has the primary key: ${primaryKey}.\nAnd has indexes on the columns: ${indexedColumns}.\n\nThe query was executed without taking advantage of the primary key or indexes on the table, this can have performance implications on large tables.\n\nSee documentation for best practices for filtering.",
    ),
}
