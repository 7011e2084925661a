"""BASELINE (c), not the service: plain `def` endpoints, so FastAPI runs each request in its worker-thread pool
(40 threads by default) and the driver's synchronous `session.execute` blocks a thread instead of the loop."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from starlette.responses import Response

from app.encoding import json_response
from app.models import Animal
from bench.targets.baselines.shared import animal_row, deps, lifespan

app = FastAPI(title="BASELINE (c): thread-pool endpoints", lifespan=lifespan)


@app.get("/healthz")
def read_health() -> Response:
    return json_response({"status": "ok"})


@app.get("/animal/{genus}/{species}")
def read_animal(request: Request, genus: str, species: str) -> Response:
    session, st = deps(request)
    row = session.execute(st.select_animal, (genus, species)).one()
    if row is None:
        raise HTTPException(404)
    return json_response(animal_row(row))


@app.post("/animal")
def create_animal(request: Request, animal: Animal) -> Response:
    session, st = deps(request)
    values = (animal.genus, animal.species, animal.image_url, animal.size_cm, animal.sightings, animal.taxonomy)
    session.execute(st.upsert_animal, values)
    return json_response({"inserted": True})
