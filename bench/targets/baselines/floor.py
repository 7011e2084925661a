"""REFERENCE (f), not a pattern to copy: the service's own read and write, through the same bridge and repository,
in a bare FastAPI route: no middlewares, no dependencies, no auth, no metrics, no timeouts.

It answers one question the profile raises: how much of a point read's cost is FastAPI and uvicorn themselves,
before anything this service adds? Variant (a) minus (f) is the price of the service's hardening.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from starlette.responses import Response

from app import repository
from app.encoding import json_response
from app.models import Animal
from bench.targets.baselines.shared import lifespan

app = FastAPI(
    title="REFERENCE (f): bare FastAPI route over the bridge",
    lifespan=lifespan,
    telemetry={"tracing": False, "metrics": False, "logs": False},  # as the service
)


@app.get("/healthz")
async def read_health() -> Response:
    return json_response({"status": "ok"})


@app.get("/animal/{genus}/{species}")
async def read_animal(request: Request, genus: str, species: str) -> Response:
    row = await repository.get_animal(request.state.db, request.state.statements, genus, species)
    if row is None:
        raise HTTPException(404)
    return json_response(row)


@app.post("/animal")
async def create_animal(request: Request, animal: Animal) -> Response:
    await repository.upsert_animal(request.state.db, request.state.statements, animal)
    return json_response({"inserted": True})
