"""The OpenAPI document of the service: HTTP-facing, so it lives here and not in the engine package (`app.rows`).

`document` serves it (`install`, `serve`, `RowsDocs`), `combined` assembles `/openapi.json`, `tables` types one
served table, `operations` and `components` hold what no table changes, `rendered` keeps the serialised bytes.
"""
