"""Animals: point reads, genus listings, upserts, and what bad input gets."""

from __future__ import annotations

import httpx
import pytest
from cassandra.cluster import Session

from tests.support.names import unique


def an_animal(genus: str, species: str = "cardui", **changes: object) -> dict[str, object]:
    animal: dict[str, object] = {
        "genus": genus,
        "species": species,
        "image_url": "https://imgur.com/WrPsKkD",
        "size_cm": 5.5,
        "sightings": 12,
        "taxonomy": ["Arthropoda", "Insecta", "Lepidoptera", "Nymphalidae"],
    }
    animal.update(changes)
    return animal


async def test_posted_animal_is_acknowledged_and_stored(client: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    response = await client.post("/animal", json=an_animal(genus))
    assert response.status_code == 200
    assert response.json() == {"inserted": True}
    row = cql.execute("SELECT sightings, taxonomy FROM animals WHERE genus = %s AND species = 'cardui'", (genus,)).one()
    assert row["sightings"] == 12
    assert row["taxonomy"] == ["Arthropoda", "Insecta", "Lepidoptera", "Nymphalidae"]


async def test_posted_animal_reads_back_exactly_as_sent(client: httpx.AsyncClient) -> None:
    animal = an_animal(unique(), size_cm=0.1)
    await client.post("/animal", json=animal)
    response = await client.get(f"/animal/{animal['genus']}/{animal['species']}")
    assert response.status_code == 200
    assert response.json() == animal


async def test_posting_the_same_key_again_replaces_the_animal(client: httpx.AsyncClient) -> None:
    genus = unique()
    await client.post("/animal", json=an_animal(genus, sightings=1))
    await client.post("/animal", json=an_animal(genus, sightings=2, taxonomy=["Arthropoda"]))
    animal = (await client.get(f"/animal/{genus}/cardui")).json()
    assert (animal["sightings"], animal["taxonomy"]) == (2, ["Arthropoda"])


async def test_empty_taxonomy_reads_back_as_an_empty_list(client: httpx.AsyncClient) -> None:
    genus = unique()
    await client.post("/animal", json=an_animal(genus, taxonomy=[]))
    assert (await client.get(f"/animal/{genus}/cardui")).json()["taxonomy"] == []


async def test_unknown_animal_is_a_404_with_a_json_body(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/animal/{unique()}/nobody")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert "nobody" in response.json()["detail"]


async def test_genus_listing_is_in_species_order(client: httpx.AsyncClient) -> None:
    genus = unique()
    for species in ["c", "a", "b"]:
        await client.post("/animal", json=an_animal(genus, species))
    response = await client.get(f"/animal/{genus}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert [a["species"] for a in response.json()] == ["a", "b", "c"]


async def test_genus_listing_of_an_unknown_genus_is_an_empty_array(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/animal/{unique()}")
    assert response.status_code == 200
    assert response.json() == []


async def test_genus_listing_streams_ndjson_when_asked(client: httpx.AsyncClient) -> None:
    genus = unique()
    for species in ["x", "y"]:
        await client.post("/animal", json=an_animal(genus, species, size_cm=4.8))
    response = await client.get(f"/animal/{genus}", headers={"Accept": "application/x-ndjson"})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = response.text.splitlines()
    assert [httpx.Response(200, content=line).json()["species"] for line in lines] == ["x", "y"]
    assert all(httpx.Response(200, content=line).json()["size_cm"] == 4.8 for line in lines)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"genus": ""}, "genus"),
        ({"species": ""}, "species"),
        ({"sightings": -1}, "sightings"),
        ({"sightings": 2**31}, "sightings"),
        ({"size_cm": -0.5}, "size_cm"),
        ({"size_cm": 1e39}, "size_cm"),
        ({"taxonomy": "Arthropoda"}, "taxonomy"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_invalid_animal_is_a_422_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, cql: Session, change: dict[str, object], field: str
) -> None:
    genus = unique()
    body = {**an_animal(genus), **change}
    response = await client.post("/animal", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert any(field in problem["loc"] for problem in response.json()["detail"])
    stored_under = body["genus"] or genus  # Cassandra refuses an empty partition key, so look under the fresh one
    assert cql.execute("SELECT * FROM animals WHERE genus = %s", (stored_under,)).one() is None


async def test_missing_field_is_a_422(client: httpx.AsyncClient) -> None:
    body = an_animal(unique())
    del body["sightings"]
    response = await client.post("/animal", json=body)
    assert response.status_code == 422
    assert any("sightings" in problem["loc"] for problem in response.json()["detail"])
