"""The sample's queries, one function each: bind the prepared statement, await the driver, shape the rows.

No HTTP here. Listings come back as a `Listing`, which the routes frame as a stream or as one page.
"""

from __future__ import annotations

from app.db.database import Database, Listing, Page, Pages, Row
from app.db.statements import Statements
from app.models import Animal, Plant
from app.rows.types import float32_shortest


def _animal_row(row: Row) -> Row:
    row["size_cm"] = float32_shortest(row["size_cm"])
    if row["taxonomy"] is None:
        row["taxonomy"] = []  # an empty CQL list reads back as null
    return row


async def get_animal(db: Database, st: Statements, genus: str, species: str) -> Row | None:
    page = await db.execute(st.select_animal.bind((genus, species)))
    return _animal_row(page.rows[0]) if page.rows else None


def list_animals(db: Database, st: Statements, genus: str) -> Listing:
    async def fetch(page_size: int, paging_state: bytes | None) -> Pages:
        statement = st.select_animals.bind((genus,))
        async for page in db.pages(statement, page_size=page_size, paging_state=paging_state):
            yield Page([_animal_row(row) for row in page.rows], page.paging_state)

    return Listing(f"animals:{genus}", fetch)


async def upsert_animal(db: Database, st: Statements, animal: Animal) -> None:
    values = (animal.genus, animal.species, animal.image_url, animal.size_cm, animal.sightings, animal.taxonomy)
    await db.execute(st.upsert_animal.bind(values))


async def get_plant(db: Database, st: Statements, genus: str, species: str) -> Row | None:
    page = await db.execute(st.select_plant.bind((genus, species)))
    return page.rows[0] if page.rows else None


def list_plants(db: Database, st: Statements, genus: str) -> Listing:
    def fetch(page_size: int, paging_state: bytes | None) -> Pages:
        # Plant rows need no shaping: the driver's pages go out as they come.
        return db.pages(st.select_plants.bind((genus,)), page_size=page_size, paging_state=paging_state)

    return Listing(f"plants:{genus}", fetch)


async def upsert_plant(db: Database, st: Statements, plant: Plant) -> None:
    await db.execute(st.upsert_plant.bind((plant.genus, plant.species, plant.sightings)))


async def ping(db: Database, st: Statements) -> str:
    page = await db.execute(st.ping.bind(()))
    return str(page.rows[0]["release_version"]) if page.rows else "unknown"
