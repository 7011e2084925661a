"""What the sample data holds, as the tests expect to read it back."""

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


def assert_sample_atalanta(response: httpx.Response) -> None:
    """The sample's Vanessa atalanta, its float as written."""
    assert response.status_code == 200
    assert response.json() == ATALANTA


def assert_both_vanessa(response: httpx.Response) -> None:
    """The sample's genus Vanessa: both species, in clustering order."""
    assert response.status_code == 200
    assert [a["species"] for a in response.json()] == ["atalanta", "cardui"]
