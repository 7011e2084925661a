"""The sample's plant endpoints."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.responses import Response

from app import repository
from app.encoding import json_response
from app.http.deps import Backend
from app.http.sample import SampleCallDep, SampleRead, SampleWrite
from app.models import ERROR_RESPONSES, WRITE_RESPONSES, ErrorBody, Inserted, Plant, PlantPage
from app.routes.listing import (
    LISTING_RESPONSES,
    FormatParam,
    KeyPath,
    PageSizeParam,
    PageStateParam,
    answer_listing,
)

router = APIRouter(tags=["plants"], responses=ERROR_RESPONSES, dependencies=[SampleRead])


@router.get(
    "/plant/{genus}/{species}",
    response_model=Plant,
    responses={404: {"model": ErrorBody, "description": "no such plant"}},
)
async def read_plant(call: SampleCallDep, genus: KeyPath, species: KeyPath) -> Response:
    """One plant by its full key."""

    async def read(backend: Backend) -> Response:
        row = await repository.get_plant(backend.db, backend.statements, genus, species)
        if row is None:
            raise HTTPException(404, f"no plant {genus} {species}")
        return json_response(row)

    return await call.answer(read)


@router.get("/plant/{genus}", response_model=list[Plant] | PlantPage, responses=LISTING_RESPONSES)
async def read_plants(
    call: SampleCallDep,
    genus: KeyPath,
    format: FormatParam = None,
    page_size: PageSizeParam = None,
    page_state: PageStateParam = None,
) -> Response:
    """Every plant of a genus, in species order: streamed as JSON or NDJSON, or paged with a cursor."""

    async def listed(backend: Backend) -> Response:
        listing = repository.list_plants(backend.db, backend.statements, genus)
        return await answer_listing(
            call.request, backend, listing, format=format, page_size=page_size, page_state=page_state
        )

    return await call.answer(listed)


@router.post("/plant", response_model=Inserted, responses=WRITE_RESPONSES, dependencies=[SampleWrite])
async def create_plant(plant: Plant, call: SampleCallDep) -> Response:
    """Insert or replace a plant."""

    async def write(backend: Backend) -> Response:
        await repository.upsert_plant(backend.db, backend.statements, plant)
        return json_response({"inserted": True})

    return await call.answer(write)
