"""The schema API's CQL builders: each reads one of Stargate's request bodies, validates it, and returns the CQL.

Pure functions, no I/O: every identifier is checked (`fields.identifier`) and quoted with the driver's
`protect_name`, every type string parsed and written again (`typedefs`), every option checked against a closed list
or a type, and every other value is one we produced (a number we read, a keyword we chose). No text of the client's
reaches CQL unquoted. A body that does not hold is a `RowsError` (400) in Stargate's words where Stargate has them.

`run` is the one module here with I/O: it runs a schema change for both faces (the schema API, the Data API).
"""
