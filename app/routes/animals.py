"""The sample's animal endpoints."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.responses import Response

from app import repository
from app.encoding import json_response
from app.http.deps import Backend
from app.http.sample import SampleCallDep, SampleRead, SampleWrite
from app.models import ERROR_RESPONSES, WRITE_RESPONSES, Animal, AnimalPage, ErrorBody, Inserted
from app.routes.listing import (
    LISTING_RESPONSES,
    FormatParam,
    KeyPath,
    PageSizeParam,
    PageStateParam,
    answer_listing,
)

router = APIRouter(tags=["animals"], responses=ERROR_RESPONSES, dependencies=[SampleRead])


@router.get(
    "/animal/{genus}/{species}",
    response_model=Animal,
    responses={404: {"model": ErrorBody, "description": "no such animal"}},
)
async def read_animal(call: SampleCallDep, genus: KeyPath, species: KeyPath) -> Response:
    """One animal by its full key."""

    async def read(backend: Backend) -> Response:
        row = await repository.get_animal(backend.db, backend.statements, genus, species)
        if row is None:
            raise HTTPException(404, f"no animal {genus} {species}")
        return json_response(row)

    return await call.answer(read)


@router.get("/animal/{genus}", response_model=list[Animal] | AnimalPage, responses=LISTING_RESPONSES)
async def read_animals(
    call: SampleCallDep,
    genus: KeyPath,
    format: FormatParam = None,
    page_size: PageSizeParam = None,
    page_state: PageStateParam = None,
) -> Response:
    """Every animal of a genus, in species order: streamed as JSON or NDJSON, or paged with a cursor."""

    async def listed(backend: Backend) -> Response:
        listing = repository.list_animals(backend.db, backend.statements, genus)
        return await answer_listing(
            call.request, backend, listing, format=format, page_size=page_size, page_state=page_state
        )

    return await call.answer(listed)


@router.post("/animal", response_model=Inserted, responses=WRITE_RESPONSES, dependencies=[SampleWrite])
async def create_animal(animal: Animal, call: SampleCallDep) -> Response:
    """Insert or replace an animal."""

    async def write(backend: Backend) -> Response:
        await repository.upsert_animal(backend.db, backend.statements, animal)
        return json_response({"inserted": True})

    return await call.answer(write)
