"""The Data API face: Astra's JSON commands (`POST /v1/{keyspace}/{table}`) over the rows engine and its codecs."""
