"""BASELINE (b), not the service: the original sample's pattern, a blocking `session.execute` inside `async def`.

Every request blocks the event loop for a whole Cassandra round trip, so requests run one at a time. The plant
listing is the sample's sync generator over a driver ResultSet: Starlette iterates it in a worker thread, one
thread hop per row, and the ResultSet fetches its next pages synchronously.
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson
from cassandra.cluster import ResultSet
from fastapi import FastAPI, HTTPException, Request
from starlette.responses import Response, StreamingResponse

from app.encoding import json_response
from app.models import Animal
from bench.targets.baselines.shared import animal_row, deps, make_lifespan

# Always libev: its session.execute on the loop thread cannot work with the driver IO on that same loop.
app = FastAPI(title="BASELINE (b): blocking calls in async def", lifespan=make_lifespan(loop_io=False))
PAGE_SIZE = 1000  # the service's default PAGE_SIZE


@app.get("/healthz")
async def read_health() -> Response:
    return json_response({"status": "ok"})


@app.get("/animal/{genus}/{species}")
async def read_animal(request: Request, genus: str, species: str) -> Response:
    session, st = deps(request)
    row = session.execute(st.select_animal, (genus, species)).one()  # blocks the loop
    if row is None:
        raise HTTPException(404)
    return json_response(animal_row(row))


@app.post("/animal")
async def create_animal(request: Request, animal: Animal) -> Response:
    session, st = deps(request)
    values = (animal.genus, animal.species, animal.image_url, animal.size_cm, animal.sightings, animal.taxonomy)
    session.execute(st.upsert_animal, values)  # blocks the loop
    return json_response({"inserted": True})


@app.get("/plant/{genus}")
async def read_plants(request: Request, genus: str, format: str = "json") -> Response:
    session, st = deps(request)
    statement = st.select_plants.bind((genus,))
    statement.fetch_size = PAGE_SIZE
    rows = session.execute(statement)  # the first page, blocking the loop
    if format == "ndjson":
        return StreamingResponse(_ndjson_rows(rows), media_type="application/x-ndjson")
    return StreamingResponse(_json_rows(rows), media_type="application/json")


def _json_rows(rows: ResultSet) -> Iterator[bytes]:
    yield b"["
    for index, row in enumerate(rows):  # later pages are fetched synchronously, inside the worker thread
        yield (b"," if index else b"") + orjson.dumps(row)
    yield b"]"


def _ndjson_rows(rows: ResultSet) -> Iterator[bytes]:
    for row in rows:
        yield orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
