"""Plants: point reads, upserts, and the streamed genus listing in both framings."""

from __future__ import annotations

import httpx
import orjson
from cassandra.cluster import Session

from tests.support.names import unique


async def test_posted_plant_is_stored_and_reads_back(client: httpx.AsyncClient, cql: Session) -> None:
    plant = {"genus": unique(), "species": "major", "sightings": 7}
    response = await client.post("/plant", json=plant)
    assert (response.status_code, response.json()) == (200, {"inserted": True})
    assert (await client.get(f"/plant/{plant['genus']}/major")).json() == plant
    row = cql.execute("SELECT sightings FROM plants WHERE genus = %s AND species = 'major'", (plant["genus"],)).one()
    assert row["sightings"] == 7


async def test_sample_plant_reads_by_full_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago/lanceolata")
    assert response.json() == {"genus": "Plantago", "species": "lanceolata", "sightings": 3}


async def test_unknown_plant_is_a_404_with_a_json_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago/nonexistent")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "no plant Plantago nonexistent"}


async def test_listing_is_a_json_array_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago")
    assert response.headers["content-type"].startswith("application/json")
    assert len(response.json()) == 88


async def test_listing_is_ndjson_for_accept_x_ndjson(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago", headers={"Accept": "application/x-ndjson"})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = response.content.split(b"\n")
    assert lines[-1] == b""  # every line, the last included, ends with a newline
    plants = [orjson.loads(line) for line in lines[:-1]]
    assert len(plants) == 88
    assert plants[0]["species"] == "afra"


async def test_listing_is_jsonl_for_accept_jsonl(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago", headers={"Accept": "application/jsonl"})
    assert response.headers["content-type"].startswith("application/jsonl")
    assert len(response.text.splitlines()) == 88


async def test_format_parameter_overrides_the_accept_header(client: httpx.AsyncClient) -> None:
    ndjson = await client.get("/plant/Plantago?format=ndjson")
    array = await client.get("/plant/Plantago?format=json", headers={"Accept": "application/x-ndjson"})
    assert len(ndjson.text.splitlines()) == 88
    assert len(array.json()) == 88


async def test_listing_spanning_many_small_pages_is_complete_and_ordered(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago?page_size=7&format=ndjson")
    species = [orjson.loads(line)["species"] for line in response.text.splitlines()]
    assert len(species) == 88
    assert species == sorted(species)


async def test_listing_of_an_unknown_genus_is_empty_in_both_framings(client: httpx.AsyncClient) -> None:
    genus = unique()
    assert (await client.get(f"/plant/{genus}")).json() == []
    assert (await client.get(f"/plant/{genus}?format=ndjson")).content == b""


async def test_unknown_format_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago?format=xml")
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


async def test_negative_sightings_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/plant", json={"genus": unique(), "species": "x", "sightings": -3})
    assert response.status_code == 422
