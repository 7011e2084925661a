"""The original sample's curl session, verbatim, against the real node: existing clients keep working."""

from __future__ import annotations

import httpx

from tests.support.sample import assert_both_vanessa, assert_sample_atalanta, assert_sample_plantago


async def test_plantago_lists_the_88_sample_species(client: httpx.AsyncClient) -> None:
    assert_sample_plantago(await client.get("/plant/Plantago"))


async def test_sample_animal_reads_back_with_its_float_as_written(client: httpx.AsyncClient) -> None:
    assert_sample_atalanta(await client.get("/animal/Vanessa/atalanta"))


async def test_genus_listing_returns_both_vanessa_in_species_order(client: httpx.AsyncClient) -> None:
    assert_both_vanessa(await client.get("/animal/Vanessa"))
