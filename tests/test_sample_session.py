"""The original sample's curl session, verbatim, against the real node: existing clients keep working."""

from __future__ import annotations

import httpx

# The sample's second animal as schema/002_sample_data.cql stores it (size_cm is a 32-bit float there).
ATALANTA = {
    "genus": "Vanessa",
    "species": "atalanta",
    "image_url": "https://imgur.com/2fSEnt1",
    "size_cm": 4.8,
    "sightings": 43,
    "taxonomy": ["Arthropoda", "Insecta", "Lepidoptera", "Nymphalidae"],
}


def assert_sample_plantago(response: httpx.Response) -> None:
    """The sample's 88 Plantago species, first and last as the sample data stores them."""
    assert response.status_code == 200
    plants = response.json()
    assert len(plants) == 88
    assert plants[0] == {"genus": "Plantago", "species": "afra", "sightings": 3}
    assert plants[-1] == {"genus": "Plantago", "species": "wrightiana", "sightings": 5}


async def test_plantago_lists_the_88_sample_species(client: httpx.AsyncClient) -> None:
    assert_sample_plantago(await client.get("/plant/Plantago"))


async def test_sample_animal_reads_back_with_its_float_as_written(client: httpx.AsyncClient) -> None:
    response = await client.get("/animal/Vanessa/atalanta")
    assert response.status_code == 200
    assert response.json() == ATALANTA


async def test_genus_listing_returns_both_vanessa_in_species_order(client: httpx.AsyncClient) -> None:
    response = await client.get("/animal/Vanessa")
    assert response.status_code == 200
    assert [a["species"] for a in response.json()] == ["atalanta", "cardui"]
