"""One function per query: bind the prepared statement, await the driver, shape the rows. No HTTP here."""

from __future__ import annotations

from collections.abc import AsyncIterator

from app.bridge import Database, Page
from app.encoding import float32_shortest
from app.models import Animal, Plant
from app.statements import Statements
from app.types import Row


def _animal_row(row: Row) -> Row:
    row["size_cm"] = float32_shortest(row["size_cm"])
    if row["taxonomy"] is None:
        row["taxonomy"] = []  # an empty CQL list reads back as null
    return row


async def get_animal(db: Database, st: Statements, genus: str, species: str) -> Row | None:
    page = await db.execute(st.select_animal.bind((genus, species)))
    return _animal_row(page.rows[0]) if page.rows else None


async def animal_pages(
    db: Database, st: Statements, genus: str, *, page_size: int, paging_state: bytes | None = None
) -> AsyncIterator[Page]:
    async for page in db.pages(st.select_animals.bind((genus,)), page_size=page_size, paging_state=paging_state):
        yield Page([_animal_row(row) for row in page.rows], page.paging_state)


async def upsert_animal(db: Database, st: Statements, animal: Animal) -> None:
    values = (animal.genus, animal.species, animal.image_url, animal.size_cm, animal.sightings, animal.taxonomy)
    await db.execute(st.upsert_animal.bind(values))


async def get_plant(db: Database, st: Statements, genus: str, species: str) -> Row | None:
    page = await db.execute(st.select_plant.bind((genus, species)))
    return page.rows[0] if page.rows else None


def plant_pages(
    db: Database, st: Statements, genus: str, *, page_size: int, paging_state: bytes | None = None
) -> AsyncIterator[Page]:
    return db.pages(st.select_plants.bind((genus,)), page_size=page_size, paging_state=paging_state)


async def upsert_plant(db: Database, st: Statements, plant: Plant) -> None:
    await db.execute(st.upsert_plant.bind((plant.genus, plant.species, plant.sightings)))


async def ping(db: Database, st: Statements) -> str:
    page = await db.execute(st.ping.bind(()))
    return str(page.rows[0]["release_version"]) if page.rows else "unknown"
